/**
 * handOutPieces: the records of one SendCoalescer request that Kafka wrote, handed out (SendCoalescerOptions.handOut) to
 * the poll batches they belong to, one call per batch. A request's records run on from a (batch, index) through the
 * batches queued after it; the port tells a request's records by their index in the request. Used by SendCoalescer.
 */
import type { ProducedMetadata } from "../kafka/kafka-port.ts";

/** A queued poll batch as the hand-out walks it: its records, its owner, and the batch queued after it. */
export interface LinkedBatch<O> {
  readonly records: readonly unknown[];
  readonly owner: O | undefined;
  readonly next: LinkedBatch<O> | undefined;
}

/**
 * Hands out the records of the request starting at record `index` of `batch` that Kafka wrote: those at `indexes` (into
 * the request's records; ascending, as the port reports a partition's, each partition's run starting again) with
 * `metadata[k]` for `indexes[k]`, or, without `indexes`, each record at its index in `metadata` (null: not written).
 */
export function handOutPieces<O>(
  handOut: (owner: O, indexes: Int32Array, metadata: readonly ProducedMetadata[]) => void,
  start: LinkedBatch<O>,
  index: number,
  indexes: Int32Array | undefined,
  metadata: readonly (ProducedMetadata | null)[],
): void {
  let batch = start;
  let at = index;
  let pos = 0;
  let picked: number[] = [];
  let written: ProducedMetadata[] = [];
  const flush = () => {
    if (picked.length === 0) return;
    handOut(batch.owner as O, Int32Array.from(picked), written);
    picked = [];
    written = [];
  };
  const count = indexes ? indexes.length : metadata.length;
  for (let k = 0; k < count; k++) {
    const i = indexes ? indexes[k]! : k;
    if (i < pos) {
      flush();
      batch = start;
      at = index;
      pos = 0;
    }
    let skip = i - pos;
    pos = i;
    while (at + skip >= batch.records.length) {
      skip -= batch.records.length - at;
      flush();
      batch = batch.next!;
      at = 0;
    }
    at += skip;
    const m = metadata[k];
    if (m) {
      picked.push(at);
      written.push(m);
    }
  }
  flush();
}
