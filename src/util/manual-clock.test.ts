import { describe, expect, test } from "bun:test";
import { monotonicNow, monotonicView, systemClock } from "./clock.ts";
import { ManualClock } from "./manual-clock.ts";

describe("ManualClock", () => {
  test("a sleep resolves only once time reaches its deadline", async () => {
    const clock = new ManualClock(1000);
    let woke = false;
    const sleeping = clock.sleep(500).then(() => {
      woke = true;
    });
    clock.advance(499);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await sleeping;
    expect([woke, clock.now(), clock.pending]).toEqual([true, 1500, 0]);
  });

  test("an aborted signal ends a sleep early without moving time", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    expect([clock.now(), clock.pending, clock.sleeps]).toEqual([0, 0, [10_000]]);
  });

  test("advanceToNext wakes the earliest sleeper only", async () => {
    const clock = new ManualClock();
    const order: number[] = [];
    void clock.sleep(300).then(() => order.push(300));
    void clock.sleep(100).then(() => order.push(100));
    expect(clock.advanceToNext()).toBe(true);
    await Promise.resolve();
    expect([order, clock.now(), clock.pending]).toEqual([[100], 100, 1]);
    expect(clock.advanceToNext()).toBe(true);
    await Promise.resolve();
    expect(order).toEqual([100, 300]);
    expect(clock.advanceToNext()).toBe(false);
  });

  test("stepWallClock moves now() only: the monotonic reading and the sleeps stay where they were", async () => {
    const clock = new ManualClock(5000);
    let woke = false;
    void clock.sleep(100).then(() => {
      woke = true;
    });
    clock.stepWallClock(-60_000);
    await Promise.resolve();
    expect([clock.now(), clock.monotonic(), woke]).toEqual([-55_000, 5000, false]);
    clock.advance(100);
    await Promise.resolve();
    expect([clock.now(), clock.monotonic(), monotonicNow(clock), woke]).toEqual([-54_900, 5100, 5100, true]);
  });
});

describe("monotonicNow", () => {
  test("reads the system clock's monotonic reading, and a fake's wall clock when it has none", () => {
    const before = performance.now();
    const reading = monotonicNow(systemClock);
    expect(reading).toBeGreaterThanOrEqual(before);
    expect(reading).toBeLessThanOrEqual(performance.now());
    expect(monotonicNow({ now: () => 42, sleep: async () => {} })).toBe(42);
  });

  test("monotonicView reads the monotonic time as now(), and sleeps on the same clock", async () => {
    const clock = new ManualClock(5000);
    const view = monotonicView(clock);
    clock.stepWallClock(-60_000);
    expect([clock.now(), view.now()]).toEqual([-55_000, 5000]);
    let woke = false;
    void view.sleep(10).then(() => {
      woke = true;
    });
    clock.advance(10);
    await Promise.resolve();
    expect([view.now(), woke]).toEqual([5010, true]);
    const plain = { now: () => 42, sleep: async () => {} };
    expect(monotonicView(plain)).toBe(plain);
  });
});
