import { describe, expect, test } from "bun:test";
import { cronRuns } from "./cron-runs.ts";

/** The `n` fire times after `from`, each from the one before. */
function fireTimes(expression: string, timezone: string, from: string, n: number): string[] {
  const runs = cronRuns(expression, timezone);
  const out: string[] = [];
  let after = new Date(from);
  while (out.length < n) {
    const next = runs.nextRun(after);
    if (next === null) break;
    out.push(next.toISOString());
    after = next;
  }
  return out;
}

// Expected fire times are Quartz 2.x CronExpression.getTimeAfter's for the same zone and instants.
describe("cronRuns across daylight saving time changes, as Quartz's CronExpression", () => {
  test.each([
    // Europe/Berlin, 2024-03-31: 02:00 CET becomes 03:00 CEST (01:00Z). 02:30 does not exist: no run that day.
    ["0 30 2 * * ?", "Europe/Berlin", "2024-03-30T12:00:00Z", ["2024-04-01T00:30:00.000Z", "2024-04-02T00:30:00.000Z"]],
    ["0 0 2 * * ?", "Europe/Berlin", "2024-03-30T12:00:00Z", ["2024-04-01T00:00:00.000Z"]],
    // Every 30 minutes: on from 03:00 CEST, nothing between.
    [
      "0 0/30 * * * ?",
      "Europe/Berlin",
      "2024-03-31T00:10:00Z",
      ["2024-03-31T00:30:00.000Z", "2024-03-31T01:00:00.000Z", "2024-03-31T01:30:00.000Z"],
    ],
    // Europe/Berlin, 2024-10-27: 03:00 CEST becomes 02:00 CET (01:00Z). 02:30 comes twice: once, at 02:30 CET.
    ["0 30 2 * * ?", "Europe/Berlin", "2024-10-26T12:00:00Z", ["2024-10-27T01:30:00.000Z", "2024-10-28T01:30:00.000Z"]],
    // The repeated hour's first (CEST) half runs not at all: 01:30 CEST, then 02:00 CET.
    [
      "0 0/30 * * * ?",
      "Europe/Berlin",
      "2024-10-26T23:10:00Z",
      ["2024-10-26T23:30:00.000Z", "2024-10-27T01:00:00.000Z", "2024-10-27T01:30:00.000Z", "2024-10-27T02:00:00.000Z"],
    ],
    // Asked during the first 02:15 (CEST), Quartz reads it as 02:15 CET: the next run is 03:00 CET.
    ["0 0 * * * ?", "Europe/Berlin", "2024-10-27T00:15:00Z", ["2024-10-27T02:00:00.000Z"]],
    // America/Santiago, 2024-09-08: midnight becomes 01:00. A daily midnight run skips that day.
    [
      "0 0 0 * * ?",
      "America/Santiago",
      "2024-09-07T02:00:00Z",
      ["2024-09-07T04:00:00.000Z", "2024-09-09T03:00:00.000Z"],
    ],
    // Australia/Lord_Howe, 2024-10-06: 02:00 (15:30Z) becomes 02:30 (a 30-minute change): from 01:40, 01:50,
    // then 02:35 (02:05 and 02:20 do not exist).
    [
      "15 5,20,35,50 * * * ?",
      "Australia/Lord_Howe",
      "2024-10-05T15:10:00Z",
      ["2024-10-05T15:20:15.000Z", "2024-10-05T15:35:15.000Z", "2024-10-05T15:50:15.000Z", "2024-10-05T16:05:15.000Z"],
    ],
    // Daily at 02:15, which 2024-10-06 has not: no run that day (croner ran at 02:30, 15:30Z).
    [
      "0 15 2 * * ?",
      "Australia/Lord_Howe",
      "2024-10-05T12:00:00Z",
      ["2024-10-06T15:15:00.000Z", "2024-10-07T15:15:00.000Z"],
    ],
    // The last day minus 1 at 02:30 (L-1) on a spring-forward day (Berlin, 2024-03-30 is not; 2025-03-30 is): skipped.
    ["0 30 2 L-1 * ?", "Europe/Berlin", "2025-03-01T00:00:00Z", ["2025-04-29T00:30:00.000Z"]],
  ])("%s in %s after %s", (expression, timezone, from, expected) => {
    expect(fireTimes(expression, timezone, from, expected.length)).toEqual(expected);
  });

  test("a fixed-offset zone has no changes", () => {
    expect(fireTimes("0 30 2 * * ?", "Etc/GMT-2", "2024-03-30T12:00:00Z", 2)).toEqual([
      "2024-03-31T00:30:00.000Z",
      "2024-04-01T00:30:00.000Z",
    ]);
  });
});
