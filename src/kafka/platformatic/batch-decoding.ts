/**
 * The batches of the PartitionFetcher's Fetch answers checked before they are read
 * (batch-integrity.ts): CRC-32C when `check.crcs` is true, decompressed size bounded. The library
 * decompresses and reads every batch while it parses an answer, with nowhere to check one first; the
 * project's patch of its record reader (scripts/patch-dependencies.mjs) hands each whole batch to
 * `batchDecoding.current` when set. The parse is synchronous, so the fetcher's own connections set it
 * around the parse of each Fetch answer: each consumer's settings apply to its answers only.
 *
 * A batch is handed over as the answer holds it, views of the socket chunks it arrived in: its CRC is
 * computed over them, and its records are read (batch-records.ts) from the chunk it lies in (keys and
 * values are views of the fetched bytes); only a batch that spans two chunks is copied to be read.
 */

import type { ConnectionPool, KafkaRecord } from "@platformatic/kafka";
import * as platformatic from "@platformatic/kafka";
import { messageOf } from "../../errors.ts";
import { type BatchChecks, corruption, shortBatch, undersized } from "../batch-integrity.ts";
import { DecompressionBudget } from "../decompression-budget.ts";
import {
  ATTRIBUTES_OFFSET,
  BATCH_OVERHEAD,
  COMPRESSION_MASK,
  MAGIC_OFFSET,
  RECORD_COUNT_OFFSET,
} from "../record-batch-layout.ts";
import { readRecords } from "./batch-records.ts";
import { type FetchParser, onFetchSent } from "./fetch-sends.ts";

/**
 * What the decoder says of a batch held back because its Fetch answer's decompressed-size bound is
 * spent (decompression-budget.ts): fetch-round.ts delivers the batches before it and fetches it again.
 */
export const HELD_BACK = "held back: the Fetch answer's bound on decompressed size is spent";

/** Bytes of a Fetch answer as the library's reader holds them (its DynamicBuffer): chunks in order. */
export interface FetchedBytes {
  readonly buffers: readonly Buffer[];
  readonly length: number;
  /** The bytes as one Buffer: a copy when they span chunks. */
  readonly buffer: Buffer;
  subarray(start: number, end?: number): FetchedBytes;
  get(offset: number): number;
  readInt16BE(offset: number): number;
  readInt32BE(offset: number): number;
}

/**
 * A whole batch → its records, or why it is invalid (or HELD_BACK). (The patched reader also takes
 * the records' bytes, decompressed, to read them itself.)
 */
type BatchDecoder = (batch: FetchedBytes) => KafkaRecord[] | Buffer | string;

const slot = (platformatic as unknown as { batchDecoding?: { current: BatchDecoder | null } }).batchDecoding;

/**
 * Why the record reader cannot read `batch` at all, whatever `check.crcs` says: a damaged length
 * (the patch hands over only a batch's first bytes then), a message set of format v0/v1 (written
 * before Kafka 0.11; the reader knows v2 only), a v2 batch shorter than its header.
 */
function unreadable(batch: FetchedBytes): string | null {
  const length = batch.readInt32BE(8);
  const small = undersized(length);
  if (small !== null) return small;
  const magic = batch.length > MAGIC_OFFSET ? batch.get(MAGIC_OFFSET) : 2;
  if (magic < 2)
    return `a message set of format v${magic} (written before Kafka 0.11), which kafka.client=platformatic does not read (kafka.client=kafkajs does)`;
  return batch.length < BATCH_OVERHEAD ? shortBatch(batch.length) : null;
}

/**
 * The decoder of one Fetch answer: it checks each batch by `checks` and returns its records or why it
 * is invalid, its batches' decompressed size bounded in total too.
 */
export function batchDecoder(checks: BatchChecks): BatchDecoder {
  const budget = new DecompressionBudget(checks.maxBatchBytes);
  return (batch) => {
    const refused = unreadable(batch);
    if (refused !== null) return refused;
    const corrupt = checks.checkCrcs ? corruption(batch.buffers) : null;
    if (corrupt !== null) return corrupt;
    const codec = batch.readInt16BE(ATTRIBUTES_OFFSET) & COMPRESSION_MASK;
    // One Buffer: a view of the chunk the batch is in; a copy only of a batch that spans two.
    let bytes = batch.subarray(BATCH_OVERHEAD).buffer;
    if (codec !== 0) {
      try {
        const decompressed = budget.decompress(codec, bytes);
        if (decompressed === null) return HELD_BACK;
        bytes = decompressed;
      } catch (e) {
        return messageOf(e);
      }
    }
    return readRecords(bytes, batch.readInt32BE(RECORD_COUNT_OFFSET), codec !== 0);
  };
}

/** The Fetch answers read through `pool`'s connections have their batches checked by `checks`. */
export function checkFetchedBatches(pool: ConnectionPool, checks: BatchChecks): void {
  if (!slot) throw new Error("@platformatic/kafka's record reader is not patched (scripts/patch-dependencies.mjs)");
  const checked =
    (parser: FetchParser): FetchParser =>
    (...args) => {
      slot.current = batchDecoder(checks);
      try {
        return parser(...args);
      } finally {
        slot.current = null;
      }
    };
  onFetchSent(pool, (fetch) => {
    fetch.parser = checked(fetch.parser);
  });
}
