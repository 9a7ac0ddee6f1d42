import { describe, expect, test } from "bun:test";
import type { ProducerRecord } from "../kafka-port.ts";
import { StickyPartitioner } from "./sticky-partitioner.ts";

const record = (topic: string, valueBytes: number, headers: ProducerRecord["headers"] = []): ProducerRecord => ({
  topic,
  partition: null,
  key: null,
  value: new Uint8Array(valueBytes),
  headers,
  timestamp: null,
});

describe("StickyPartitioner", () => {
  test("keyless records stay on one partition until batch.size bytes went there, then move to the next, round robin", () => {
    const sticky = new StickyPartitioner(1000);
    const partitions = Array.from({ length: 12 }, () => sticky.partition(record("t", 400), 3));
    // 400 + 400 + 400 crosses 1000 on the third record: the fourth goes to the next partition.
    expect(partitions).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0]);
  });

  test("each topic sticks on its own; header bytes count", () => {
    const sticky = new StickyPartitioner(100);
    const headers = [{ key: "k".repeat(10), value: new Uint8Array(40) }];
    expect(sticky.partition(record("a", 50, headers), 2)).toBe(0);
    expect(sticky.partition(record("b", 10), 2)).toBe(0);
    expect(sticky.partition(record("a", 10), 2)).toBe(1);
    expect(sticky.partition(record("b", 10), 2)).toBe(0);
  });

  test("a record larger than batch.size moves the next one on; a partition count that shrank starts over at 0", () => {
    const sticky = new StickyPartitioner(100);
    expect(sticky.partition(record("t", 500), 4)).toBe(0);
    expect(sticky.partition(record("t", 500), 4)).toBe(1);
    expect(sticky.partition(record("t", 500), 4)).toBe(2);
    expect(sticky.partition(record("t", 10), 2)).toBe(0);
  });

  test("one partition: always 0", () => {
    const sticky = new StickyPartitioner(10);
    expect(Array.from({ length: 5 }, () => sticky.partition(record("t", 20), 1))).toEqual([0, 0, 0, 0, 0]);
  });
});
