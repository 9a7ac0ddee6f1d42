import { describe, expect, test } from "bun:test";
import type { ProducerRecord } from "../kafka-port.ts";
import { cutRuns, recordSplitter } from "./batch-split.ts";

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

describe("recordSplitter", () => {
  test("encodes the chosen records again in order, each piece splittable while it holds more than one", () => {
    const record = (v: string): ProducerRecord => ({
      topic: "t",
      partition: 0,
      key: null,
      value: new TextEncoder().encode(v),
      headers: [],
      timestamp: null,
    });
    const records = ["a", "b", "c", "d", "e"].map((v) => record(v.repeat(100)));
    const pieces = recordSplitter(records, [1, 2, 3, 4], 1_000, false)(16_384);
    expect(pieces.map((p) => p.count)).toEqual([2, 2]);
    // The second piece holds "d" and "e": its values are at the end of its records.
    expect(pieces[1]!.records.includes(Buffer.from("d".repeat(100)))).toBe(true);
    expect(pieces[1]!.records.includes(Buffer.from("b".repeat(100)))).toBe(false);
    expect(pieces[1]!.split!(16_384).map((p) => p.count)).toEqual([1, 1]);
    expect(pieces[1]!.split!(16_384)[0]!.split).toBeUndefined();
  });
});
