import { describe, expect, test } from "bun:test";
import { materialized } from "../../api/data/json-text.ts";
import { epochNanos } from "./instant.ts";
import { compareOffsets, isNewRecord } from "./offsets.ts";
import { api, startTask } from "./test-support.ts";

const MS = 1_000_000n;
const at = (iso: string) => BigInt(Date.parse(iso)) * MS;

describe("epochNanos", () => {
  test.each([
    ["2024-06-01T10:00:00Z", at("2024-06-01T10:00:00Z")],
    ["2024-06-01T10:00:00.123456789Z", at("2024-06-01T10:00:00Z") + 123_456_789n],
    // Ten fraction digits: Java refuses them after a T (srctime); in another form digits past the ninth are dropped.
    ["2024-06-01T10:00:00.1234567891Z", null],
    ["2024-06-01 10:00:00.1234567891Z", at("2024-06-01T10:00:00Z") + 123_456_789n],
    ["2024-06-01T10:00:00.5Z", at("2024-06-01T10:00:00Z") + 500_000_000n],
    ["2024-06-01T12:00:00.000001+02:00", at("2024-06-01T10:00:00Z") + 1_000n],
    ["1960-01-01T00:00:00.25Z", at("1960-01-01T00:00:00Z") + 250_000_000n],
    ["2024-06-01", at("2024-06-01T00:00:00Z")],
    ["Sat, 01 Jun 2024 10:00:00 GMT", at("2024-06-01T10:00:00Z")],
    ["1717236000", 1_717_236_000_000_000_000n],
    [1717236000, 1_717_236_000_000_000_000n],
    ["1717236000.000000123", 1_717_236_000_000_000_123n],
    [1717236000.5, 1_717_236_000_500_000_000n],
    ["1717236000123", 1_717_236_000_123_000_000n],
    ["1717236000123.456", 1_717_236_000_123_456_000n],
    ["-1.5", -1_500_000_000n],
    ["not a time", null],
    // Date.parse reads these (2001-03-01, 2024-01-01, 2021-01-01, 2003-01-02): no year and month, no date.
    ["page 3", null],
    ["token-2024", null],
    ["next 2021", null],
    ["1 2 3", null],
    ["March 2021", at("2021-03-01T00:00:00Z")],
    ["2024.01.31", at("2024-01-31T00:00:00Z")],
    // Days the month does not have: Date.parse rolled them over (2024-03-01), Java's Instant.parse refuses them;
    // castorm's default record reader (`yyyy-MM-dd'T'HH:mm:ss[.SSS]X`, SMART) reads the month's last day (srctime-b).
    ["2024-02-29T10:00:00Z", at("2024-02-29T10:00:00Z")],
    ["2024-02-30T10:00:00Z", at("2024-02-29T10:00:00Z")],
    ["2024-02-30T10:00:00", null],
    ["2024-02-30 10:00:00Z", null],
    ["2023-02-29", null],
    ["2024-04-31 10:00:00", null],
    ["2024-12-31T23:59:59Z", at("2024-12-31T23:59:59Z")],
    ["2024-00-10T00:00:00Z", null],
    // Java's ZonedDateTime.toString: the offset names the instant (auditsrc P3d: no timestamp before).
    ["2024-06-01T10:00:00Z[UTC]", at("2024-06-01T10:00:00Z")],
    ["2024-06-01T12:00:00.5+02:00[Europe/Paris]", at("2024-06-01T10:00:00Z") + 500_000_000n],
    ["2024-06-01T10:00:00[Europe/Paris]", null],
    ["", null],
    [null, null],
  ] as const)("%p is %p ns", (value, ns) => {
    expect(epochNanos(value)).toBe(ns);
  });
});

describe("the forms read without a timestamp parser pattern (srcp3)", () => {
  test.each([
    // A numeric date with the year last: month first, as Date.parse reads it and earlier releases did
    // (page-warnings.ts says so once; the pattern key reads it day first). No month 31: no timestamp.
    ["01/02/2024", at("2024-01-02T00:00:00Z")],
    ["1/2/2024 10:00", at("2024-01-02T10:00:00Z")],
    ["01.02.2024", at("2024-01-02T00:00:00Z")],
    ["01-02-2024", at("2024-01-02T00:00:00Z")],
    ["12/31/2024", at("2024-12-31T00:00:00Z")],
    ["01/02/2024 10:00:00 GMT", at("2024-01-02T10:00:00Z")],
    ["31/12/2024", null],
    // The year first: read as ISO-8601's order.
    ["2024/01/02", at("2024-01-02T00:00:00Z")],
    ["2024.01.02 03:04", at("2024-01-02T03:04:00Z")],
    // Month names and ISO without seconds or with a space.
    ["Tue Jan 02 2024", at("2024-01-02T00:00:00Z")],
    ["02 Jan 2024", at("2024-01-02T00:00:00Z")],
    ["2024-01-02 03:04", at("2024-01-02T03:04:00Z")],
    // An ISO date-time with a zone after a space (Date.parse reads only the form with a space for the T).
    ["2024-01-02T03:04:05 UTC", at("2024-01-02T03:04:05Z")],
    ["2024-01-02T03:04:05 GMT", at("2024-01-02T03:04:05Z")],
    ["2024-01-02T03:04:05 Z", at("2024-01-02T03:04:05Z")],
    ["2024-01-02T03:04:05.250 UTC", at("2024-01-02T03:04:05Z") + 250_000_000n],
    ["2024-01-02T03:04:05 +02:00", at("2024-01-02T01:04:05Z")],
    ["2024-01-02 03:04:05 UTC", at("2024-01-02T03:04:05Z")],
    // A numeric offset of one or two digits alone is hours, also after a space; `+2:30` hours and minutes.
    ["2024-01-02T03:04:05 +2", at("2024-01-02T01:04:05Z")],
    ["2024-01-02T03:04:05 -2", at("2024-01-02T05:04:05Z")],
    ["2024-01-02T03:04:05 +02", at("2024-01-02T01:04:05Z")],
    ["2024-01-02T03:04:05.5 +2", at("2024-01-02T01:04:05Z") + 500_000_000n],
    ["2024-01-02T03:04:05 +2:30", at("2024-01-02T00:34:05Z")],
    ["2024-01-02 03:04:05 +2", at("2024-01-02T01:04:05Z")],
    ["2024/01/02 03:04:05 +2", at("2024-01-02T01:04:05Z")],
    ["Jan 2, 2024 03:04:05 -2", at("2024-01-02T05:04:05Z")],
  ] as const)("%p is %p ns", (value, ns) => {
    expect(epochNanos(value)).toBe(ns);
  });
});

describe("an ISO-8601 offset of hours alone after a T, `+hh` (srcp5)", () => {
  // Java's OffsetDateTime.parse (ISO_OFFSET_DATE_TIME) reads `2024-01-02T03:04:05+01` as 02:04:05Z;
  // it was no timestamp here while the same text with a space for the T was read.
  test.each([
    ["2024-01-02T03:04:05+01", "2024-01-02 03:04:05+01", at("2024-01-02T02:04:05Z")],
    ["2024-01-02T03:04:05-01", "2024-01-02 03:04:05-01", at("2024-01-02T04:04:05Z")],
    ["2024-01-02T03:04:05+00", "2024-01-02 03:04:05+00", at("2024-01-02T03:04:05Z")],
    ["2024-01-02T03:04+01", "2024-01-02 03:04+01", at("2024-01-02T02:04:00Z")],
    ["2024-01-02t03:04:05+01", "2024-01-02 03:04:05+01", at("2024-01-02T02:04:05Z")],
    ["2024-01-02T03:04:05.123456789+01", "2024-01-02 03:04:05.123456789+01", at("2024-01-02T02:04:05Z") + 123_456_789n],
    ["2024-01-02T03:04:05+01[Europe/Paris]", "2024-01-02 03:04:05+01", at("2024-01-02T02:04:05Z")],
  ] as const)("%p is read as %p", (t, spaced, ns) => {
    expect(epochNanos(t)).toBe(ns);
    expect(epochNanos(spaced)).toBe(ns);
    expect(epochNanos(t.replace(/([+-]\d{2})(\[.*)?$/, "$1:00$2"))).toBe(ns);
  });

  test.each([
    // Forms read before are read as before (a stored offset must not move on upgrade).
    ["2024-01-02T03:04:05+0100", at("2024-01-02T02:04:05Z")],
    ["2024-01-02T03:04:05+01:30", at("2024-01-02T01:34:05Z")],
    ["2024-01-02 03:04:05+1", at("2024-01-02T02:04:05Z")],
    // Neither ISO-8601 nor Java (OffsetDateTime.parse refuses them): still no timestamp.
    ["2024-01-02T03:04:05+1", null],
    ["2024-01-02T03:04:05+012", null],
    ["2024-01-02T03:04:05+25", null],
    // A comma for the decimal point: Java refuses it after a T (srctime), the form with a space is Date.parse's.
    ["2024-01-02T03:04:05,5-01", null],
    ["2024-01-02 03:04:05,5-01", at("2024-01-02T04:04:05Z") + 500_000_000n],
    ["2024-02-30T03:04:05+01", at("2024-02-29T02:04:05Z")],
  ] as const)("%p is %p ns", (value, ns) => {
    expect(epochNanos(value)).toBe(ns);
  });
});

describe("a timestamp without a zone is UTC (castorm's parser zone), whatever the host's TZ", () => {
  /** Runs `body` with the process in `zone` (a DST zone one hour east of UTC in winter). */
  async function inZone(zone: string, body: () => Promise<void> | void) {
    const before = Intl.DateTimeFormat().resolvedOptions().timeZone;
    process.env.TZ = zone;
    try {
      await body();
    } finally {
      process.env.TZ = before;
    }
  }

  test("an ISO date-time without a zone reads as the same text with Z", () =>
    inZone("Europe/Berlin", () => {
      for (const text of ["2024-01-01T01:00:00", "2024-01-01 01:00:00", "2024-01-01T01:00", "2024-01-01T01:00:00.25"])
        expect([text, epochNanos(text)]).toEqual([text, epochNanos(`${text.replace(" ", "T")}Z`)]);
      // The hour a local clock skips (Berlin, 2024-03-31 02:00 → 03:00) names two instants, not one.
      expect(isNewRecord("TIMESTAMP", "2024-03-31T02:30:00", "2024-03-31T03:30:00")).toBe(true);
    }));

  test("any other text without a zone (slashes, RFC 1123 without GMT, month names) is UTC too; a zone it names is kept", () =>
    inZone("Europe/Berlin", () => {
      const ten = at("2024-01-01T10:00:00Z");
      for (const text of [
        "2024/01/01 10:00:00",
        "01/01/2024 10:00:00",
        "Jan 1, 2024 10:00:00",
        "Mon, 01 Jan 2024 10:00:00",
        "2024/01/01 10:00:00.250",
        "2024/01/01 10:00:00 AM",
      ])
        expect([text, epochNanos(text)]).toEqual([text, text.endsWith(".250") ? ten + 250_000_000n : ten]);
      expect(epochNanos("2024/01/01")).toBe(at("2024-01-01T00:00:00Z"));
      for (const [text, iso] of [
        ["Mon, 01 Jan 2024 10:00:00 GMT", "2024-01-01T10:00:00Z"],
        ["Mon, 01 Jan 2024 10:00:00 +0100", "2024-01-01T09:00:00Z"],
        ["2024/01/01 10:00:00 -05:00", "2024-01-01T15:00:00Z"],
        ["Mon, 01 Jan 2024 10:00:00 EST", "2024-01-01T15:00:00Z"],
        ["Mon Jan 01 2024 10:00:00 GMT+0200 (CEST)", "2024-01-01T08:00:00Z"],
        ["2024/01/01 10:00:00Z", "2024-01-01T10:00:00Z"],
      ] as const)
        expect([text, epochNanos(text)]).toEqual([text, at(iso)]);
    }));

  test("records without a zone after an initial offset with Z are delivered on a host east of UTC", () =>
    inZone("Europe/Berlin", async () => {
      using server = api(() => Response.json([{ id: 1, ts: "2024-01-01T00:30:00" }]));
      const h = await startTask({
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.initial.offset": "2024-01-01T00:00:00Z",
      });
      expect(await h.collect(1, 2)).toHaveLength(1);
    }));

  // Upgrade path: the stored offset is the record's own text, so an offset an earlier version stored
  // from records without a zone compares with them as before (both read in the same zone).
  test.each(["Europe/Berlin", "America/New_York"])(
    "in %s, an offset stored without a zone before the change keeps its place: a restart neither skips nor re-reads",
    (zone) =>
      inZone(zone, async () => {
        const ts = ["2024-01-01T09:59:59", "2024-01-01T10:00:00", "2024-01-01T10:00:01"];
        using server = api(() => Response.json(ts.map((t, id) => ({ id, ts: t }))));
        const url = `${server.base}/e`;
        const offsets = new Map([
          [JSON.stringify({ url }), { offset: ts[1], poll_time: 0 } as Record<string, unknown>],
        ]);
        const h = await startTask(
          {
            "http.url": url,
            "http.response.records.path": "$[*]",
            "http.offset.mode": "TIMESTAMP",
            "http.offset.field": "ts",
            "http.initial.offset": "2024-01-01T00:00:00Z",
          },
          { offsets },
        );
        const delivered = await h.collect(3, 2);
        expect(delivered.map((r) => (materialized(r.value) as { ts: string }).ts)).toEqual([ts[2]!]);
      }),
  );
});

describe("TIMESTAMP offsets compare exact instants (review P1.3)", () => {
  test.each([
    ["2024-06-01T10:00:00.123999Z", "2024-06-01T10:00:00.123456Z", 1],
    ["2024-06-01T10:00:00.123456001Z", "2024-06-01T10:00:00.123456Z", 1],
    ["2024-06-01T10:00:00.123456Z", "2024-06-01T10:00:00.123456000Z", 0],
    ["2024-06-01T12:00:00.123456+02:00", "2024-06-01T10:00:00.123457Z", -1],
    ["2024-06-01T10:00:00.1234567Z", "2024-06-01T10:00:00.123456700+00:00", 0],
  ])("%s vs %s: %d", (a, b, order) => {
    expect(Math.sign(compareOffsets(a, b))).toBe(order);
  });

  test("a record microseconds after the stored offset is new; one at the same instant is not", async () => {
    const stored = "2024-06-01T10:00:00.123456Z";
    expect(isNewRecord("TIMESTAMP", stored, "2024-06-01T10:00:00.123999Z")).toBe(true);
    using server = api(() =>
      Response.json([
        { id: 1, ts: "2024-06-01T10:00:00.123Z" },
        { id: 2, ts: "2024-06-01T10:00:00.123456Z" },
        { id: 3, ts: "2024-06-01T10:00:00.123999Z" },
        { id: 4, ts: "2024-06-01T12:00:00.1234561+02:00" },
      ]),
    );
    const h = await startTask({
      "http.url": `${server.base}/e?since=\${offset}`,
      "http.response.records.path": "$[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.initial.offset": stored,
    });
    const records = await h.collect(3, 2);
    expect(records.map((r) => (r.value as { text: string }).text)).toEqual([
      '{"id":3,"ts":"2024-06-01T10:00:00.123999Z"}',
      '{"id":4,"ts":"2024-06-01T12:00:00.1234561+02:00"}',
    ]);
    expect(records.at(-1)!.sourceOffset!.offset).toBe("2024-06-01T10:00:00.123999Z");
  });
});
