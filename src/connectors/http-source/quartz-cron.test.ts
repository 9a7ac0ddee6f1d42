import { describe, expect, test } from "bun:test";
import { PluginRegistry } from "../../plugin/registry.ts";
import { validateConnectorConfig } from "../../runtime/validate-connector-config.ts";
import { cronProblem } from "./config-checks.ts";
import { checkedConfig } from "./config-rules.ts";
import { httpSource } from "./index.ts";
import { quartzForCroner } from "./quartz-cron.ts";
import { cronSchedule } from "./schedule.ts";

const cronConfig = (expression: string) => ({
  name: "src",
  "connector.class": "HttpSource",
  "http.url": "https://api.example.com/events",
  "kafka.topic": "t",
  "http.timer.type": "cron",
  "http.timer.cron.expression": expression,
});
const registry = new PluginRegistry([httpSource]);
/** The errors validation (PUT …/config/validate, create, update) reports on the cron expression. */
const refused = (expression: string) =>
  validateConnectorConfig(registry, cronConfig(expression)).infos.configs.find(
    (c) => c.value?.name === "http.timer.cron.expression",
  )?.value?.errors;

const THURSDAY = Date.UTC(2026, 0, 1, 0, 0, 0);
const at = (wall: number) => ({ wall, monotonic: wall });
const fires = (expression: string, n: number) => {
  const s = cronSchedule(expression, "UTC");
  const out: string[] = [];
  let t = THURSDAY;
  for (let i = 0; i < n; i++) {
    t = s.next(at(t));
    out.push(new Date(t).toISOString());
  }
  return out;
};

describe("Quartz syntax croner does not read (the document's cron schedules are Quartz)", () => {
  test("a day-of-week range wrapping past Saturday (FRI-MON, 6-2) fires Friday to Monday", () => {
    const expected = [
      "2026-01-02T12:00:00.000Z",
      "2026-01-03T12:00:00.000Z",
      "2026-01-04T12:00:00.000Z",
      "2026-01-05T12:00:00.000Z",
      "2026-01-09T12:00:00.000Z",
    ];
    expect(fires("0 0 12 ? * FRI-MON", 5)).toEqual(expected);
    expect(fires("0 0 12 ? * 6-2", 5)).toEqual(expected);
  });

  test("an hour range wrapping past midnight (22-2) fires from 22:00 to 02:00", () => {
    expect(fires("0 0 22-2 * * ?", 6).map((t) => t.slice(11, 16))).toEqual([
      "01:00",
      "02:00",
      "22:00",
      "23:00",
      "00:00",
      "01:00",
    ]);
  });

  test("L alone as the day of week is Saturday", () => {
    expect(fires("0 0 12 ? * L", 2)).toEqual(["2026-01-03T12:00:00.000Z", "2026-01-10T12:00:00.000Z"]);
  });

  test("validation accepts them; what croner cannot read is still refused with its message", () => {
    expect(cronProblem("0 0 12 ? * FRI-MON", "UTC")).toBeUndefined();
    expect(cronProblem("0 0 12 ? * L", "UTC")).toBeUndefined();
    expect(cronProblem("0 0 12 L-3 * ?", "UTC")).toBeUndefined();
    expect(cronProblem("0 0 12 ? * 6#3/2", "UTC")).toContain("Invalid cron expression");
  });

  test("L-3 as the day of month is the month's last day minus 3 (Quartz), also in February and a leap year", () => {
    expect(fires("0 0 12 L-3 * ?", 3)).toEqual([
      "2026-01-28T12:00:00.000Z",
      "2026-02-25T12:00:00.000Z",
      "2026-03-28T12:00:00.000Z",
    ]);
    expect(fires("0 30 6 L-0 2 ?", 3)).toEqual([
      "2026-02-28T06:30:00.000Z",
      "2027-02-28T06:30:00.000Z",
      "2028-02-29T06:30:00.000Z",
    ]);
    expect(refused("0 0 12 L-3 * ?")).toEqual([]);
  });

  test("L-n keeps its time of day across a DST change between that day and the month's last (review59)", () => {
    const s = cronSchedule("0 0 12 L-3 * ?", "Europe/Berlin");
    // 28 March 2024 12:00 CET; Berlin moved to CEST on the 31st, the month's last day.
    expect(new Date(s.next(at(Date.UTC(2024, 2, 1)))).toISOString()).toBe("2024-03-28T11:00:00.000Z");
    const ny = cronSchedule("0 0 12 L-25 * ?", "America/New_York");
    // 6 March 2025 12:00 EST (New York moved to EDT on the 9th).
    expect(new Date(ny.next(at(Date.UTC(2025, 2, 1)))).toISOString()).toBe("2025-03-06T17:00:00.000Z");
  });

  test("L-n in a month shorter than n + 1 days is skipped, as Quartz skips it, not run in the month before (review59)", () => {
    const s = cronSchedule("0 0 12 L-30 * ?", "UTC");
    const out: string[] = [];
    for (let t = Date.UTC(2024, 0, 1), i = 0; i < 5; i++) {
      t = s.next(at(t));
      out.push(new Date(t).toISOString());
    }
    expect(out).toEqual([
      "2024-01-01T12:00:00.000Z",
      "2024-03-01T12:00:00.000Z",
      "2024-05-01T12:00:00.000Z",
      "2024-07-01T12:00:00.000Z",
      "2024-08-01T12:00:00.000Z",
    ]);
    expect(fires("0 0 12 L-28 2 ?", 2)).toEqual(["2028-02-01T12:00:00.000Z", "2032-02-01T12:00:00.000Z"]);
    expect(refused("0 0 12 L-29 2 ?")).toEqual(["The cron expression never fires"]);
    expect(refused("0 0 12 L-30 4 ?")).toEqual(["The cron expression never fires"]);
  });

  test("an L-n croner cannot be given (in a list, with W, beyond 30) is refused naming the day-of-month field", () => {
    expect(refused("0 0 12 1,L-3 * ?")).toEqual([
      "Invalid cron expression: day-of-month '1,L-3': an offset from the last day of the month (L-n) is supported as the whole field only, not in a list or with W",
    ]);
    expect(refused("0 0 12 L-3W * ?")).toEqual([expect.stringContaining("day-of-month 'L-3W'")]);
    expect(refused("0 0 12 L-31 * ?")).toEqual([
      "Invalid cron expression: day-of-month 'L-31': the offset from the last day must be <= 30",
    ]);
  });

  test("a day of month and a day of week both given (or both ?) are refused as Quartz refuses them", () => {
    const quartz =
      "Invalid cron expression: Support for specifying both a day-of-week AND a day-of-month parameter is not implemented.";
    for (const e of ["0 0 12 1 * MON", "0 0 12 * * *", "0 0 12 ? * ?", "0 0 12 L * 6#3"])
      expect(refused(e)).toEqual([quartz]);
    for (const e of ["0 0 12 1 * ?", "0 0 12 ? * MON", "0 */5 * * * ?"]) expect(refused(e)).toEqual([]);
  });

  test("a day-of-week outside 1-7 or an nth weekday outside 1-5 is refused in Quartz's words (croner read 8 as Sunday)", () => {
    for (const e of [
      "0 0 12 ? * 8",
      "0 0 12 ? * 6-8",
      "0 0 12 ? * 8#1",
      "0 0 12 ? * 0",
      "0 0 12 ? * 1,9",
      "0 0 12 ? * 0/2",
    ])
      expect(refused(e)).toEqual(["Invalid cron expression: Day-of-Week values must be between 1 and 7"]);
    for (const e of ["0 0 12 ? * MON#6", "0 0 12 ? * 2#0"])
      expect(refused(e)).toEqual([
        "Invalid cron expression: A numeric value between 1 and 5 must follow the '#' option",
      ]);
    for (const e of [
      "0 0 12 ? * 7",
      "0 0 12 ? * 1-7",
      "0 0 12 ? * 6L",
      "0 0 12 ? * 2#5",
      "0 0 12 ? * SUN-SAT",
      "0 0 12 ? * 1/2",
    ])
      expect(refused(e)).toEqual([]);
  });

  test("expressions croner reads are passed on unchanged", () => {
    for (const e of ["0 */5 * * * ?", "0 0 12 ? * MON-FRI", "0 15 10 ? * 6#3", "0 0 12 LW * ?", "0 0 12 * * ? 2027"])
      expect(quartzForCroner(e)).toBe(e);
  });

  test("a Unix (5-field) or an 8-field expression is refused: Quartz needs 6 or 7 fields", () => {
    expect(refused("*/5 * * * *")).toEqual([
      "Invalid cron expression: A Quartz cron expression has 6 or 7 fields (seconds, minutes, hours, day-of-month, month, day-of-week, optional year); this one has 5 (a Unix cron expression? '0 */5 * * * ?' is every 5 minutes)",
    ]);
    // croner refuses 8 fields too: validation still gives the one Quartz explanation.
    expect(refused("0 0 1 1 1 ? 2030 1")).toEqual([expect.stringContaining("has 6 or 7 fields")]);
    expect(refused("0 0 12 * * ? 2030")).toEqual([]);
  });

  test("these rules are validation-only: the connector's and the task's start accept a stored config breaking them", () => {
    for (const expression of ["0 0 12 * * *", "*/5 * * * *"]) {
      expect(checkedConfig(cronConfig(expression))["http.timer.cron.expression"]).toBe(expression);
      expect(httpSource.validationOnly?.(cronConfig(expression))).toEqual([
        { key: "http.timer.cron.expression", message: expect.stringContaining("Invalid cron expression") },
      ]);
      expect(httpSource.validate?.(cronConfig(expression))).toEqual([]);
    }
    // What croner cannot run still fails the start.
    expect(() => checkedConfig(cronConfig("0 0 1 1 1 ? 2030 1"))).toThrow("Invalid cron expression: CronPattern");
  });
});
