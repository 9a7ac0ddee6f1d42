import { describe, expect, test } from "bun:test";
import { cronSchedule, intervalSchedule } from "./schedule.ts";

const THURSDAY = Date.UTC(2026, 0, 1, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

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
    expect(iso(cronSchedule(expression, "UTC").next(THURSDAY))).toBe(next);
  });

  test("the time zone moves the fire time", () => {
    expect(iso(cronSchedule("0 0 9 * * ?", "Europe/Berlin").next(THURSDAY))).toBe("2026-01-01T08:00:00.000Z");
  });

  test("after a restart a missed fire time runs at once, else the next one is awaited", () => {
    const s = cronSchedule("0 0 * * * ?", "UTC");
    expect(iso(s.first(THURSDAY + 90 * 60_000, THURSDAY))).toBe("2026-01-01T01:30:00.000Z");
    expect(iso(s.first(THURSDAY + 30 * 60_000, undefined))).toBe("2026-01-01T01:00:00.000Z");
  });
});

describe("interval schedule", () => {
  test("first poll at start, or one interval after the stored poll time", () => {
    const s = intervalSchedule(60_000);
    expect(s.first(THURSDAY, undefined)).toBe(THURSDAY);
    expect(s.first(THURSDAY, THURSDAY - 20_000)).toBe(THURSDAY + 40_000);
    expect(s.first(THURSDAY, THURSDAY - 90_000)).toBe(THURSDAY);
    expect(s.next(THURSDAY)).toBe(THURSDAY + 60_000);
  });
});
