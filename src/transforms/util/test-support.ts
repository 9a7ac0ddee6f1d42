/**
 * Test support for the transforms: SinkRecord and SourceRecord builders with Connect's
 * defaults for everything not given, and `expectError` for the class and message of a failure.
 */
import { expect } from "bun:test";
import { Headers } from "../../api/data/headers.ts";
import { type SinkRecord, type SourceRecord, sourceRecord } from "../../api/record.ts";

type SinkInit = Partial<SinkRecord>;

export function sinkRecord(init: SinkInit = {}): SinkRecord {
  const topic = init.topic ?? "test";
  const partition = init.kafkaPartition ?? 0;
  const offset = init.kafkaOffset ?? 0;
  return {
    topic,
    kafkaPartition: partition,
    keySchema: null,
    key: null,
    valueSchema: null,
    value: null,
    timestamp: null,
    headers: Headers.EMPTY,
    kafkaOffset: offset,
    timestampType: "NoTimestampType",
    originalTopic: topic,
    originalKafkaPartition: partition,
    originalKafkaOffset: offset,
    ...init,
  };
}

export function srcRecord(init: Partial<SourceRecord> = {}): SourceRecord {
  return sourceRecord({ topic: "test", kafkaPartition: 0, ...init });
}

/** Asserts that `fn` throws an instance of `type` with exactly `message`. */
export function expectError(fn: () => unknown, type: abstract new (...args: never[]) => Error, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toBe(message);
}
