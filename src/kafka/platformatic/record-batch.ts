/**
 * Kafka's RecordBatch (magic 2) for the producer of the @platformatic/kafka adapter: the records of
 * one partition of one send, encoded in one pass into one buffer (sizes first, then writes; no
 * per-record buffers; uncompressed records are written in place after the header), compressed with
 * the producer's codec when it has one (record-codecs.ts: gzip, snappy, lz4, zstd). The producer id, epoch and base sequence are stamped when the batch is first
 * sent (`stampRecordBatch`), so a retry sends the very same records with the same sequence, as
 * Java's producer does. The CRC-32C is written last (`sealRecordBatch`), by the transport as it
 * frames each request: once per send, after any stamp (computing it at encode and again at stamp
 * was 2/3 of the producer's CRC time).
 *
 * A batch is encoded with room around it (FRAME_HEADROOM before, FRAME_TAILROOM after, in the same
 * allocation; `takeFramingRoom`): the first Produce request carrying only this batch is framed
 * around it in place (produce-frame.ts), without a second buffer and a copy of the batch; a retry
 * is framed by copying.
 *
 * Layout (Kafka's DefaultRecordBatch): baseOffset int64 · batchLength int32 ·
 * partitionLeaderEpoch int32 · magic int8 · crc uint32 (CRC-32C of everything after it) ·
 * attributes int16 · lastOffsetDelta int32 · baseTimestamp int64 · maxTimestamp int64 ·
 * producerId int64 · producerEpoch int16 · baseSequence int32 · recordCount int32 · records.
 */
import { javaUtf8Text } from "../../util/java-utf8.ts";
import { crc32c } from "../crc32c.ts";
import type { ProducerRecord } from "../kafka-port.ts";
import {
  ATTRIBUTES_OFFSET,
  CRC_OFFSET,
  BATCH_OVERHEAD as HEADER_BYTES,
  PRODUCER_ID_OFFSET,
} from "../record-batch-layout.ts";
import { type Compression, codecId, compressRecords } from "../record-codecs.ts";

const utf8 = new TextEncoder();

/** Bytes kept free before an encoded batch: a Produce request's size, header and body up to the batch. */
export const FRAME_HEADROOM = 320;
/** Bytes kept free after an encoded batch: the request's closing tagged fields. */
export const FRAME_TAILROOM = 3;
/** Each batch encoded here → the allocation around it (FRAME_HEADROOM before it, FRAME_TAILROOM after). */
const rooms = new WeakMap<Buffer, Buffer>();

/**
 * The allocation around `batch` when it was encoded here with framing room and not framed in it
 * yet; undefined otherwise. Taken once: a retry of the batch is framed by copying, so a frame still
 * queued on a socket (Bun may send a queued write by reference) is never rewritten under it.
 */
export function takeFramingRoom(batch: Buffer): Buffer | undefined {
  const room = rooms.get(batch);
  if (room) rooms.delete(batch);
  return room;
}

/** A buffer of `size` bytes inside an allocation with framing room around it (`takeFramingRoom`). */
function withRoom(size: number): Buffer {
  const room = Buffer.allocUnsafe(FRAME_HEADROOM + size + FRAME_TAILROOM);
  const buffer = room.subarray(FRAME_HEADROOM, FRAME_HEADROOM + size);
  rooms.set(buffer, room);
  return buffer;
}

/** The bytes of a varint holding `zigzag` (a zigzag-encoded value). */
export function varintBytes(zigzag: number): number {
  let n = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    n++;
  }
  return n;
}

/** Zigzag encoding of a safe integer (a varlong's value), as a non-negative safe integer. */
export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

/** Writes `zigzagged` as a varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, zigzagged: number): number {
  while (zigzagged >= 128) {
    buf[pos++] = (zigzagged % 128) | 0x80;
    zigzagged = Math.floor(zigzagged / 128);
  }
  buf[pos++] = zigzagged;
  return pos;
}

function bytesField(b: Uint8Array | null): number {
  return b === null ? 1 : varintBytes(zigzag(b.length)) + b.length;
}

function writeBytesField(buf: Buffer, pos: number, b: Uint8Array | null): number {
  if (b === null) return writeVarint(buf, pos, 1); // zigzag(-1)
  pos = writeVarint(buf, pos, zigzag(b.length));
  buf.set(b, pos);
  return pos + b.length;
}

export interface EncodedBatch {
  readonly buffer: Buffer;
  readonly count: number;
}

/**
 * Encodes `records[indexes[i]]` (one partition, in order) as an unstamped RecordBatch. Records
 * without a timestamp get `now` (CreateTime, as Java's producer does).
 */
export function encodeRecordBatch(
  records: readonly ProducerRecord[],
  indexes: readonly number[],
  now: number,
  compression: Compression,
): EncodedBatch {
  const first = records[indexes[0]!]!;
  const baseTimestamp = first.timestamp ?? now;
  let maxTimestamp = baseTimestamp;
  const bodies = new Array<number>(indexes.length);
  const headerKeys: (Uint8Array[] | null)[] = new Array(indexes.length);
  let total = 0;
  for (let i = 0; i < indexes.length; i++) {
    const r = records[indexes[i]!]!;
    const ts = r.timestamp ?? now;
    if (ts > maxTimestamp) maxTimestamp = ts;
    let body = 1 + varintBytes(zigzag(ts - baseTimestamp)) + varintBytes(zigzag(i));
    body += bytesField(r.key) + bytesField(r.value) + varintBytes(zigzag(r.headers.length));
    if (r.headers.length > 0) {
      const keys = r.headers.map((h) => utf8.encode(javaUtf8Text(h.key)));
      headerKeys[i] = keys;
      for (let h = 0; h < keys.length; h++) body += bytesField(keys[h]!) + bytesField(r.headers[h]!.value);
    } else headerKeys[i] = null;
    bodies[i] = body;
    total += varintBytes(zigzag(body)) + body;
  }
  // Uncompressed, the records go straight after the header: one buffer, no copy.
  let buffer: Buffer;
  if (compression.type !== "none") {
    const plain = Buffer.allocUnsafe(total);
    writeRecords(plain, 0, records, indexes, now, baseTimestamp, bodies, headerKeys);
    const compressed = compressRecords(compression, plain);
    buffer = withRoom(HEADER_BYTES + compressed.length);
    buffer.set(compressed, HEADER_BYTES);
  } else {
    buffer = withRoom(HEADER_BYTES + total);
    writeRecords(buffer, HEADER_BYTES, records, indexes, now, baseTimestamp, bodies, headerKeys);
  }
  buffer.writeInt32BE(0, 0); // baseOffset int64: 0
  buffer.writeInt32BE(0, 4);
  buffer.writeInt32BE(buffer.length - 12, 8);
  buffer.writeInt32BE(-1, 12); // partitionLeaderEpoch: set by the broker
  buffer[16] = 2; // magic
  buffer.writeUInt32BE(0, CRC_OFFSET); // sealRecordBatch writes it
  buffer.writeInt16BE(codecId(compression.type), ATTRIBUTES_OFFSET);
  buffer.writeInt32BE(indexes.length - 1, 23);
  writeTimestamp(buffer, 27, baseTimestamp);
  writeTimestamp(buffer, 35, maxTimestamp);
  stampRecordBatch(buffer, -1n, -1, -1);
  buffer.writeInt32BE(indexes.length, 57);
  return { buffer, count: indexes.length };
}

/** A safe integer as an int64, without a BigInt (`>>> 0` is the value modulo 2^32). */
export function writeTimestamp(buf: Buffer, pos: number, ms: number): void {
  buf.writeInt32BE(Math.floor(ms / 0x1_0000_0000), pos);
  buf.writeUInt32BE(ms >>> 0, pos + 4);
}

function writeRecords(
  buf: Buffer,
  pos: number,
  records: readonly ProducerRecord[],
  indexes: readonly number[],
  now: number,
  baseTimestamp: number,
  bodies: readonly number[],
  headerKeys: readonly (Uint8Array[] | null)[],
): void {
  for (let i = 0; i < indexes.length; i++) {
    const r = records[indexes[i]!]!;
    pos = writeVarint(buf, pos, zigzag(bodies[i]!));
    buf[pos++] = 0; // record attributes: unused
    pos = writeVarint(buf, pos, zigzag((r.timestamp ?? now) - baseTimestamp));
    pos = writeVarint(buf, pos, zigzag(i));
    pos = writeBytesField(buf, pos, r.key);
    pos = writeBytesField(buf, pos, r.value);
    pos = writeVarint(buf, pos, zigzag(r.headers.length));
    const keys = headerKeys[i];
    if (keys) {
      for (let h = 0; h < keys.length; h++) {
        pos = writeBytesField(buf, pos, keys[h]!);
        pos = writeBytesField(buf, pos, r.headers[h]!.value);
      }
    }
  }
}

/** Writes the producer id, epoch and base sequence (-1s: none); `sealRecordBatch` must follow. */
export function stampRecordBatch(buffer: Buffer, producerId: bigint, epoch: number, baseSequence: number): void {
  buffer.writeBigInt64BE(producerId, PRODUCER_ID_OFFSET);
  buffer.writeInt16BE(epoch, PRODUCER_ID_OFFSET + 8);
  buffer.writeInt32BE(baseSequence, PRODUCER_ID_OFFSET + 10);
}

/** Writes the CRC-32C (of everything after the CRC field): the last write before the batch is sent. */
export function sealRecordBatch(buffer: Buffer): void {
  buffer.writeUInt32BE(crc32c(buffer.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
}
