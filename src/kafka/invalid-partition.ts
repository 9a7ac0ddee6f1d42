/**
 * The refusal of a record naming a partition the topic does not have, by the cluster's own answer
 * (the producer asked for the count again first): both adapters' producers throw it
 * (platformatic/record-checks.ts, kafkajs/producer.ts).
 */
import { DataError } from "../errors.ts";
import { withKafkaError } from "./send-rejection.ts";

/**
 * Its Kafka error name: a per-record refusal a retry cannot cure, as Kafka's INVALID_RECORD
 * (record-rejection.ts): an ingest request answers it as refused, a spool quarantines the record
 * rather than fail its drainer for ever. Not a broker error code.
 */
const INVALID_PARTITION = "INVALID_PARTITION";

/** Java's IllegalArgumentException for it, as a DataError carrying INVALID_PARTITION. */
export function invalidPartition(topic: string, partition: number, count: number): DataError {
  return withKafkaError(
    new DataError(`Invalid partition given with record: ${partition} is not in the range [0...${count}) of ${topic}`),
    INVALID_PARTITION,
  );
}
