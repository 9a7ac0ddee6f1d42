/**
 * instant.ts (iso-date-time.ts) against Java's own readings of ISO-8601 date-times
 * (test/fixtures/java-iso-instants/generate.sh recorded java-iso-instants.tsv on Java 17; srctime:
 * one-digit offsets, offsets with seconds or past ±18:00, `T24:00`, a comma for the decimal point, ten
 * fraction digits, a leap second, a signed year past 9999 were read otherwise than Java reads them;
 * srctime-b: zones in brackets Java knows refused (`[CET]`, `[GMT0]`, `[SystemV/EST5]`) and ones it
 * refuses read (`[utc]`, `[GMT+1]`, `[+01]`), `T24:00:00+01` and `2024-02-30T…` refused where
 * castorm's default reader reads them, `-0000` read, a year at Java's limit read past its local range).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { epochNanos } from "./instant.ts";
import { javaRegionIds } from "./java-zone-ids.ts";
import { api, commit, recordIds, startTask } from "./test-support.ts";
import { bracketZone, zoneOf, zoneProblem } from "./zone-id.ts";

const READERS = [
  "OffsetDateTime.parse",
  "ZonedDateTime.parse",
  "Instant.parse",
  "LocalDateTime.parse in UTC",
  "basic offset",
  "castorm's default reader",
];
const rows = readFileSync(
  join(import.meta.dir, "../../../test/fixtures/java-iso-instants/java-iso-instants.tsv"),
  "utf8",
)
  .split("\n")
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => {
    const [text, ...read] = line.split("\t");
    return { text: text!, read: read.map((r) => (r === "refused" ? null : BigInt(r))) };
  });

describe("an ISO-8601 date-time with a T is read as Java reads it", () => {
  test("the table has every reader's answer, a few hundred texts, both read and refused", () => {
    expect(rows.every((r) => r.read.length === READERS.length)).toBe(true);
    expect(rows.length).toBeGreaterThan(400);
    expect(rows.filter((r) => r.read.some((n) => n !== null)).length).toBeGreaterThan(150);
    expect(rows.filter((r) => r.read.every((n) => n === null)).length).toBeGreaterThan(150);
  });

  test("Java's readers that read a text name the same instant (so which one reads it does not matter)", () => {
    const split = rows.filter((r) => new Set(r.read.filter((n) => n !== null)).size > 1);
    expect(split).toEqual([]);
  });

  test.each(rows.map((r) => [r.text, r.read.find((n) => n !== null) ?? null] as const))("%p is %p ns", (text, ns) => {
    expect(epochNanos(text)).toBe(ns);
  });

  test("white space around a text is left out, as earlier releases read such texts (Java refuses them)", () => {
    const spaced = rows.filter(
      (r) => epochNanos(` ${r.text}\t`) !== epochNanos(r.text) || epochNanos(`${r.text} `) !== epochNanos(r.text),
    );
    expect(spaced.map((r) => r.text)).toEqual([]);
    expect(epochNanos("2024-01-02T03:04:05+01:00[CET] ")).toBe(epochNanos("2024-01-02T03:04:05+01:00"));
    expect(epochNanos("2024-01-02T03:04:05+01:00[Not/AZone] ")).toBeNull();
  });
});

describe("Java 17's zone IDs (java-zone-ids.ts, test/fixtures/java-zone-ids/generate.sh)", () => {
  const ids = [...javaRegionIds()];

  test("every region ID Java knows is read in brackets, case-sensitive", () => {
    expect(ids.length).toBeGreaterThan(600);
    expect(ids.filter((id) => bracketZone(id) === undefined)).toEqual([]);
    expect(ids.filter((id) => id !== id.toLowerCase() && bracketZone(id.toLowerCase()) !== undefined)).toEqual([]);
  });

  test("Intl computes the offsets of every one but SystemV/ IDs with daylight saving, whose rules Java alone has", () => {
    expect(ids.filter((id) => zoneOf(id) === undefined)).toEqual([
      "SystemV/AST4ADT",
      "SystemV/CST6CDT",
      "SystemV/EST5EDT",
      "SystemV/MST7MDT",
      "SystemV/PST8PDT",
      "SystemV/YST9YDT",
    ]);
    expect(zoneOf("SystemV/EST5")).toEqual({ region: "Etc/GMT+5" });
    expect(zoneProblem("SystemV/EST5EDT")).toContain("are not known here");
    expect(zoneProblem("EST")).toBe("Unknown time-zone ID: EST");
  });

  // srctime-c P3-5: java-zone-ids.ts is tzdata 2025a's; a Java update with newer tzdata knows more.
  test("a region of Intl's newer tzdata is read too, as Intl spells it", () => {
    expect(javaRegionIds().has("America/Coyhaique")).toBe(false);
    expect(Intl.supportedValuesOf("timeZone").filter((id) => zoneOf(id) === undefined)).toEqual([]);
    expect(zoneOf("America/Coyhaique")).toEqual({ region: "America/Coyhaique" });
    expect(zoneProblem("America/Coyhaique")).toBeUndefined();
    expect(bracketZone("America/Coyhaique")).toEqual({ region: "America/Coyhaique" });
    expect(epochNanos("2025-06-01T00:00:00-04:00[America/Coyhaique]")).toBe(epochNanos("2025-06-01T04:00:00Z"));
    expect(zoneProblem("america/coyhaique")).toBe(
      "Unknown time-zone ID: america/coyhaique (IDs are case-sensitive: America/Coyhaique)",
    );
  });
});

describe("a zone-less ISO-8601 date-time is read in castorm's parser zone", () => {
  const paris = zoneOf("Europe/Paris")!;
  test.each([
    // LocalDateTime.parse(text).atZone(ZoneId.of("Europe/Paris")).toInstant()
    ["2024-01-02T03:04:05", "2024-01-02T02:04:05Z"],
    ["2024-07-02T03:04:05.5", "2024-07-02T01:04:05.5Z"],
    ["2024-01-02T03:04", "2024-01-02T02:04:00Z"],
  ])("%p in Europe/Paris is %p", (text, utc) => {
    expect(epochNanos(text, paris)).toBe(epochNanos(utc));
  });

  test("a zone-less year past Date's range in a region zone is no timestamp; with an offset zone it is read", () => {
    expect(epochNanos("+300000-01-01T00:00:00", paris)).toBeNull();
    expect(epochNanos("+300000-01-01T00:00:00", zoneOf("+01:00")!)).toBe(epochNanos("+300000-01-01T00:00:00+01:00"));
  });
});

describe("an offset stored with a text Java refuses, which earlier releases read (srctime)", () => {
  const records = [
    { id: 1, ts: "2024-01-02T03:04:05Z" },
    { id: 2, ts: "2024-01-02T03:04:06Z" },
  ];

  test.each([
    "2024-01-02T03:04:05+19:00",
    "2024-01-02T24:00Z",
    "2024-01-02T03:04:05,5Z",
    "2024-01-02T03:04:05.1234567891Z",
  ])(
    "%p: the task starts with a WARN, asks the API from it, delivers what it answers (at least once) and moves to the newest",
    async (stored) => {
      expect(epochNanos(stored)).toBeNull();
      const asked: string[] = [];
      using server = api((_req, url) => {
        asked.push(url.searchParams.get("since") ?? "");
        return Response.json(records);
      });
      const url = `${server.base}/e?since=\${offset}`;
      const config = {
        "http.url": url,
        "http.response.records.path": "$[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.initial.offset": "2024-01-01T00:00:00Z",
        "http.timer.interval.ms": "1000",
      };
      const h = await startTask(config, {
        offsets: new Map([[JSON.stringify({ url }), { offset: stored, poll_time: 0 }]]),
      });
      const delivered = await h.collect(3, 2);
      expect(asked[0]).toBe(stored);
      // Record 1 may have been delivered before (it is before the instant earlier releases read): none is lost.
      expect(recordIds(delivered)).toEqual([1, 2]);
      expect(h.logs.filter((line) => line.includes("is no timestamp"))).toEqual([
        expect.stringContaining(
          `WARN [test-source|task-0] The stored offset ${JSON.stringify(stored)} is no timestamp (ISO-8601 or epoch)`,
        ),
      ]);
      commit(h, delivered);
      // Restarted from the offset committed: the position is the newest record's, nothing is delivered again.
      const restarted = await startTask(config, { offsets: h.offsets });
      expect(await restarted.collect(1, 10)).toEqual([]);
      expect(restarted.logs.filter((line) => line.includes("is no timestamp"))).toEqual([]);
      expect(asked.length).toBeGreaterThan(1);
      expect(asked.slice(1).every((since) => since === records[1]!.ts)).toBe(true);
    },
  );
});

// srctime-b P1: `[CET]`, `[GMT0]`, `[SystemV/EST5]` were refused, so their records were delivered at every
// poll (castorm reads them); P2: castorm's default reader reads `T24:00:00+01` and `2024-02-30T…Z`.
describe("records whose timestamps Java reads with a zone in brackets or castorm's default reader", () => {
  test("are delivered once: the next polls deliver none of them again", async () => {
    const records = [
      { id: 1, ts: "2024-01-02T03:04:05+01:00[CET]" },
      { id: 2, ts: "2024-01-02T03:04:05Z[GMT0]" },
      { id: 3, ts: "2024-01-02T03:04:05-05:00[SystemV/EST5]" },
      { id: 4, ts: "2024-02-30T03:04:05Z" },
      { id: 5, ts: "2024-12-31T24:00:00+01" },
    ];
    using server = api(() => Response.json(records));
    const h = await startTask({
      "http.url": `${server.base}/e?since=\${offset}`,
      "http.response.records.path": "$[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.initial.offset": "2024-01-01T00:00:00Z",
      "http.timer.interval.ms": "1000",
    });
    expect(recordIds(await h.collect(5, 2))).toEqual([1, 2, 3, 4, 5]);
    expect(await h.collect(1, 3)).toEqual([]);
    expect(h.logs.filter((line) => line.includes("no timestamp"))).toEqual([]);
  });
});
