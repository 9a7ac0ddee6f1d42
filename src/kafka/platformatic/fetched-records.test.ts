import { describe, expect, test } from "bun:test";
import type { RecordsBatch } from "@platformatic/kafka";
import { toConsumedRecords } from "./fetched-records.ts";

const tp = { topic: "t", partition: 3 };

function batch(firstOffset: number, count: number, attributes = 0, maxTimestamp = 0): RecordsBatch {
  return {
    firstOffset: BigInt(firstOffset),
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes,
    lastOffsetDelta: count - 1,
    firstTimestamp: 1_000n,
    maxTimestamp: BigInt(maxTimestamp),
    producerId: -1n,
    producerEpoch: -1,
    firstSequence: -1,
    records: Array.from({ length: count }, (_, i) => ({
      length: 0,
      attributes: 0,
      timestampDelta: BigInt(i * 10),
      offsetDelta: i,
      key: i === 0 ? null : Buffer.from(`k${i}`),
      value: Buffer.from(`v${firstOffset + i}`),
      headers: i === 1 ? [[Buffer.from("h"), null] as [Buffer, null]] : [],
    })),
  };
}

describe("toConsumedRecords", () => {
  test("numbers records from the batch's first offset, with CreateTime timestamps, keys and headers", () => {
    const records = toConsumedRecords(tp, [batch(5, 2)], 5n);
    expect(records).toEqual([
      {
        topic: "t",
        partition: 3,
        offset: 5,
        timestamp: 1000,
        timestampType: "CreateTime",
        key: null,
        value: Buffer.from("v5"),
        headers: [],
      },
      {
        topic: "t",
        partition: 3,
        offset: 6,
        timestamp: 1010,
        timestampType: "CreateTime",
        key: Buffer.from("k1"),
        value: Buffer.from("v6"),
        headers: [{ key: "h", value: null }],
      },
    ]);
  });

  test("skips records before the fetch position (a batch may start earlier) and control batches", () => {
    const control = batch(8, 1, 1 << 5);
    const records = toConsumedRecords(tp, [batch(0, 4), control, batch(9, 2)], 2n);
    expect(records.map((r) => r.offset)).toEqual([2, 3, 9, 10]);
  });

  test("a LogAppendTime batch gives every record the batch's max timestamp", () => {
    const records = toConsumedRecords(tp, [batch(0, 2, 1 << 3, 77)], 0n);
    expect(records.map((r) => [r.timestamp, r.timestampType])).toEqual([
      [77, "LogAppendTime"],
      [77, "LogAppendTime"],
    ]);
  });
});
