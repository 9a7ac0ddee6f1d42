/**
 * A consumer group's committed offset as the admin port (kafka-port.ts KafkaAdmin) reads and writes
 * it: Kafka's offsets are longs, so one beyond Number.MAX_SAFE_INTEGER (up to Long.MAX_VALUE, which
 * Connect's `PATCH /connectors/{c}/offsets` takes) stays exact as a bigint. Used by the admin
 * adapters and the sink offsets endpoints (runtime/connector-offsets.ts).
 */
import type { TopicPartition } from "../api/record.ts";

export interface GroupOffset extends TopicPartition {
  /** A number while it is exact as one, else a bigint. */
  readonly offset: number | bigint;
}

/** The longs a number holds exactly. */
const MIN_EXACT = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** A long read from Kafka (or a request), as a number while that is exact, else as the bigint. */
export function exactOffset(value: bigint): number | bigint {
  return value >= MIN_EXACT && value <= MAX_EXACT ? Number(value) : value;
}
