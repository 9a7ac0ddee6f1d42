import { describe, expect, test } from "bun:test";
import { type ArmTimer, MAX_TIMER_MS, momentOf, timerMs, timerSleep } from "./clock.ts";
import { ManualClock } from "./manual-clock.ts";

/** An ArmTimer the test fires by hand; records each armed delay. */
function manualTimers() {
  const armed: { ms: number; fire: () => void; cancelled: boolean }[] = [];
  const arm: ArmTimer = (fire, ms) => {
    const timer = { ms, fire, cancelled: false };
    armed.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };
  return { arm, armed };
}

/** Resolves after pending promise callbacks ran (no timer involved). */
const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

// Review finding P3.12: Bun fires a timer longer than 2^31−1 ms after 1 ms, so a long Retry-After
// or rate-limit reset did not wait at all.
describe("timerSleep", () => {
  test("a wait longer than setTimeout allows is armed in pieces and ends after the last one", async () => {
    const { arm, armed } = manualTimers();
    let done = false;
    const sleeping = timerSleep(arm)(2 * MAX_TIMER_MS + 5, undefined).then(() => {
      done = true;
    });
    expect(armed.map((t) => t.ms)).toEqual([MAX_TIMER_MS]);
    armed[0]!.fire();
    await settle();
    expect(done).toBe(false);
    expect(armed.map((t) => t.ms)).toEqual([MAX_TIMER_MS, MAX_TIMER_MS]);
    armed[1]!.fire();
    await settle();
    expect(done).toBe(false);
    expect(armed.map((t) => t.ms)).toEqual([MAX_TIMER_MS, MAX_TIMER_MS, 5]);
    armed[2]!.fire();
    await sleeping;
    expect(done).toBe(true);
  });

  test("a short wait is one timer", async () => {
    const { arm, armed } = manualTimers();
    const sleeping = timerSleep(arm)(250, undefined);
    expect(armed.map((t) => t.ms)).toEqual([250]);
    armed[0]!.fire();
    await sleeping;
  });

  test("an abort ends a long wait at once and cancels its pending piece", async () => {
    const { arm, armed } = manualTimers();
    const controller = new AbortController();
    const sleeping = timerSleep(arm)(Number.POSITIVE_INFINITY, controller.signal);
    armed[0]!.fire();
    controller.abort();
    await sleeping;
    expect(armed.map((t) => t.cancelled)).toEqual([false, true]);
  });

  test.each([0, -5, Number.NaN])("a wait of %p ends at once without a timer", async (ms) => {
    const { arm, armed } = manualTimers();
    await timerSleep(arm)(ms, undefined);
    expect(armed).toEqual([]);
  });
});

describe("timerMs", () => {
  test.each([
    [-1, 0],
    [Number.NaN, 0],
    [1500, 1500],
    [2 ** 31, MAX_TIMER_MS],
    [Number.POSITIVE_INFINITY, MAX_TIMER_MS],
  ])("%p → %p", (ms, expected) => {
    expect(timerMs(ms)).toBe(expected);
  });
});

describe("momentOf", () => {
  test("reads both clocks; a clock without a monotonic reading gives its wall time for both", () => {
    const clock = new ManualClock(5_000);
    clock.stepWallClock(-3_600_000);
    expect(momentOf(clock)).toEqual({ wall: 5_000 - 3_600_000, monotonic: 5_000 });
    expect(momentOf({ now: () => 42, sleep: async () => {} })).toEqual({ wall: 42, monotonic: 42 });
  });
});
