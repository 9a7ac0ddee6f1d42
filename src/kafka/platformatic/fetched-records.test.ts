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

  describe("read_committed: the answer lists aborted transactions", () => {
    const TRANSACTIONAL = 1 << 4;
    const CONTROL = 1 << 5;
    const from = (producerId: number, b: RecordsBatch): RecordsBatch => ({ ...b, producerId: BigInt(producerId) });
    /** A transaction marker of `producerId` at `offset` (control record key: version 0, type 0 abort / 1 commit). */
    function marker(producerId: number, offset: number, type: 0 | 1): RecordsBatch {
      const m = from(producerId, batch(offset, 1, TRANSACTIONAL | CONTROL));
      const key = Buffer.alloc(4);
      key.writeInt16BE(type, 2);
      return { ...m, records: [{ ...m.records[0]!, key }] };
    }
    const aborted = (producerId: number, firstOffset: number) => ({
      producerId: BigInt(producerId),
      firstOffset: BigInt(firstOffset),
    });

    test("an aborted transaction whose marker is beyond the answer (max.partition.fetch.bytes) is skipped all the same", () => {
      const records = toConsumedRecords(
        tp,
        [from(7, batch(10, 2, TRANSACTIONAL)), from(7, batch(12, 2, TRANSACTIONAL))],
        10n,
        [aborted(7, 10)],
      );
      expect(records).toEqual([]);
    });

    test("only the aborted producer's batches up to its abort marker: its next (committed) transaction, other producers and plain batches are kept", () => {
      const records = toConsumedRecords(
        tp,
        [
          batch(0, 1), // not transactional
          from(7, batch(1, 2, TRANSACTIONAL)), // aborted
          from(8, batch(3, 1, TRANSACTIONAL)), // another producer's transaction, committed
          marker(7, 4, 0),
          from(7, batch(5, 1, TRANSACTIONAL)), // the next transaction, committed
          marker(7, 6, 1),
          marker(8, 7, 1),
        ],
        0n,
        [aborted(7, 1)],
      );
      expect(records.map((r) => r.offset)).toEqual([0, 3, 5]);
    });

    test("an aborted transaction that begins after a batch does not skip it", () => {
      const records = toConsumedRecords(
        tp,
        [from(7, batch(0, 1, TRANSACTIONAL)), marker(7, 1, 1), from(7, batch(2, 1, TRANSACTIONAL))],
        0n,
        [aborted(7, 2)],
      );
      expect(records.map((r) => r.offset)).toEqual([0]);
    });
  });
});
