import { describe, expect, test } from "bun:test";
import { subscriptionChanged, watchIntervalMs } from "./subscription-change.ts";

describe("subscriptionChanged", () => {
  test.each([
    ["the same topics and counts", [["a", 2]], [["a", 2]], false],
    ["a partition added", [["a", 2]], [["a", 4]], true],
    [
      "a topic matched since",
      [["a", 2]],
      [
        ["a", 2],
        ["b", 1],
      ],
      true,
    ],
    [
      "a topic no longer matched",
      [
        ["a", 2],
        ["b", 1],
      ],
      [["a", 2]],
      true,
    ],
    ["one topic swapped for another", [["a", 2]], [["b", 2]], true],
  ] as [string, [string, number][], [string, number][], boolean][])("%s", (_, known, now, changed) => {
    expect(subscriptionChanged(new Map(known), new Map(now))).toBe(changed);
  });
});

describe("watchIntervalMs", () => {
  test.each([
    [300_000, 300_000],
    [200, 200],
    [0, 100],
    // Long.MAX (refreshes off) and anything past a timer's 2^31-1 ms limit, which would fire at once.
    [Number.MAX_SAFE_INTEGER, 2 ** 31 - 1],
    [2 ** 31, 2 ** 31 - 1],
  ])("metadata.max.age.ms=%p is asked every %p ms", (maxAge, interval) => {
    expect(watchIntervalMs(maxAge)).toBe(interval);
  });
});
