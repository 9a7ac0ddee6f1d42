/**
 * Checks of a record before the producer places it in a batch (PlatformaticProducer.admit): what
 * would not encode, or names a partition the topic does not have. Both refuse the send at once,
 * writing nothing of it.
 */
import { DataError } from "../../errors.ts";
import type { ProducerRecord } from "../kafka-port.ts";
import { withKafkaError } from "../send-rejection.ts";

/**
 * The refusal of a record naming a partition the topic does not have, by the cluster's own answer
 * (the count was asked again first): a per-record refusal a retry cannot cure, as Kafka's
 * INVALID_RECORD (record-rejection.ts): an ingest request answers it as refused, a spool
 * quarantines the record rather than fail its drainer for ever. Not a broker error code.
 */
export const INVALID_PARTITION = "INVALID_PARTITION";

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
  throw withKafkaError(
    new DataError(`Invalid partition given with record: ${partition} is not in the range [0...${count}) of ${topic}`),
    INVALID_PARTITION,
  );
}
