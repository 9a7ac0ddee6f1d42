/**
 * Where things are in a raw Fetch answer, for the checks of fetch-checks.ts: each partition's
 * records, the batch holding a byte, the partitions answered before one, the value of a v0/v1
 * compressed wrapper, and a batch marked as cut short (its length made past the answer's end, so
 * kafkajs reads it as a batch the fetch's byte limits cut, and leaves it unread).
 *
 * Fetch answer, versions 4-11 (what kafkajs 2.2.4 asks; Kafka 4 answers none older):
 * throttle_time_ms int32 · [v7+] error_code int16, session_id int32 · [topic string ·
 * [partition int32 · error_code int16 · high_watermark int64 · last_stable_offset int64 ·
 * [v5+] log_start_offset int64 · aborted_transactions [producer_id int64 · first_offset int64] ·
 * [v11+] preferred_read_replica int32 · records bytes]].
 */
import type { TopicPartition } from "../../api/record.ts";

/** A batch's (or v0/v1 log entry's) base offset int64 and length int32: what precedes its data. */
export const BATCH_HEAD = 12;

/** Each partition's records of a Fetch answer: where they start and end in `raw`. */
export function* partitionRecords(raw: Buffer, version: number) {
  let pos = 4 + (version >= 7 ? 6 : 0);
  const topics = raw.readInt32BE(pos);
  pos += 4;
  for (let t = 0; t < topics; t++) {
    const nameLength = raw.readInt16BE(pos);
    const topic = raw.toString("utf8", pos + 2, pos + 2 + nameLength);
    pos += 2 + nameLength;
    const partitions = raw.readInt32BE(pos);
    pos += 4;
    for (let p = 0; p < partitions; p++) {
      const partition = raw.readInt32BE(pos);
      pos += 4 + 2 + 8 + 8 + (version >= 5 ? 8 : 0);
      const aborted = raw.readInt32BE(pos);
      pos += 4 + Math.max(aborted, 0) * 16 + (version >= 11 ? 4 : 0);
      const size = raw.readInt32BE(pos);
      pos += 4;
      const end = pos + Math.max(size, 0);
      yield { tp: { topic, partition }, start: pos, end };
      pos = end;
    }
  }
}

/** Where the value (the compressed messages) of `entry`, a whole v0/v1 log entry, starts in it; -1 when not a compressed wrapper. */
export function wrappedValueAt(entry: Buffer): number {
  const magic = entry[16]!;
  const key = 18 + (magic === 1 ? 8 : 0);
  if (magic >= 2 || entry.length < key + 4 || (entry[17]! & 0x07) === 0) return -1;
  const value = key + 4 + Math.max(entry.readInt32BE(key), 0);
  return value + 4 <= entry.length ? value + 4 : -1;
}

/** Marks the batch at `at` as cut short: its length made past the answer's end, kafkajs leaves it unread. */
export function markCutShort(raw: Buffer, at: number): void {
  raw.writeInt32BE(0x7fffffff, at + 8);
}

/** Marks the first batch of each partition from the one whose data starts at `from` as cut short (kafkajs reads none). */
export function cutShort(raw: Buffer, version: number, from: number): void {
  for (const { start, end } of partitionRecords(raw, version))
    if (start >= from && start + BATCH_HEAD <= end) markCutShort(raw, start);
}

/**
 * The partition and base offset of the batch of `raw` that holds byte `pos`, if a whole one does, and
 * whether it is the first of its partition's data.
 */
export function batchAt(raw: Buffer, version: number, pos: number) {
  for (const { tp, start, end } of partitionRecords(raw, version)) {
    if (pos < start || pos >= end) continue;
    for (let at = start; at + BATCH_HEAD <= end; at += BATCH_HEAD + raw.readInt32BE(at + 8)) {
      if (raw.readInt32BE(at + 8) < 0) return undefined;
      if (pos < at + BATCH_HEAD + raw.readInt32BE(at + 8))
        return { tp, baseOffset: raw.readBigInt64BE(at), first: at === start };
    }
  }
  return undefined;
}

/** The partitions of a Fetch answer before `tp`, in the answer's order (kafkajs shuffles those it asks). */
export function answeredBefore(raw: Buffer, version: number, tp: TopicPartition): TopicPartition[] {
  const before: TopicPartition[] = [];
  try {
    for (const { tp: at } of partitionRecords(raw, version))
      if (at.topic === tp.topic && at.partition === tp.partition) break;
      else before.push(at);
  } catch {} // a layout the scan does not know (fetch-checks.ts decodeFetchAnswer): those walked so far
  return before;
}
