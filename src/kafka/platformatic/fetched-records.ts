/**
 * Fetched record batches (as @platformatic/kafka decodes them) → the port's ConsumedRecords: offsets
 * from each batch's base offset, timestamps by the batch's timestamp type, control batches (markers
 * of transactions) skipped, and (read_committed) the batches of aborted transactions skipped as
 * Java's CompletedFetch does: from the answer's aborted-transaction list, not only where the abort
 * marker is in the same answer (the library's own filter keeps an aborted transaction whose marker
 * lies beyond max.partition.fetch.bytes). Used by the PartitionFetcher.
 */
import type { RecordsBatch } from "@platformatic/kafka";
import type { TopicPartition } from "../../api/record.ts";
import type { ConsumedRecord, KafkaHeader } from "../kafka-port.ts";

const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;

/** An aborted transaction of a Fetch answer (read_committed): its producer and first offset. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** A control batch whose marker is an abort (control record key: version int16, type int16; 0 = ABORT). */
function isAbortMarker(batch: RecordsBatch): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === 0;
}

/**
 * Java's CompletedFetch.nextFetchedBatch for read_committed: a transactional batch is skipped while
 * its producer has an aborted transaction that began at or before the batch's last offset and
 * whose abort marker has not been passed yet. Only called when the answer lists aborted transactions.
 */
function abortedBatches(batches: readonly RecordsBatch[], aborted: readonly AbortedTransaction[]): Set<RecordsBatch> {
  const pending = [...aborted].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const producers = new Set<bigint>();
  const skipped = new Set<RecordsBatch>();
  let next = 0;
  for (const batch of batches) {
    if (batch.producerId < 0n) continue;
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (next < pending.length && pending[next]!.firstOffset <= last) producers.add(pending[next++]!.producerId);
    if (batch.attributes & IS_CONTROL) {
      if (isAbortMarker(batch)) producers.delete(batch.producerId);
    } else if (batch.attributes & IS_TRANSACTIONAL && producers.has(batch.producerId)) skipped.add(batch);
  }
  return skipped;
}
const LOG_APPEND_TIME = 1 << 3;

function headersOf(pairs: [Buffer | null, Buffer | null][]): KafkaHeader[] {
  if (pairs.length === 0) return [];
  return pairs.map(([k, v]) => ({ key: k === null ? "" : k.toString("utf8"), value: v }));
}

/** One partition's records from the fetched batches, from `from` on (a batch may start earlier). */
export function toConsumedRecords(
  tp: TopicPartition,
  batches: readonly RecordsBatch[],
  from: bigint,
  aborted?: readonly AbortedTransaction[] | null,
): ConsumedRecord[] {
  const out: ConsumedRecord[] = [];
  const skipped = aborted && aborted.length > 0 ? abortedBatches(batches, aborted) : undefined;
  for (const batch of batches) {
    if (batch.attributes & IS_CONTROL || skipped?.has(batch)) continue;
    const logAppend = (batch.attributes & LOG_APPEND_TIME) !== 0;
    const first = Number(batch.firstOffset);
    const firstTimestamp = Number(batch.firstTimestamp);
    const skipBelow = Number(from);
    for (const r of batch.records) {
      const offset = first + r.offsetDelta;
      if (offset < skipBelow) continue;
      out.push({
        topic: tp.topic,
        partition: tp.partition,
        offset,
        timestamp: logAppend ? Number(batch.maxTimestamp) : firstTimestamp + Number(r.timestampDelta),
        timestampType: logAppend ? "LogAppendTime" : "CreateTime",
        key: r.key,
        value: r.value,
        headers: headersOf(r.headers),
      });
    }
  }
  return out;
}

/** The offset after the last batch (control batches included: they occupy offsets too). */
export function nextOffset(batches: readonly RecordsBatch[]): bigint | null {
  const last = batches.at(-1);
  return last ? last.firstOffset + BigInt(last.lastOffsetDelta) + 1n : null;
}
