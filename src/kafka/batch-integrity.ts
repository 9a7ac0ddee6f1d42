/**
 * What a consumer checks of each record batch it fetches before reading it, on both Kafka clients
 * (the platformatic adapter's batch-decoding.ts, the kafkajs adapter's fetch-checks.ts):
 *
 * - its CRC-32C, when `check.crcs` is true (the default), as Java's consumer does
 *   (CompletedFetch.maybeEnsureValid → DefaultRecordBatch.ensureValid): before the records are
 *   decompressed or read, so bytes damaged on the broker's disk or on the way are never delivered;
 * - the size its records decompress to: at most the larger of `fetch.max.bytes` and 256 MiB
 *   (`maxBatchBytes`). Java's consumer reads a batch through a stream, a record at a time; the
 *   gateway decodes a batch whole, so a small batch that expands to gigabytes fails the consumer
 *   instead of exhausting memory.
 *
 * A batch that fails either fails the consumer with Java's KafkaException (`Record batch for
 * partition … at offset … is invalid, cause: …`): a sink task fails, nothing of the batch delivered.
 */
import { crc32 } from "node:zlib";
import type { TopicPartition } from "../api/record.ts";
import { KafkaError } from "../errors.ts";
import type { ConsumerSettings } from "./client-config.ts";
import { crc32c } from "./crc32c.ts";
import {
  ATTRIBUTES_OFFSET,
  BATCH_OVERHEAD,
  COMPRESSION_MASK,
  CRC_OFFSET,
  MAGIC_OFFSET,
} from "./record-batch-layout.ts";
import { DECOMPRESSED_BATCH_FLOOR } from "./record-codecs.ts";

/** Java's LegacyRecord.RECORD_OVERHEAD_V0: the least a batch's length field may say (any format). */
const RECORD_OVERHEAD_V0 = 14;
/** Where a v0/v1 log entry (offset, size, then the message) has its message's CRC-32 and attributes. */
const LEGACY_CRC_OFFSET = 12;
const LEGACY_ATTRIBUTES_OFFSET = 17;

export interface BatchChecks {
  readonly checkCrcs: boolean;
  /** The most one batch's records may decompress to. */
  readonly maxBatchBytes: number;
}

export function batchChecks(settings: Pick<ConsumerSettings, "checkCrcs" | "maxBytes">): BatchChecks {
  return { checkCrcs: settings.checkCrcs, maxBatchBytes: Math.max(settings.maxBytes, DECOMPRESSED_BATCH_FLOOR) };
}

/**
 * Why `batch` (a whole batch, from its base offset) is corrupt, in the words of Java's
 * CorruptRecordException; null when its CRC-32C holds or it is not a v2 batch (Java checks magic ≥ 2).
 * `batch` may come in pieces (a fetched answer's socket chunks, in order): the CRC-32C is computed
 * over them where they are, not over a copy.
 */
export function corruption(batch: Uint8Array | readonly Uint8Array[]): string | null {
  const pieces = batch instanceof Uint8Array ? [batch] : batch;
  let size = 0;
  for (const piece of pieces) size += piece.length;
  if (size > MAGIC_OFFSET && byteAt(pieces, MAGIC_OFFSET) < 2) return null;
  if (size < BATCH_OVERHEAD) return shortBatch(size);
  let stored = 0;
  for (let i = 0; i < 4; i++) stored = stored * 256 + byteAt(pieces, CRC_OFFSET + i);
  let computed = 0;
  let skip = ATTRIBUTES_OFFSET;
  for (const piece of pieces) {
    if (skip < piece.length) computed = crc32c(skip > 0 ? piece.subarray(skip) : piece, computed);
    skip = Math.max(0, skip - piece.length);
  }
  return stored === computed ? null : `Record is corrupt (stored crc = ${stored}, computed crc = ${computed})`;
}

/** The byte at `pos` of the bytes `pieces` hold in turn. */
function byteAt(pieces: readonly Uint8Array[], pos: number): number {
  for (const piece of pieces) {
    if (pos < piece.length) return piece[pos]!;
    pos -= piece.length;
  }
  throw new RangeError(`no byte ${pos} in the batch`);
}

/**
 * Why a batch whose length field says `length` cannot be one, as Java's ByteBufferLogInputStream
 * says it (a damaged length: negative or under the smallest message); null when it can.
 */
export function undersized(length: number): string | null {
  return length < RECORD_OVERHEAD_V0
    ? `Record size ${length} is less than the minimum record overhead (${RECORD_OVERHEAD_V0})`
    : null;
}

/**
 * Why a message of format v0/v1 (written before Kafka 0.11) is corrupt, in the words of Java's
 * LegacyRecord.ensureValid, which its consumer runs on every such record when `check.crcs` is true
 * (CompletedFetch): the CRC-32 of its bytes from its magic on. `entry` is the whole log entry (offset,
 * size, message). Null when the CRC holds, for a v2 batch, and for a wrapper of compressed messages
 * (Java checks the messages inside after decompressing them: `wrappedCorruption`).
 */
export function legacyCorruption(entry: Uint8Array): string | null {
  if (entry.length <= LEGACY_ATTRIBUTES_OFFSET || entry[MAGIC_OFFSET]! >= 2) return null;
  if ((entry[LEGACY_ATTRIBUTES_OFFSET]! & COMPRESSION_MASK) !== 0) return null;
  const stored = new DataView(entry.buffer, entry.byteOffset).getUint32(LEGACY_CRC_OFFSET);
  const computed = crc32(entry.subarray(MAGIC_OFFSET));
  return stored === computed ? null : `Record is corrupt (stored crc = ${stored}, computed crc = ${computed})`;
}

/**
 * The first message inside a compressed v0/v1 wrapper whose CRC-32 does not hold, as Java's consumer
 * finds it (AbstractLegacyRecordBatch's DeepRecordsIterator yields each inner message, CompletedFetch
 * runs LegacyRecord.ensureValid on it with `check.crcs`; the wrapper's own CRC is not checked): its
 * offset (a v1 wrapper's inner offsets are relative, its own is the last one's) and why. `messages`:
 * the wrapper's value decompressed; `wrapper`: its offset and magic. Null when every one holds (a
 * message cut short ends the scan).
 */
export function wrappedCorruption(
  wrapper: { readonly offset: bigint; readonly magic: number },
  messages: Buffer,
): { offset: bigint; cause: string } | null {
  const entries: { offset: bigint; entry: Buffer }[] = [];
  for (let at = 0; at + LEGACY_CRC_OFFSET <= messages.length; ) {
    const next = at + LEGACY_CRC_OFFSET + messages.readInt32BE(at + 8);
    if (next <= at || next > messages.length) break;
    entries.push({ offset: messages.readBigInt64BE(at), entry: messages.subarray(at, next) });
    at = next;
  }
  const base = wrapper.magic === 1 && entries.length > 0 ? wrapper.offset - entries.at(-1)!.offset : 0n;
  for (const { offset, entry } of entries) {
    const cause = legacyCorruption(entry);
    if (cause !== null) return { offset: base + offset, cause };
  }
  return null;
}

/** Java's CorruptRecordException for a v2 batch of `size` bytes, shorter than its own header. */
export function shortBatch(size: number): string {
  return `Record batch is corrupt (the size ${size} is smaller than the minimum allowed overhead ${BATCH_OVERHEAD})`;
}

/** The consumer's failure for an invalid v0/v1 message of `tp` (Java's CompletedFetch message). */
export function invalidRecord(tp: TopicPartition, offset: bigint | number | string, cause: string): KafkaError {
  return new KafkaError(
    `Record for partition ${tp.topic}-${tp.partition} at offset ${offset} is invalid, cause: ${cause}`,
  );
}

/** The consumer's failure for an invalid batch of `tp` (Java's CompletedFetch message). */
export function invalidBatch(tp: TopicPartition, baseOffset: bigint | number | string, cause: string): KafkaError {
  return new KafkaError(
    `Record batch for partition ${tp.topic}-${tp.partition} at offset ${baseOffset} is invalid, cause: ${cause}`,
  );
}
