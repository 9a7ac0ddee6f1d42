import { describe, expect, test } from "bun:test";
import { WindowedStat } from "./windowed-stat.ts";

describe("WindowedStat (Kafka's sampled Avg/Max: 2 samples of 30 s)", () => {
  test("covers the last 30–60 s: an old slow commit or failure ages out", () => {
    let now = 0;
    const stat = new WindowedStat(() => now);
    expect([stat.avg(), stat.max(), stat.count()]).toEqual([0, 0, 0]);
    stat.record(10);
    now = 10_000;
    stat.record(20);
    expect([stat.avg(), stat.max(), stat.count()]).toEqual([15, 20, 2]);
    now = 35_000; // a new sample
    stat.record(5);
    expect([stat.avg(), stat.max(), stat.count()]).toEqual([35 / 3, 20, 3]);
    now = 60_000; // the first sample is 60 s old: forgotten
    expect([stat.avg(), stat.max(), stat.count()]).toEqual([5, 5, 1]);
    now = 200_000;
    expect([stat.avg(), stat.max(), stat.count()]).toEqual([0, 0, 0]);
    stat.record(7);
    expect([stat.avg(), stat.max(), stat.count()]).toEqual([7, 7, 1]);
  });

  test("a negative value is a maximum too", () => {
    const stat = new WindowedStat(() => 0);
    stat.record(-3);
    expect(stat.max()).toBe(-3);
  });

  test("as Connect's offset-commit percentages: one failure among successes, then only successes", () => {
    let now = 0;
    const results = new WindowedStat(() => now);
    for (const r of [1, 1, 0, 1]) results.record(r);
    expect(1 - results.avg()).toBe(0.25);
    now = 61_000;
    results.record(1);
    expect(1 - results.avg()).toBe(0);
  });
});
