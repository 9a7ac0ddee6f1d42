import { describe, expect, test } from "bun:test";
import { compilePattern, PatternError, parseWithPattern } from "./timestamp-pattern.ts";
import { instantOfLocal, zoneOf } from "./zone-id.ts";

/** `text` read by `pattern` in `zone`, as an ISO instant (with the nanoseconds when there are some), or null. */
function read(pattern: string, text: string, zone = "UTC"): string | null {
  const ns = parseWithPattern(compilePattern(pattern), text, zoneOf(zone)!);
  if (ns === null) return null;
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  const nanos = ns % 1_000_000n;
  return nanos === 0n ? iso : `${iso} +${nanos}ns`;
}

// Expected values from Java 17's DateTimeFormatter.ofPattern(pattern).withZone(zone): the instant it
// resolves (OffsetDateTime.parse refuses a zone-less text unless the zone is an offset; the zone's
// documented meaning is taken here), null where it refuses the text.
describe("a Java DateTimeFormatter pattern (castorm's http.response.record.timestamp.parser.pattern)", () => {
  test.each([
    ["yyyy-MM-dd'T'HH:mm:ss[.SSS]X", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ss[.SSS]X", "2024-01-01T10:00:00.123+0130", "2024-01-01T08:30:00.123Z"],
    ["yyyy-MM-dd'T'HH:mm:ss[.SSS]X", "2024-01-01T10:00:00.123+01:30", null],
    ["yyyy-MM-dd'T'HH:mm:ss[.SSS]X", "2024-01-01T10:00:00.12Z", null],
    ["yyyy-MM-dd'T'HH:mm:ss[.SSS]X", "2024-01-01T10:00:00", null],
    ["yyyy-MM-dd HH:mm:ss", "2024-01-01 10:00:00", "2024-01-01T10:00:00.000Z"],
    ["yyyy-MM-dd HH:mm", "2024-02-30 10:00", "2024-02-29T10:00:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss", "2024-04-31 10:00:00", "2024-04-30T10:00:00.000Z"],
    ["yyyy-MM-dd HH", "2024-02-03 10", "2024-02-03T10:00:00.000Z"],
    ["yyyy-MM-dd", "2024-02-03", null],
    ["yyyy-MM-dd HH:mm:ss", "2024-01-01 24:00:00", "2024-01-02T00:00:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss", "2024-01-01 24:00:01", null],
    ["yyyy-MM-dd kk:mm", "2024-01-01 24:00", "2024-01-01T00:00:00.000Z"],
    ["dd/MM/yyyy hh:mm a", "03/04/2024 10:00 PM", "2024-04-03T22:00:00.000Z"],
    ["dd/MM/yyyy hh:mm a", "03/04/2024 12:00 AM", "2024-04-03T00:00:00.000Z"],
    ["dd/MM/yyyy hh:mm a", "03/04/2024 10:00 pm", null],
    ["dd/MM/yyyy hh:mm", "03/04/2024 10:00", null],
    ["EEE, dd MMM yyyy HH:mm:ss zzz", "Mon, 01 Jan 2024 10:00:00 GMT", "2024-01-01T10:00:00.000Z"],
    ["EEE, dd MMM yyyy HH:mm:ss zzz", "Tue, 01 Jan 2024 10:00:00 GMT", null],
    ["EEE, dd MMM yyyy HH:mm:ss zzz", "Mon, 01 Jan 2024 10:00:00 EST", "2024-01-01T15:00:00.000Z"],
    ["EEE, dd MMM yyyy HH:mm:ss zzz", "Mon, 01 Jan 2024 10:00:00 CET", "2024-01-01T09:00:00.000Z"],
    ["EEEE, d MMMM yyyy H:mm", "Monday, 1 January 2024 9:05", "2024-01-01T09:05:00.000Z"],
    ["yyyyMMddHHmmss", "20240101100000", "2024-01-01T10:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-01T10:00:00+01:00", "2024-01-01T09:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-01T10:00:00+0100", null],
    ["yyyy-MM-dd'T'HH:mm:ssZ", "2024-01-01T10:00:00+0100", "2024-01-01T09:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ssZ", "2024-01-01T10:00:00Z", null],
    ["yyyy-MM-dd'T'HH:mm:ssx", "2024-01-01T10:00:00+01", "2024-01-01T09:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ss VV", "2024-07-01T10:00:00 Europe/Madrid", "2024-07-01T08:00:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss O", "2024-01-01 10:00:00 GMT+1", "2024-01-01T09:00:00.000Z"],
    ["yy-MM-dd HH:mm", "24-01-01 10:00", "2024-01-01T10:00:00.000Z"],
    ["y-M-d H:m:s", "2024-1-1 9:5:7", "2024-01-01T09:05:07.000Z"],
    ["uuuu-MM-dd HH:mm", "2024-01-01 10:00", "2024-01-01T10:00:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss.SSSSSS", "2024-01-01 10:00:00.123456", "2024-01-01T10:00:00.123Z +456000ns"],
    ["yyyy-MM-dd HH:mm:ss.SSS", "2024-01-01 10:00:00.1234", null],
    ["yyyy-MM-dd HH:mm:ss.n", "2024-01-01 10:00:00.5", "2024-01-01T10:00:00.000Z +5ns"],
    ["yyyy-MM-dd HH:mm:ss", "2024-01-01 10:00:00 ", null],
    ["yyyy-MM-dd HH:mm:ss", "2024-13-01 10:00:00", null],
    ["yyyy-MM-dd HH:mm:ss", "2024-12-32 10:00:00", null],
    ["yyyy-MM-dd HH:mm:ss", "2024-01-01 10:60:00", null],
    ["yyyy-MM-dd'T'HH:mm:ss'Z'", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ss''", "2024-01-01T10:00:00'", "2024-01-01T10:00:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss O", "2024-01-01 10:00:00 GMT+2:30", "2024-01-01T07:30:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss O", "2024-01-01 10:00:00 GMT+2:30:15", "2024-01-01T07:29:45.000Z"],
    ["yyyy-MM-dd HH:mm:ss OOOO", "2024-01-01 10:00:00 GMT+02:30:15", "2024-01-01T07:29:45.000Z"],
    ["yyyy-MM-dd HH:mm:ss OOOO", "2024-01-01 10:00:00 GMT+2:30", null],
    ["yyyy-MM-dd HH:mm:ss z", "2024-01-01 10:00:00 -05:30", "2024-01-01T15:30:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss z", "2024-01-01 10:00:00 +0200", null],
    ["yyyy-MM-dd hh:mm:ss a", "2024-01-01 00:00:00 AM", "2024-01-01T00:00:00.000Z"],
    ["yyyy-MM-dd KK:mm a", "2024-01-01 00:30 PM", "2024-01-01T12:30:00.000Z"],
    ["yyyy-MM-dd kk:mm:ss", "2024-01-01 00:10:00", "2024-01-01T00:10:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss", "12024-01-01 00:00:00", null],
    ["yyyy-MM-dd HH:mm:ss", "+12024-01-01 00:00:00", "+012024-01-01T00:00:00.000Z"],
    ["yyyyy-MM-dd HH:mm:ss", "12024-01-01 00:00:00", "+012024-01-01T00:00:00.000Z"],
    ["yyyy-MM-dd HH:mm:ss", "0000-01-01 00:00:00", null],
    ["uuuu-MM-dd HH:mm:ss", "0000-01-01 00:00:00", "0000-01-01T00:00:00.000Z"],
    ["yy-MM-dd HH:mm:ss", "00-01-01 00:00:00", "2000-01-01T00:00:00.000Z"],
    // srctime-b: an offset ZoneOffset refuses threw a RangeError out of the reader; a zone ID is read as
    // ZonedDateTime.parse reads one (case-sensitive, Java 17's regions, `UTC+01:00` but not `UTC+01`).
    ["yyyy-MM-dd'T'HH:mm:ssX", "2024-01-01T10:00:00+19", null],
    ["yyyy-MM-dd'T'HH:mm:ssX", "2024-01-01T10:00:00+0160", null],
    ["yyyy-MM-dd'T'HH:mm:ssX", "2024-01-01T10:00:00+1801", null],
    ["yyyy-MM-dd'T'HH:mm:ss VV", "2024-07-01T10:00:00 europe/madrid", null],
    ["yyyy-MM-dd'T'HH:mm:ss VV", "2024-07-01T10:00:00 CET", "2024-07-01T08:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ss VV", "2024-07-01T10:00:00 UTC+01", null],
    ["yyyy-MM-dd'T'HH:mm:ss VV", "2024-07-01T10:00:00 UTC+01:00", "2024-07-01T09:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ss VV", "2024-07-01T10:00:00 GMT0", "2024-07-01T10:00:00.000Z"],
    ["yyyy-MM-dd'T'HH:mm:ss VV", "2024-07-01T10:00:00 SystemV/EST5", "2024-07-01T15:00:00.000Z"],
  ])("%s reads %p as Java does", (pattern, text, expected) => {
    expect(read(pattern, text)).toBe(expected);
  });

  test("a text without a zone is in the configured zone; one the text names wins over it", () => {
    const p = "yyyy-MM-dd HH:mm:ss";
    expect(read(p, "2024-07-01 10:00:00", "Europe/Madrid")).toBe("2024-07-01T08:00:00.000Z");
    expect(read(p, "2024-01-01 10:00:00", "+02:00")).toBe("2024-01-01T08:00:00.000Z");
    expect(read(p, "2024-01-01 10:00:00", "GMT+2")).toBe("2024-01-01T08:00:00.000Z");
    expect(read("yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-01T01:23:45.000Z", "America/New_York")).toBe(
      "2020-01-01T01:23:45.000Z",
    );
  });

  test("a local time in a DST gap moves on by the gap, one in an overlap is the earlier instant (ZonedDateTime.ofLocal)", () => {
    const p = "yyyy-MM-dd HH:mm:ss";
    expect(read(p, "2024-03-31 02:30:00", "Europe/Madrid")).toBe("2024-03-31T01:30:00.000Z");
    expect(read(p, "2024-10-27 02:30:00", "Europe/Madrid")).toBe("2024-10-27T00:30:00.000Z");
    // Madrid's local mean time before 1901 was UTC-0:14:44: to the second, as Java's zone rules.
    expect(read(p, "1900-01-02 00:15:00", "Europe/Madrid")).toBe("1900-01-02T00:29:44.000Z");
    // A year below 100 is that year (Java: -61404601569 s).
    expect(read(p, "0024-03-01 13:59:07", "Europe/Madrid")).toBe("0024-03-01T14:13:51.000Z");
    expect(new Date(instantOfLocal(Date.UTC(2024, 2, 10, 2, 30), zoneOf("America/New_York")!)).toISOString()).toBe(
      "2024-03-10T07:30:00.000Z",
    );
  });

  test.each([
    ["yyyy-MM-dd Q", "Pattern letter Q is not supported here"],
    ["yyyy-MM-dd HHH", "Too many pattern letters: HHH"],
    ["'unterminated", "Pattern ends with an incomplete string literal"],
    ["yyyy-MM-dd]", "Pattern invalid as it contains ] without previous ["],
    ["yyyy-MM-dd {x}", "Pattern includes reserved character: '{'"],
    // review77 P3: 20 n's made the reading regex `\d{20,19}`, which JavaScript refuses (a SyntaxError, not Java's words).
    ["ss.nnnnnnnnnnnnnnnnnnnn", "The minimum width must be from 1 to 19 inclusive but was 20"],
  ])("%p is refused as Java's ofPattern refuses it", (pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(PatternError);
    expect(() => compilePattern(pattern)).toThrow(message);
  });
});

describe("zoneOf (Java's ZoneId.of)", () => {
  test("offsets, UTC/GMT/UT with or without one, regions; Java's refusals refused", () => {
    expect(zoneOf("Z")).toEqual({ offsetSeconds: 0 });
    expect(zoneOf("+02:00")).toEqual({ offsetSeconds: 7200 });
    expect(zoneOf("-0530")).toEqual({ offsetSeconds: -19800 });
    expect(zoneOf("UTC")).toEqual({ offsetSeconds: 0 });
    expect(zoneOf("GMT+2")).toEqual({ offsetSeconds: 7200 });
    expect(zoneOf("Europe/Madrid")).toEqual({ region: "Europe/Madrid" });
    for (const refused of ["EST", "Nowhere/Land", "+2:00", "+19:00", "", "GMT+"])
      expect(zoneOf(refused)).toBeUndefined();
  });

  // Checked with Java 17's ZoneId.of (srctime-b: three-letter regions and GMT0 were refused, ids
  // were read case-insensitively, and ZoneOffset.of's lengths were not checked).
  test("Java 17's regions as it names them (CET, GMT0, SystemV/EST5), offsets of ZoneOffset.of's lengths only", () => {
    expect(zoneOf("CET")).toEqual({ region: "CET" });
    expect(zoneOf("PRC")).toEqual({ region: "PRC" });
    expect(zoneOf("GMT0")).toEqual({ region: "GMT0" });
    expect(zoneOf("SystemV/EST5")).toEqual({ region: "Etc/GMT+5" });
    expect(zoneOf("UTC+01")).toEqual({ offsetSeconds: 3600 });
    expect(zoneOf("UT+010000")).toEqual({ offsetSeconds: 3600 });
    expect(zoneOf("GMT-0")).toEqual({ offsetSeconds: 0 });
    expect(zoneOf("+1")).toEqual({ offsetSeconds: 3600 });
    for (const refused of [
      "utc",
      "europe/paris",
      "UTC0",
      "UTC+1:00",
      "+01:0000",
      "+0100:00",
      "+01:00:0",
      "A",
      "SystemV/EST5EDT",
    ])
      expect([refused, zoneOf(refused)]).toEqual([refused, undefined]);
  });
});

// Java's adjacent value parsing (checked with Java 17's LocalDateTime.parse): a variable-width number
// followed by another reads greedily and gives no digit back; one followed by fixed widths only leaves them theirs.
test.each([
  ["yMdHms", "20240102030405", null],
  ["yMd", "2024011", null],
  ["yMMddH", "2024010203", null],
  ["yyyyMdHm", "2024010203", null],
  ["dMyyyy H", "152024 3", null],
  ["y-M-d H:m:s", "2024-1-2 3:4:5", "2024-01-02T03:04:05.000Z"],
  ["yyyyMMddHHmmss", "20240102030405", "2024-01-02T03:04:05.000Z"],
  ["Hmm d/M/y", "930 1/2/2024", "2024-02-01T09:30:00.000Z"],
])("adjacent numbers: %p reads %p as Java does (%p)", (pattern, text, expected) => {
  expect(read(pattern, text)).toBe(expected);
});

test("adjacent variable-width numbers are matched without backtracking: a 200-digit text fails at once", () => {
  // Each field but the last is a capture in a lookahead consumed by its back-reference (atomic): the
  // regex tried every split of the digits among the six fields before.
  const { regex } = compilePattern("yMdHms");
  expect(regex.source).toBe(
    "^(?=(\\d{1,19}))\\1(?=(\\d{1,19}))\\2(?=(\\d{1,19}))\\3(?=(\\d{1,19}))\\4(?=(\\d{1,19}))\\5(\\d{1,19})$",
  );
  expect(read("yMdHms", "1".repeat(200))).toBeNull();
  expect(read("yyyyMdHm", `+${"1".repeat(200)}`)).toBeNull();
});

test.each([
  ["yyyy-MM-dd HH:mm:ss.nnn", "2024-01-01 10:00:00.5", null],
  ["yyyy-MM-dd HH:mm:ss.nnn", "2024-01-01 10:00:00.500", 1704103200000000500n],
  ["yyyy-MM-dd HH:mm:ss.n", "2024-01-01 10:00:00.5", 1704103200000000005n],
])("nano-of-second %p needs as many digits as letters, as Java (%p: %p)", (pattern, text, expected) => {
  expect(parseWithPattern(compilePattern(pattern), text, zoneOf("UTC")!)).toBe(expected);
});
