/**
 * Cutting an encoded RecordBatch (record-batch.ts, magic 2) into smaller batches of runs of its
 * records: how a batch the broker answered MESSAGE_TOO_LARGE is split (batch-split.ts,
 * `batchSplitter`). Each piece is the batch its records would have been encoded as alone (the
 * first record's timestamp as base timestamp, offset deltas from 0, compressed as the batch was, no
 * producer id or sequence yet). The pieces are cut from the bytes that were sent, not encoded again
 * from the caller's record objects (which it may have changed since, and which would be kept alive
 * until the batch settles).
 *
 * Record layout (Kafka's DefaultRecord): length varint · attributes int8 · timestampDelta varlong ·
 * offsetDelta varint · key, value and headers (copied as they are).
 */

import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  COMPRESSION_MASK,
  BATCH_OVERHEAD as HEADER_BYTES,
} from "../record-batch-layout.ts";
import { type Compression, compressRecords, decompressRecords } from "../record-codecs.ts";
import { stampRecordBatch, varintBytes, writeTimestamp, writeVarint, zigzag } from "./record-batch.ts";

/** One record of a batch: its timestamp and the bytes after its offset delta. */
export interface EncodedRecord {
  readonly attributes: number;
  readonly timestamp: number;
  readonly rest: Buffer;
}

/** The records of `batch` (as record-batch.ts writes them, uncompressed or with any codec). */
export function batchRecords(batch: Buffer): EncodedRecord[] {
  const codec = batch.readInt16BE(ATTRIBUTES_OFFSET) & COMPRESSION_MASK;
  const body = codec === 0 ? batch.subarray(HEADER_BYTES) : decompressRecords(codec, batch.subarray(HEADER_BYTES));
  const base = readInt64(batch, BASE_TIMESTAMP_OFFSET);
  const count = batch.readInt32BE(57);
  const at = { pos: 0 };
  const records: EncodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = unzigzag(readVarint(body, at));
    const end = at.pos + length;
    if (length < 0 || end > body.length) throw new Error("Cannot split a batch: its records are truncated");
    const attributes = body[at.pos++]!;
    const timestamp = base + unzigzag(readVarint(body, at));
    readVarint(body, at); // offsetDelta: each piece numbers its records from 0
    records.push({ attributes, timestamp, rest: body.subarray(at.pos, end) });
    at.pos = end;
  }
  return records;
}

/** The wire size of `r` in a batch (about: its offset and timestamp deltas change in a piece). */
export function encodedRecordBytes(r: EncodedRecord): number {
  return r.rest.length + 8;
}

/**
 * A batch of `records` (cut from `batch`, whose attributes it keeps), unstamped; compressed as the
 * batch was, with `compression` (the producer's, which encoded `batch`).
 */
export function batchPiece(batch: Buffer, records: readonly EncodedRecord[], compression: Compression): Buffer {
  const base = records[0]!.timestamp;
  let max = base;
  let total = 0;
  const bodies = records.map((r, j) => {
    if (r.timestamp > max) max = r.timestamp;
    const body = 1 + varintBytes(zigzag(r.timestamp - base)) + varintBytes(zigzag(j)) + r.rest.length;
    total += varintBytes(zigzag(body)) + body;
    return body;
  });
  const plain = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let j = 0; j < records.length; j++) {
    const r = records[j]!;
    pos = writeVarint(plain, pos, zigzag(bodies[j]!));
    plain[pos++] = r.attributes;
    pos = writeVarint(plain, pos, zigzag(r.timestamp - base));
    pos = writeVarint(plain, pos, zigzag(j));
    pos += r.rest.copy(plain, pos);
  }
  const payload = compression.type === "none" ? plain : compressRecords(compression, plain);
  const piece = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  batch.copy(piece, 0, 0, HEADER_BYTES);
  payload.copy(piece, HEADER_BYTES);
  piece.writeInt32BE(piece.length - 12, 8);
  piece.writeUInt32BE(0, 17); // the CRC: sealRecordBatch writes it
  piece.writeInt32BE(records.length - 1, 23);
  writeTimestamp(piece, BASE_TIMESTAMP_OFFSET, base);
  writeTimestamp(piece, BASE_TIMESTAMP_OFFSET + 8, max);
  stampRecordBatch(piece, -1n, -1, -1);
  piece.writeInt32BE(records.length, 57);
  return piece;
}

function readVarint(buf: Buffer, at: { pos: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[at.pos++];
    if (b === undefined) throw new Error("Cannot split a batch: its records are truncated");
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
}

function unzigzag(v: number): number {
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}
