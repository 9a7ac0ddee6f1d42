/**
 * Connect records (ConnectRecord, SourceRecord, SinkRecord) as immutable objects. A
 * transformation returns a new record built with `{ ...record, value }`, which keeps the
 * source- or sink-specific fields of the record it came from.
 */
import { Headers } from "./data/headers.ts";
import type { Schema } from "./data/schema.ts";

/** A source partition or offset: a JSON-compatible map, as Connect stores them. */
export type SourceMap = Readonly<Record<string, unknown>>;

export interface ConnectRecord {
  readonly topic: string;
  readonly kafkaPartition: number | null;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  readonly value: unknown;
  /** Milliseconds since epoch, or null to let the producer/broker choose. */
  readonly timestamp: number | null;
  readonly headers: Headers;
}

export interface SourceRecord extends ConnectRecord {
  /** The source partition whose offset the record carries; null: the record moves no offset. */
  readonly sourcePartition: SourceMap | null;
  /**
   * The partition's offset once the record is in Kafka. Null with a partition is a tombstone, as in
   * Connect: committed as the partition's last offset, it removes the partition's stored offset.
   */
  readonly sourceOffset: SourceMap | null;
}

export type TimestampType = "NoTimestampType" | "CreateTime" | "LogAppendTime";

export interface SinkRecord extends ConnectRecord {
  readonly kafkaPartition: number;
  readonly kafkaOffset: number;
  readonly timestampType: TimestampType;
  /** Where the record was consumed from, before any transformation changed topic or partition. */
  readonly originalTopic: string;
  readonly originalKafkaPartition: number;
  readonly originalKafkaOffset: number;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A partition as a map key (a NUL cannot occur in a topic name). */
export const partitionMapKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

export interface TopicPartitionOffset extends TopicPartition {
  /** The next offset to consume, as Kafka commits it. */
  readonly offset: number;
}

type SourceRecordInit = Partial<Omit<SourceRecord, "topic">> & { topic: string };

/** A SourceRecord with Connect's defaults for everything not given. */
export function sourceRecord(init: SourceRecordInit): SourceRecord {
  return {
    sourcePartition: null,
    sourceOffset: null,
    kafkaPartition: null,
    keySchema: null,
    key: null,
    valueSchema: null,
    value: null,
    timestamp: null,
    headers: Headers.EMPTY,
    ...init,
  };
}

/** The id Connect uses for a topic-partition in maps and messages: `<topic>-<partition>`. */
export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}
