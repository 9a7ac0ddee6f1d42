/**
 * Fetched record batches (as @platformatic/kafka decodes them) → the port's ConsumedRecords: offsets
 * from each batch's base offset, timestamps by the batch's timestamp type, control batches (markers
 * of transactions) skipped. Used by the PartitionFetcher.
 */
import type { RecordsBatch } from "@platformatic/kafka";
import type { TopicPartition } from "../../api/record.ts";
import type { ConsumedRecord, KafkaHeader } from "../kafka-port.ts";

const IS_CONTROL = 1 << 5;
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
): ConsumedRecord[] {
  const out: ConsumedRecord[] = [];
  for (const batch of batches) {
    if (batch.attributes & IS_CONTROL) continue;
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
