import { describe, expect, test } from "bun:test";
import { cronSchedule, intervalSchedule } from "./schedule.ts";

const THURSDAY = Date.UTC(2026, 0, 1, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
/** A moment at wall time `wall` whose monotonic reading is `monotonic`. */
const at = (wall: number, monotonic = wall) => ({ wall, monotonic });

describe("cron schedule (Quartz syntax through croner)", () => {
  test.each([
    ["0 */5 * * * ?", "2026-01-01T00:05:00.000Z"],
    ["0/5 * * * * ?", "2026-01-01T00:00:05.000Z"],
    ["0 0 12 ? * 2", "2026-01-05T12:00:00.000Z"], // Quartz 2 = Monday
    ["0 0 12 ? * MON-FRI", "2026-01-01T12:00:00.000Z"],
    ["0 0 12 L * ?", "2026-01-31T12:00:00.000Z"],
    ["0 0 12 15W * ?", "2026-01-15T12:00:00.000Z"],
    ["0 0 12 ? * 6#3", "2026-01-16T12:00:00.000Z"], // third Friday
  ])("%s fires next at %s", (expression, next) => {
    expect(iso(cronSchedule(expression, "UTC").next(at(THURSDAY)))).toBe(next);
  });

  test("the time zone moves the fire time", () => {
    expect(iso(cronSchedule("0 0 9 * * ?", "Europe/Berlin").next(at(THURSDAY)))).toBe("2026-01-01T08:00:00.000Z");
  });

  test("after a restart a missed fire time runs at once, else the next one is awaited", () => {
    const s = cronSchedule("0 0 * * * ?", "UTC");
    expect(iso(s.first(at(THURSDAY + 90 * 60_000), THURSDAY))).toBe("2026-01-01T01:30:00.000Z");
    expect(iso(s.first(at(THURSDAY + 30 * 60_000), undefined))).toBe("2026-01-01T01:00:00.000Z");
  });
});

describe("cron schedule across daylight saving time (Europe/Berlin, 2026)", () => {
  /** The `n` poll times after `from`, each from the one before. */
  const polls = (expression: string, from: string, n: number) => {
    const s = cronSchedule(expression, "Europe/Berlin");
    const out = [s.next(at(Date.parse(from)))];
    while (out.length < n) out.push(s.next(at(out.at(-1)!)));
    return out.map(iso);
  };

  // Quartz's CronExpression.getTimeAfter (cron-runs.ts): a local time the zone skips does not fire,
  // a repeated one fires at its standard-time instant only.
  test("a daily 02:30 is skipped on the day 02:30 does not exist, and polls at the second 02:30 on the day it comes twice", () => {
    expect(polls("0 30 2 * * ?", "2026-03-28T00:00:00Z", 3)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
    expect(polls("0 30 2 * * ?", "2026-10-24T00:00:00Z", 3)).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  test("an hourly schedule polls every hour there is in spring, and once at 02:00 (standard time) in autumn", () => {
    expect(polls("0 0 * * * ?", "2026-03-28T23:30:00Z", 3)).toEqual([
      "2026-03-29T00:00:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T02:00:00.000Z",
    ]);
    expect(polls("0 0 * * * ?", "2026-10-24T23:30:00Z", 4)).toEqual([
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
      "2026-10-25T03:00:00.000Z",
      "2026-10-25T04:00:00.000Z",
    ]);
  });
});

describe("interval schedule", () => {
  test("first poll at start, or one interval after the stored poll time", () => {
    const s = intervalSchedule(60_000);
    expect(s.first(at(THURSDAY), undefined)).toBe(THURSDAY);
    expect(s.first(at(THURSDAY), THURSDAY - 20_000)).toBe(THURSDAY + 40_000);
    expect(s.first(at(THURSDAY), THURSDAY - 90_000)).toBe(THURSDAY);
    expect(s.next(at(THURSDAY))).toBe(THURSDAY + 60_000);
  });

  test("poll times are on the monotonic reading; the stored poll time is related to the wall clock", () => {
    const s = intervalSchedule(60_000);
    expect(s.first(at(THURSDAY, 5_000), undefined)).toBe(5_000);
    expect(s.first(at(THURSDAY, 5_000), THURSDAY - 20_000)).toBe(45_000);
    // A poll time after now (the host's clock stepped back since) waits one interval at most.
    expect(s.first(at(THURSDAY, 5_000), THURSDAY + 3_600_000)).toBe(65_000);
    expect(s.next(at(THURSDAY, 5_000))).toBe(65_000);
  });
});
