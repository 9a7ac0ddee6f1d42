import { describe, expect, test } from "bun:test";
import type { ProducerRecord } from "../kafka-port.ts";
import { COMPRESSION_TYPES, NO_COMPRESSION } from "../record-codecs.ts";
import { batchSplitter, cutRuns, splitBatch } from "./batch-split.ts";
import { type Batch, type BatchOutcome, PartitionBatches } from "./partition-batches.ts";
import { encodeRecordBatch, sealRecordBatch, stampRecordBatch } from "./record-batch.ts";

describe("cutRuns", () => {
  test.each([
    {
      case: "pieces of at most the target",
      sizes: [100, 100, 100, 100, 100, 100],
      target: 200,
      runs: [
        [0, 2],
        [2, 4],
        [4, 6],
      ],
    },
    {
      case: "at most half the bytes when the target is larger (progress when batch.size > max.message.bytes)",
      sizes: [100, 100, 100, 100],
      target: 16_384,
      runs: [
        [0, 2],
        [2, 4],
      ],
    },
    {
      case: "a record above the target alone",
      sizes: [10, 500, 10],
      target: 100,
      runs: [
        [0, 1],
        [1, 2],
        [2, 3],
      ],
    },
    {
      case: "two records: two pieces whatever their sizes",
      sizes: [1, 1000],
      target: 16_384,
      runs: [
        [0, 1],
        [1, 2],
      ],
    },
    { case: "one record: itself", sizes: [70], target: 10, runs: [[0, 1]] },
  ])("$case", ({ sizes, target, runs }) => {
    expect(cutRuns(sizes, target)).toEqual(runs.map(([a, b]) => [a, b]));
  });
});

describe("batchSplitter", () => {
  const record = (v: string, timestamp: number | null, headers: ProducerRecord["headers"] = []): ProducerRecord => ({
    topic: "t",
    partition: 0,
    key: v === "c" ? null : new TextEncoder().encode(`k-${v}`),
    value: new TextEncoder().encode(v.repeat(100)),
    headers,
    timestamp,
  });
  const records = [
    record("a", 1_000),
    record("b", null, [{ key: "h", value: new TextEncoder().encode("x") }]),
    record("c", 900),
    record("d", 5_000_000_000_000, [{ key: "n", value: null }]),
    record("e", 1_200),
    record("f", null),
  ];

  test.each(COMPRESSION_TYPES)(
    "cuts the batch sent (compression %p) into the batches its runs would have been encoded as, each splittable while it holds more than one",
    (type) => {
      const compression = { type };
      const batch = encodeRecordBatch(records, [0, 1, 2, 3, 4, 5], 1_100, compression).buffer;
      // As sent: stamped and sealed; the pieces come unstamped (stamped with their own sequences).
      stampRecordBatch(batch, 42n, 3, 17);
      sealRecordBatch(batch);
      const pieces = batchSplitter(batch, compression)(240); // 110 to 120 bytes a record: two a piece
      expect(pieces.map((p) => p.count)).toEqual([2, 2, 2]);
      expect(pieces.map((p) => p.records)).toEqual([
        encodeRecordBatch(records, [0, 1], 1_100, compression).buffer,
        encodeRecordBatch(records, [2, 3], 1_100, compression).buffer,
        encodeRecordBatch(records, [4, 5], 1_100, compression).buffer,
      ]);
      const again = pieces[1]!.split!(240);
      expect(again.map((p) => p.records)).toEqual([
        encodeRecordBatch(records, [2], 1_100, compression).buffer,
        encodeRecordBatch(records, [3], 1_100, compression).buffer,
      ]);
      expect(again[0]!.split).toBeUndefined();
    },
  );

  test("pieces are compressed at the producer's level", () => {
    const gzip = { type: "gzip", level: 9 } as const;
    const batch = encodeRecordBatch(records, [0, 1, 2, 3, 4, 5], 1_100, gzip).buffer;
    const pieces = batchSplitter(batch, gzip)(240);
    expect(pieces[0]!.records).toEqual(encodeRecordBatch(records, [0, 1], 1_100, gzip).buffer);
    expect(pieces[0]!.records).not.toEqual(
      encodeRecordBatch(records, [0, 1], 1_100, { type: "gzip", level: 1 }).buffer,
    );
  });

  test("a batch of an unknown codec cannot be split: an error, not a wrong batch", () => {
    const batch = encodeRecordBatch(records, [0, 1], 1_000, NO_COMPRESSION).buffer;
    batch.writeInt16BE(5, 21);
    expect(() => batchSplitter(batch, NO_COMPRESSION)(16_384)).toThrow("Unknown compression codec 5");
  });
});

describe("splitBatch", () => {
  test("the pieces hold on to nothing of the big batch but how it settles (its encoded records are freed)", () => {
    const outcomes: BatchOutcome[] = [];
    const big: Batch = {
      part: new PartitionBatches("t", 0, true),
      records: Buffer.alloc(1_000),
      count: 4,
      deadline: 5_000,
      settle: (outcome) => outcomes.push(outcome),
      state: "inflight",
      sequence: 7,
      place: -1,
      generation: 0,
      retryAt: 0,
      attempts: 1,
      uncertain: false,
      wentOut: true,
      settled: false,
      split: () => [
        { records: Buffer.alloc(500), count: 2 },
        { records: Buffer.alloc(500), count: 2 },
      ],
    };
    // Reads of the big batch once it was split mean a piece still holds it (and its records).
    let split = false;
    const readAfterSplit: (string | symbol)[] = [];
    const watched = new Proxy(big, {
      get(target, key, receiver) {
        if (split) readAfterSplit.push(key);
        return Reflect.get(target, key, receiver);
      },
    });
    const pieces = splitBatch(watched, 16_384);
    split = true;
    expect(pieces.map((p) => [p.count, p.deadline])).toEqual([
      [2, 5_000],
      [2, 5_000],
    ]);
    pieces[1]!.settle(12);
    pieces[0]!.settle(10);
    expect(outcomes).toEqual([[10, 11, 12, 13]]);
    expect(readAfterSplit).toEqual([]);
  });
});
