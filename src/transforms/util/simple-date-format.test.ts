import { describe, expect, test } from "bun:test";
import { DataError } from "../../errors.ts";
import { IllegalArgumentError } from "./errors.ts";
import { SimpleDateFormat } from "./simple-date-format.ts";
import { expectError } from "./test-support.ts";

const DATE_PLUS_TIME = new Date(86_401_234); // 1970-01-02T00:00:01.234Z
const SAMPLE = new Date(Date.UTC(2024, 2, 5, 14, 7, 9, 45)); // a Tuesday

describe("SimpleDateFormat", () => {
  test.each<[string, Date, string]>([
    ["yyyy MM dd HH mm ss SSS z", DATE_PLUS_TIME, "1970 01 02 00 00 01 234 UTC"],
    ["yyyyMMdd", SAMPLE, "20240305"],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", SAMPLE, "2024-03-05T14:07:09.045Z"],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSZ", SAMPLE, "2024-03-05T14:07:09.045+0000"],
    ["yy-M-d H:m:s.S", SAMPLE, "24-3-5 14:7:9.45"],
    ["EEE, d MMM yyyy hh:mm a", SAMPLE, "Tue, 5 Mar 2024 02:07 PM"],
    ["EEEE MMMM D G", SAMPLE, "Tuesday March 65 AD"],
    ["'quoted ''text'''", SAMPLE, "quoted 'text'"],
    ["kk KK u zzzz", new Date(0), "24 00 4 Coordinated Universal Time"],
  ])("formats with %p", (pattern, date, expected) => {
    expect(new SimpleDateFormat(pattern).format(date)).toBe(expected);
  });

  test.each<[string, string, number]>([
    ["yyyy MM dd HH mm ss SSS z", "1970 01 02 00 00 01 234 UTC", 86_401_234],
    ["yyyyMMdd", "20240305", Date.UTC(2024, 2, 5)],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-03-05T14:07:09.045Z", SAMPLE.getTime()],
    ["yyyy-MM-dd'T'HH:mm:ssXXX", "2024-03-05T16:07:09+02:00", Date.UTC(2024, 2, 5, 14, 7, 9)],
    ["yyyy-MM-dd HH:mm:ss Z", "2024-03-05 09:07:09 -0500", Date.UTC(2024, 2, 5, 14, 7, 9)],
    ["d MMM yyyy hh:mm a", "5 march 2024 02:07 pm", Date.UTC(2024, 2, 5, 14, 7)],
    ["yyyy-MM-dd", "2024-13-01", Date.UTC(2025, 0, 1)],
    ["yyyy-MM-dd", "2024-03-05 and more", Date.UTC(2024, 2, 5)],
    ["y-M-d", "2024-3-5", Date.UTC(2024, 2, 5)],
  ])("parses with %p", (pattern, text, expected) => {
    expect(new SimpleDateFormat(pattern).parse(text).getTime()).toBe(expected);
  });

  // Values from Connect 4.3.1's TimestampConverter (test/fixtures/transforms, CasesE.java).
  test.each<[string, string, number, string]>([
    ["YYYY-'W'ww-u", "2024-W01-3", Date.UTC(2024, 0, 3), "an ISO-looking week date, weeks counted from Sunday"],
    ["YYYY-'W'ww", "2021-W01", Date.UTC(2020, 11, 27), "week 1 of 2021 starts in 2020"],
    ["YYYY-MM-dd", "2023-11-14", Date.UTC(2023, 0, 1), "a week year with month and day: the week date wins"],
    ["yyyy-MM F u", "2023-11 -1 5", Date.UTC(2023, 10, 24), "the last Friday of the month"],
    ["yyyy-MM-dd W u", "2023-11-14 1 1", Date.UTC(2023, 9, 30), "the fields parsed last decide"],
    ["yyyy EEE", "2023 Fri", Date.UTC(2023, 0, 6), "a day of week alone is the first in the month"],
  ])("parses week fields with %p from %p", (pattern, text, expected) => {
    expect(new SimpleDateFormat(pattern).parse(text).getTime()).toBe(expected);
  });

  test("a week date's day number below 1 counts whole weeks back (u=0 is recorded)", () => {
    const format = new SimpleDateFormat("YYYY-'W'ww-u");
    const at = (u: number) => format.parse(`2023-W46-${u}`).getTime();
    for (let u = 0; u >= -35; u--) expect(at(u - 7)).toBe(at(u) - 7 * 86_400_000);
  });

  test("a huge negative day number in a week date is parsed in one step, not a week per turn", async () => {
    // Java's loop (a week per turn) ran ~15 s for 10^11 and hours for this number, holding the whole
    // gateway's event loop; a child process, so that a regression fails here instead of hanging.
    const script = `const { SimpleDateFormat } = await import(${JSON.stringify(`${import.meta.dir}/simple-date-format.ts`)});
      console.log(new SimpleDateFormat("YYYY-'W'ww-u").parsePrefix("2023-W46--99999999999999") !== null);`;
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
    const guard = setTimeout(() => child.kill(), 30_000);
    try {
      expect(await new Response(child.stdout).text()).toBe("true\n");
      expect(await child.exited).toBe(0);
    } finally {
      clearTimeout(guard);
    }
  }, 40_000);

  test("reads a two-digit year within the 80 years before now", () => {
    const year = new SimpleDateFormat("yy").parse("00").getUTCFullYear();
    expect(year % 100).toBe(0);
    expect(new Date().getUTCFullYear() - year).toBeLessThanOrEqual(80);
  });

  test.each(["bad-format", "yyyy'", "XXXX"])("rejects the pattern %p", (pattern) => {
    expect(() => new SimpleDateFormat(pattern)).toThrow(IllegalArgumentError);
  });

  test("names the illegal letter as Java does", () => {
    expectError(() => new SimpleDateFormat("bad-format"), IllegalArgumentError, "Illegal pattern character 'b'");
  });

  describe("before the Gregorian cutover of 1582-10-15 (java.util.GregorianCalendar is Julian there)", () => {
    test.each<[number, string]>([
      [-12_219_292_800_000, "1582-10-15 278 Fri"],
      [-12_219_292_800_001, "1582-10-04 277 Thu"],
      [-62_135_769_600_000, "0001-01-01 001 Sat"],
      [-62_135_596_800_000, "0001-01-03 003 Mon"],
    ])("formats %p as %p", (ms, expected) => {
      expect(new SimpleDateFormat("yyyy-MM-dd DDD EEE").format(new Date(ms))).toBe(expected);
    });

    test.each<[string, number]>([
      ["0001-01-01", -62_135_769_600_000],
      ["1582-10-04", -12_219_379_200_000],
      ["1582-10-10", -12_218_860_800_000], // a skipped day, read as Julian: 1582-10-20
      ["1582-10-15", -12_219_292_800_000],
      ["-0001-01-01", -62_198_928_000_000], // a minus sign: the year 2 BC
    ])("parses %p as %p", (text, ms) => {
      expect(new SimpleDateFormat("yyyy-MM-dd").parse(text).getTime()).toBe(ms);
    });
  });

  test("skips blanks before a number but not before a name, as SimpleDateFormat.subParse does", () => {
    expect(new SimpleDateFormat("yyyy-MM-dd").parse("  2023- 11-\t14").getTime()).toBe(Date.UTC(2023, 10, 14));
    // The width of an abutting field counts the blanks: the year is 202 and the month 31.
    expect(new SimpleDateFormat("yyyyMMdd").parse(" 20231114").getTime()).toBe(-55_704_153_600_000);
    expect(() => new SimpleDateFormat("MMM dd yyyy").parse(" Nov 14 2023")).toThrow(DataError);
  });

  test("fails on text that does not match", () => {
    expectError(
      () => new SimpleDateFormat("yyyy-MM-dd").parse("2024/03/05"),
      DataError,
      'Unparseable date: "2024/03/05"',
    );
  });
});
