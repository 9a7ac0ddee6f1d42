import { describe, expect, test } from "bun:test";
import { httpSourceConfig } from "./config.ts";
import { crossKeyErrors, parseHttpSourceConfig } from "./config-rules.ts";
import { isNewRecord, validateAlteredOffsets } from "./offsets.ts";
import { api, startTask } from "./test-support.ts";
import { instantReader, parserKeysForm } from "./timestamp-reader.ts";
import { validationOnlyProblems } from "./validation-only.ts";

const BASE = { "http.url": "http://127.0.0.1:1/e", "kafka.topic": "t" };
const readerOf = (keys: Record<string, string>) => instantReader(httpSourceConfig.parse({ ...BASE, ...keys }));
const iso = (ns: bigint | null) => (ns === null ? null : new Date(Number(ns / 1_000_000n)).toISOString());

describe("instantReader (castorm's timestamp parser keys)", () => {
  test("none set: the reading as before (ISO-8601, epoch seconds or milliseconds, Date.parse, zone-less in UTC)", () => {
    const read = readerOf({});
    expect(iso(read("2024-01-01T10:00:00"))).toBe("2024-01-01T10:00:00.000Z");
    expect(iso(read(1704103200))).toBe("2024-01-01T10:00:00.000Z");
    // A numeric date with the year last: month first, as earlier releases read it (a WARN says so once).
    expect(iso(read("01/07/2024 10:00:00"))).toBe("2024-01-07T10:00:00.000Z");
  });

  test("a zone Java 17 names as castorm's ZoneId.of reads it: CET, GMT0, SystemV/EST5 (srctime-b)", () => {
    expect(iso(readerOf({ "http.response.record.timestamp.parser.zone": "CET" })("2024-07-01T10:00:00"))).toBe(
      "2024-07-01T08:00:00.000Z",
    );
    expect(iso(readerOf({ "http.response.record.timestamp.parser.zone": "GMT0" })("2024-07-01T10:00:00"))).toBe(
      "2024-07-01T10:00:00.000Z",
    );
    expect(iso(readerOf({ "http.response.record.timestamp.parser.zone": "SystemV/EST5" })("2024-07-01T10:00:00"))).toBe(
      "2024-07-01T15:00:00.000Z",
    );
  });

  test("the zone alone: zone-less texts in it, a zone the text names kept", () => {
    const read = readerOf({ "http.response.record.timestamp.parser.zone": "Europe/Madrid" });
    expect(iso(read("2024-07-01T10:00:00"))).toBe("2024-07-01T08:00:00.000Z");
    expect(iso(read("2024/07/01 10:00:00"))).toBe("2024-07-01T08:00:00.000Z");
    expect(iso(read("2024-07-01T10:00:00Z"))).toBe("2024-07-01T10:00:00.000Z");
    expect(iso(read("2024-07-01T10:00:00 UTC"))).toBe("2024-07-01T10:00:00.000Z");
    expect(iso(read("Mon, 01 Jul 2024 10:00:00 GMT"))).toBe("2024-07-01T10:00:00.000Z");
  });

  test("a pattern: EpochMillisOrDelegateTimestampParser, an integer is epoch milliseconds, an ISO-8601 offset still read", () => {
    const read = readerOf({ "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss" });
    expect(iso(read("01/07/2024 10:00:00"))).toBe("2024-07-01T10:00:00.000Z");
    expect(iso(read("1704103200000"))).toBe("2024-01-01T10:00:00.000Z");
    expect(iso(read(1704103200))).toBe("1970-01-20T17:21:43.200Z");
    expect(iso(read("2024-07-01T00:00:00Z"))).toBe("2024-07-01T00:00:00.000Z");
    expect(read("2024/07/01 10:00:00")).toBeNull();
    expect(read("n/a")).toBeNull();
  });

  test("each castorm parser class, with or without its package", () => {
    const pkg = "com.github.castorm.kafka.connect.http.response.timestamp.";
    const formatter = readerOf({ "http.response.record.timestamp.parser": `${pkg}DateTimeFormatterTimestampParser` });
    // castorm's default pattern yyyy-MM-dd'T'HH:mm:ss[.SSS]X; no epoch numbers.
    expect(iso(formatter("2024-01-01T10:00:00.123+01"))).toBe("2024-01-01T09:00:00.123Z");
    expect(formatter("1704103200000")).toBeNull();
    const millis = readerOf({ "http.response.record.timestamp.parser": "EpochMillisTimestampParser" });
    expect(iso(millis("1704103200000"))).toBe("2024-01-01T10:00:00.000Z");
    expect(iso(millis("2024-01-01T10:00:00Z"))).toBe("2024-01-01T10:00:00.000Z"); // the ISO-8601 offset form
    const regex = readerOf({
      "http.response.record.timestamp.parser": "RegexTimestampParser",
      "http.response.record.timestamp.parser.regex": "updated (\\S+ \\S+) by",
      "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd HH:mm",
    });
    expect(iso(regex("updated 2024-01-01 10:00 by alice"))).toBe("2024-01-01T10:00:00.000Z");
    expect(regex("created by bob")).toBeNull();
    // EpochMillisOrDelegateTimestampParser's delegate (castorm's http.response.record.timestamp.parser.delegate).
    const delegated = readerOf({
      "http.response.record.timestamp.parser.delegate": "RegexTimestampParser",
      "http.response.record.timestamp.parser.regex": "at (.+)$",
      "http.response.record.timestamp.parser.regex.delegate": "DateTimeFormatterTimestampParser",
      "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm",
    });
    expect(iso(delegated("seen at 02/07/2024 10:00"))).toBe("2024-07-02T10:00:00.000Z");
    expect(iso(delegated("1704103200000"))).toBe("2024-01-01T10:00:00.000Z");
  });

  test("TIMESTAMP offsets compare by it: a record after the offset in the pattern's reading is new", () => {
    const read = readerOf({ "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss" });
    // Day first: 03/06 (June 3rd) is before 02/07 (July 2nd); Date.parse reads March 6th and February 7th.
    expect(isNewRecord("TIMESTAMP", "02/07/2024 00:00:00", "03/06/2024 00:00:00", null, undefined, read)).toBe(false);
    expect(isNewRecord("TIMESTAMP", "02/07/2024 00:00:00", "03/06/2024 00:00:00")).toBe(true);
  });
});

describe("validation of the timestamp parser keys", () => {
  const problems = (keys: Record<string, string>) => {
    const raw = { ...BASE, ...keys };
    const perKey = httpSourceConfig.validate(raw);
    const found = [...perKey].flatMap(([key, v]) => v.errors.map((message) => ({ key, message })));
    if (found.length === 0) found.push(...crossKeyErrors(parseHttpSourceConfig(raw)), ...validationOnlyProblems(raw));
    return found;
  };

  test("a castorm config's keys pass; a bad pattern, zone, parser or regex is refused on its key", () => {
    expect(
      problems({
        "http.response.record.timestamp.parser":
          "com.github.castorm.kafka.connect.http.response.timestamp.EpochMillisOrDelegateTimestampParser",
        "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd HH:mm:ss",
        "http.response.record.timestamp.parser.zone": "America/New_York",
      }),
    ).toEqual([]);
    const refused = (keys: Record<string, string>) => problems(keys).map((p) => p.key);
    expect(refused({ "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd Q" })).toEqual([
      "http.response.record.timestamp.parser.pattern",
    ]);
    expect(refused({ "http.response.record.timestamp.parser.zone": "Mars/Olympus" })).toEqual([
      "http.response.record.timestamp.parser.zone",
    ]);
    // srctime-b: castorm's ZoneId.of (Java 17) accepts these; they were refused as unknown.
    for (const zone of ["CET", "GMT0", "SystemV/EST5", "PRC", "UTC+01"])
      expect([zone, problems({ "http.response.record.timestamp.parser.zone": zone })]).toEqual([zone, []]);
    // And refuses these, which were accepted (Intl reads IDs case-insensitively).
    for (const zone of ["utc", "europe/madrid", "Cet"])
      expect([zone, refused({ "http.response.record.timestamp.parser.zone": zone })]).toEqual([
        zone,
        ["http.response.record.timestamp.parser.zone"],
      ]);
    expect(problems({ "http.response.record.timestamp.parser.zone": "SystemV/EST5EDT" })[0]!.message).toContain(
      "its own daylight saving rules, of 1976",
    );
    expect(problems({ "http.response.record.timestamp.parser": "NattyTimestampParser" })[0]!.message).toContain(
      "natural-language dates are not read here",
    );
    expect(refused({ "http.response.record.timestamp.parser.regex": "no group" })).toEqual([
      "http.response.record.timestamp.parser.regex",
    ]);
    expect(refused({ "http.response.record.timestamp.parser": "RegexTimestampParser" })).toEqual([
      "http.response.record.timestamp.parser.regex",
    ]);
    // EpochMillisOrDelegate → Regex → EpochMillisOrDelegate → …: the reader overflowed its stack (the
    // task failed at start, validation with a TIMESTAMP initial offset threw).
    const loop = {
      "http.response.record.timestamp.parser.delegate": "RegexTimestampParser",
      "http.response.record.timestamp.parser.regex": "at (.+)$",
      "http.response.record.timestamp.parser.regex.delegate": "EpochMillisOrDelegateTimestampParser",
    };
    for (const parser of <Record<string, string>[]>[
      {},
      { "http.response.record.timestamp.parser": "RegexTimestampParser" },
    ]) {
      const keys = { ...loop, ...parser, "http.offset.mode": "TIMESTAMP", "http.offset.field": "ts" };
      expect(refused({ ...keys, "http.initial.offset": "2024-01-01T00:00:00Z" })).toEqual([
        "http.response.record.timestamp.parser.delegate",
      ]);
      expect(iso(readerOf(keys)("2024/07/01 10:00:00"))).toBe("2024-07-01T10:00:00.000Z");
    }
    expect(refused({ ...loop, "http.response.record.timestamp.parser": "EpochMillisTimestampParser" })).toEqual([]);
  });

  test("a config stored while these keys were ignored, with a value validation refuses, reads its timestamps as before", () => {
    for (const keys of <Record<string, string>[]>[
      { "http.response.record.timestamp.parser": "NattyTimestampParser" },
      { "http.response.record.timestamp.parser.pattern": "yyyy-DDD HH:mm" },
      { "http.response.record.timestamp.parser": "RegexTimestampParser" },
    ]) {
      expect(problems(keys)).toHaveLength(1);
      expect(iso(readerOf(keys)("2024/07/01 10:00:00"))).toBe("2024-07-01T10:00:00.000Z");
    }
    // A valid zone still applies (README: the upgrade note).
    const zoned = {
      "http.response.record.timestamp.parser": "NattyTimestampParser",
      "http.response.record.timestamp.parser.zone": "Europe/Madrid",
    };
    expect(iso(readerOf(zoned)("2024/07/01 10:00:00"))).toBe("2024-07-01T08:00:00.000Z");
  });

  // srctime-d P2: a zone earlier releases read (Intl, case-insensitively) and Java refuses is read as they
  // read it, the pattern with it: UTC moved its timestamps by 1-2 hours against the stored offsets.
  test("a stored config with a zone Java refuses that earlier releases read reads as they did, its pattern too", () => {
    const keys = {
      "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm",
      "http.response.record.timestamp.parser.zone": "europe/madrid",
    };
    expect(validationOnlyProblems({ ...BASE, ...keys })).toEqual([
      {
        key: "http.response.record.timestamp.parser.zone",
        message: "Unknown time-zone ID: europe/madrid (IDs are case-sensitive: Europe/Madrid)",
        runsAs: "is read as before, the other timestamp parser keys with it",
      },
    ]);
    expect(iso(readerOf(keys)("05/06/2024 10:00"))).toBe("2024-06-05T08:00:00.000Z");
    expect(iso(readerOf(keys)("2024-06-05T10:00:00"))).toBe("2024-06-05T08:00:00.000Z");
    expect(parserKeysForm(httpSourceConfig.parse({ ...BASE, ...keys }))).toBe(
      'epoch milliseconds or the pattern "dd/MM/yyyy HH:mm" (EpochMillisOrDelegateTimestampParser)',
    );
  });

  // srctime-d P1: a zone earlier releases refused too leaves the parser keys unread, as there (README).
  test.each(["EST", "Foo/Bar", "SystemV/EST5EDT"])(
    "a stored config with the zone %p, which earlier releases refused too, reads its timestamps as before",
    (zone) => {
      const keys = {
        "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm",
        "http.response.record.timestamp.parser.zone": zone,
      };
      expect(validationOnlyProblems({ ...BASE, ...keys }).map((p) => [p.key, p.runsAs])).toEqual([
        ["http.response.record.timestamp.parser.zone", undefined],
      ]);
      // Month first, in UTC, as Date.parse reads it: the pattern (day first) is not read.
      expect(iso(readerOf(keys)("01/07/2024 10:00"))).toBe("2024-01-07T10:00:00.000Z");
      expect(parserKeysForm(httpSourceConfig.parse({ ...BASE, ...keys }))).toBeUndefined();
    },
  );

  test("http.initial.offset and offsets set through REST are read by the configured parser", () => {
    const keys = {
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss",
    };
    expect(problems({ ...keys, "http.initial.offset": "01/07/2024 10:00:00" })).toEqual([]);
    expect(problems({ ...keys, "http.initial.offset": "2024-07-01T10:00:00Z" })).toEqual([]);
    expect(problems({ ...keys, "http.initial.offset": "2024/07/01" }).map((p) => p.key)).toEqual([
      "http.initial.offset",
    ]);
    const offsets = [{ partition: { url: "http://x" }, offset: { offset: "01/07/2024 10:00:00" } }];
    expect(() => validateAlteredOffsets("TIMESTAMP", offsets, { read: readerOf(keys) })).not.toThrow();
  });
});

test("the task skips records not newer than the offset in the pattern's reading and zone", async () => {
  const events = [
    { id: 1, ts: "01/07/2024 09:00:00" },
    { id: 2, ts: "02/07/2024 01:30:00" },
  ];
  using server = api(() => Response.json(events));
  const { task } = await startTask({
    "http.url": `${server.base}/e`,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
    "http.initial.offset": "2024-07-01T22:00:00Z",
    "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss",
    "http.response.record.timestamp.parser.zone": "Europe/Madrid",
  });
  const records = (await task.poll(new AbortController().signal)) ?? [];
  expect(records.map((r) => JSON.parse(String(r.value)).id)).toEqual([2]);
  expect(records.at(-1)!.sourceOffset!.offset).toBe("02/07/2024 01:30:00");
  task.stop();
});

// srctime-d P1: the pattern read with a zone earlier releases refused re-delivered (or skipped) records.
test("a stored config with the zone EST delivers nothing newer than the stored offset in the earlier reading", async () => {
  // Month first (keys unread): the offset is December 1, the record May 6 (day first it would be June 5, after January 12).
  using server = api(() => Response.json([{ id: 1, ts: "05/06/2024 10:00" }]));
  const url = `${server.base}/e`;
  const h = await startTask(
    {
      "http.url": url,
      "http.response.records.path": "$[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm",
      "http.response.record.timestamp.parser.zone": "EST",
    },
    { offsets: new Map([[JSON.stringify({ url }), { offset: "12/01/2024 10:00", poll_time: 0 }]]) },
  );
  expect((await h.task.poll(new AbortController().signal)) ?? []).toEqual([]);
  h.task.stop();
});

test("a record's timestamp beyond the years a JavaScript date holds is not a timestamp: the poll goes on, the record delivered", async () => {
  // Year 300000 in the pattern's reading, and the last day a Date holds in a region zone: each threw a
  // RangeError out of the poll (the task failed, and again at each restart on the same page).
  const events = [
    { id: 1, ts: "300000-01-01 00:00:00" },
    { id: 2, ts: "02/07/2024 01:30:00" },
  ];
  using server = api(() => Response.json(events));
  const { task } = await startTask({
    "http.url": `${server.base}/e`,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
    "http.initial.offset": "2024-07-01T22:00:00Z",
    "http.response.record.timestamp.parser.pattern": "[yyyy-MM-dd][dd/MM/yyyy] HH:mm:ss",
    "http.response.record.timestamp.parser.zone": "Europe/Madrid",
  });
  const records = (await task.poll(new AbortController().signal)) ?? [];
  expect(records.map((r) => JSON.parse(String(r.value)).id)).toEqual([1, 2]);
  expect(records.at(-1)!.sourceOffset!.offset).toBe("02/07/2024 01:30:00");
  task.stop();
  expect(
    readerOf({ "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd HH:mm:ss" })("300000-01-01 00:00:00"),
  ).toBeNull();
  const madrid = readerOf({ "http.response.record.timestamp.parser.zone": "Europe/Madrid" });
  expect(iso(madrid("Sep 13 275760 00:00:00"))).toBe("+275760-09-12T22:00:00.000Z");
});
