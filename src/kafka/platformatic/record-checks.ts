/**
 * Checks of a record before the producer places it in a batch (PlatformaticProducer.admit): what
 * would not encode, or names a partition the topic does not have. Both refuse the send at once,
 * writing nothing of it.
 */
import { DataError } from "../../errors.ts";
import { invalidPartition } from "../invalid-partition.ts";
import type { ProducerRecord } from "../kafka-port.ts";

/** A CreateTime is whole milliseconds (-1: none); anything else would not encode. */
export function checkTimestamp(r: ProducerRecord): void {
  const ts = r.timestamp;
  if (ts === null || ts === undefined || (Number.isSafeInteger(ts) && ts >= -1)) return;
  throw new DataError(
    `Invalid timestamp ${ts} for a record to ${r.topic}: it must be an integer number of milliseconds`,
  );
}

/** An explicit partition the topic lacks, counted again (`send`), fails the send (Java's IllegalArgumentException). */
export function checkPartition(topic: string, partition: number, count: number | undefined): void {
  if (count === undefined || (Number.isInteger(partition) && partition >= 0 && partition < count)) return;
  throw invalidPartition(topic, partition, count);
}
