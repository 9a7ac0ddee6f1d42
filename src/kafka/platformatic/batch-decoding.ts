/**
 * The batches of the PartitionFetcher's Fetch answers checked before they are read
 * (batch-integrity.ts): CRC-32C when `check.crcs` is true, decompressed size bounded. The library
 * decompresses and reads every batch while it parses an answer, with nowhere to check one first; the
 * project's patch of its record reader (scripts/patch-dependencies.mjs) hands each whole batch to
 * `batchDecoding.current` when set. The parse is synchronous, so the fetcher's own connections set it
 * around the parse of each Fetch answer: each consumer's settings apply to its answers only.
 */

import type { Connection, ConnectionPool } from "@platformatic/kafka";
import * as platformatic from "@platformatic/kafka";
import { messageOf } from "../../errors.ts";
import { type BatchChecks, corruption, shortBatch, undersized } from "../batch-integrity.ts";
import { DecompressionBudget } from "../decompression-budget.ts";
import { ATTRIBUTES_OFFSET, BATCH_OVERHEAD, COMPRESSION_MASK, MAGIC_OFFSET } from "../record-batch-layout.ts";

const FETCH = 1;

/**
 * What the decoder says of a batch held back because its Fetch answer's decompressed-size bound is
 * spent (decompression-budget.ts): fetch-round.ts delivers the batches before it and fetches it again.
 */
export const HELD_BACK = "held back: the Fetch answer's bound on decompressed size is spent";

/** A whole batch → its records' bytes (decompressed), or why it is invalid (or HELD_BACK). */
type BatchDecoder = (batch: Buffer) => Buffer | string;

const slot = (platformatic as unknown as { batchDecoding?: { current: BatchDecoder | null } }).batchDecoding;

/**
 * Why the record reader cannot read `batch` at all, whatever `check.crcs` says: a damaged length
 * (the patch hands over only a batch's first bytes then), a message set of format v0/v1 (written
 * before Kafka 0.11; the reader knows v2 only), a v2 batch shorter than its header.
 */
function unreadable(batch: Buffer): string | null {
  const length = batch.readInt32BE(8);
  const small = undersized(length);
  if (small !== null) return small;
  const magic = batch[MAGIC_OFFSET]!;
  if (magic < 2)
    return `a message set of format v${magic} (written before Kafka 0.11), which kafka.client=platformatic does not read (kafka.client=kafkajs does)`;
  return batch.length < BATCH_OVERHEAD ? shortBatch(batch.length) : null;
}

/**
 * The decoder of one Fetch answer: it checks each batch by `checks` and returns its records' bytes
 * or why it is invalid, its batches' decompressed size bounded in total too.
 */
export function batchDecoder(checks: BatchChecks): BatchDecoder {
  const budget = new DecompressionBudget(checks.maxBatchBytes);
  return (batch) => {
    const refused = unreadable(batch);
    if (refused !== null) return refused;
    const corrupt = checks.checkCrcs ? corruption(batch) : null;
    if (corrupt !== null) return corrupt;
    const codec = batch.readInt16BE(ATTRIBUTES_OFFSET) & COMPRESSION_MASK;
    const records = batch.subarray(BATCH_OVERHEAD);
    if (codec === 0) return records;
    try {
      return budget.decompress(codec, records) ?? HELD_BACK;
    } catch (e) {
      return messageOf(e);
    }
  };
}

type Send = (apiKey: number, apiVersion: number, payload: unknown, parser: Parser, ...rest: unknown[]) => void;
type Parser = (...args: unknown[]) => unknown;

/** The Fetch answers read through `pool`'s connections have their batches checked by `checks`. */
export function checkFetchedBatches(pool: ConnectionPool, checks: BatchChecks): void {
  if (!slot) throw new Error("@platformatic/kafka's record reader is not patched (scripts/patch-dependencies.mjs)");
  const checked =
    (parser: Parser): Parser =>
    (...args) => {
      slot.current = batchDecoder(checks);
      try {
        return parser(...args);
      } finally {
        slot.current = null;
      }
    };
  pool.on("connecting", ({ connection }: { connection: Connection }) => {
    const c = connection as unknown as { send: Send };
    const send = c.send.bind(connection);
    c.send = (apiKey, apiVersion, payload, parser, ...rest) =>
      send(apiKey, apiVersion, payload, apiKey === FETCH ? checked(parser) : parser, ...rest);
  });
}
