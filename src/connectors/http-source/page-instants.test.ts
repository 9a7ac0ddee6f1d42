import { describe, expect, test } from "bun:test";
import type { Clock } from "../../util/clock.ts";
import { LogManager } from "../../util/logger.ts";
import { RepeatLimiter } from "../../util/repeat-limiter.ts";
import { epochNanos } from "./instant.ts";
import type { OffsetValue } from "./offsets.ts";
import { ComparedInstants } from "./page-instants.ts";
import { PageWarnings } from "./page-warnings.ts";
import { firstPage, paginationSettings } from "./pagination.ts";
import { newRun, pageRecords, pageRecordsOptions, readPage } from "./poll-run.ts";
import { recordTimesOf } from "./record-timestamp.ts";
import { keyFingerprint } from "./records.ts";
import { PAGE_URL as base, pageConfig } from "./test-support.ts";
import type { InstantReader } from "./timestamp-reader.ts";

const clock = { now: () => 0 } as unknown as Clock;

/** epochNanos, noting every value it is asked for. */
function countingReader() {
  const asked: OffsetValue[] = [];
  const read = (value: OffsetValue) => {
    asked.push(value);
    return epochNanos(value);
  };
  return { asked, read };
}

describe("a TIMESTAMP page's offset fields are read as instants once", () => {
  const config = pageConfig({
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "ts",
    "http.record.key.field": "id",
  });
  const fields: OffsetValue[] = [
    "2024-01-01T00:00:00Z", // the run's own offset: new, its key not seen at that instant
    "2024-01-02T00:00:00Z",
    "n/a", // no timestamp: new, and a WARN
    "01/03/2024 00:00:00", // month first (January 3), and a WARN
    "2023-12-31T00:00:00Z", // before the offset: not new
    1704326400, // epoch seconds, 2024-01-04: the best
  ];
  const items = fields.map((ts, i) => ({ id: String(i + 1), ts }));
  const body = new TextEncoder().encode(JSON.stringify({ data: items }));

  test("by pageContent: PageWarnings and pageRecords read none again, the run's offset is read once; the same records, offset and WARNs", async () => {
    const { asked, read } = countingReader();
    const o = { ...pageRecordsOptions(config, clock), instant: read };
    const p = paginationSettings(config);
    const run = newRun({ wall: 0, monotonic: 0 }, base, "2024-01-01T00:00:00Z", [], firstPage(p, base));
    const { page, json } = await readPage({ status: 200, headers: new Headers(), body }, run, o, p);
    expect(asked).toEqual(fields);
    expect(page.instants).toEqual(fields.map((f) => epochNanos(f)));

    const logs: string[] = [];
    const log = new LogManager({ sink: (line) => logs.push(line) }).get("test");
    new PageWarnings(o, log, new RepeatLimiter(() => 0, 60_000)).observe(`GET ${base}`, json, page);
    const made = await pageRecords(run, page, o);

    expect(asked).toEqual([...fields, "2024-01-01T00:00:00Z"]);
    expect(made.records.map((r) => r.key)).toEqual(["1", "2", "3", "4", "6"]);
    expect({ best: made.best, bestSeen: made.bestSeen }).toEqual({ best: 1704326400, bestSeen: [keyFingerprint("6")] });
    expect(logs.map((l) => l.slice(l.indexOf("http.offset.field")))).toEqual([
      `http.offset.field ts is no timestamp (ISO-8601 or epoch) in 1 of 6 records of GET ${base}, such as "n/a": they are delivered at every poll and do not move the offset (test)`,
      `http.offset.field ts holds a numeric date with the year last, such as "01/03/2024 00:00:00" in a record of GET ${base}: without http.response.record.timestamp.parser.pattern it is read month first (MM/dd/yyyy); if the API means the day first, set http.response.record.timestamp.parser.pattern to its form (dd/MM/yyyy, dd/MM/yyyy HH:mm:ss). Said once a task run (test)`,
    ]);
  });

  /** The page's records with a timestamp pointer at the offset field: the page read by `read`, the record times by `times`. */
  async function pointedRecords(read: InstantReader, times: InstantReader) {
    const pointed = pageConfig({
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.record.key.field": "id",
      "http.response.record.timestamp.pointer": "/ts",
      "http.response.list.order.direction": "ASC",
    });
    const now = { now: () => Date.UTC(2025, 0, 1) } as unknown as Clock;
    const o = { ...pageRecordsOptions(pointed, now), instant: read, recordTimes: recordTimesOf(pointed, times) };
    const p = paginationSettings(pointed);
    const run = newRun({ wall: 0, monotonic: 0 }, base, "2024-01-01T00:00:00Z", [], firstPage(p, base));
    const { page } = await readPage({ status: 200, headers: new Headers(), body }, run, o, p);
    return (await pageRecords(run, page, o)).records;
  }

  test("a timestamp pointer at the offset field: the records' Kafka timestamps read none again", async () => {
    const { asked, read } = countingReader();
    const records = await pointedRecords(read, read);
    expect(asked).toEqual([...fields, "2024-01-01T00:00:00Z"]);
    // Each record's timestamp is its field's instant (the poll's time for "n/a").
    expect(records.map((r) => r.timestamp)).toEqual([
      Date.UTC(2024, 0, 1),
      Date.UTC(2024, 0, 2),
      Date.UTC(2025, 0, 1),
      Date.UTC(2024, 0, 3),
      Date.UTC(2024, 0, 4),
    ]);
  });

  test("record times built with another reader read the pointer's values themselves", async () => {
    // Reads each value a day later than the page's reader does.
    const dayLater = (value: OffsetValue) => {
      const at = epochNanos(value);
      return at === null ? null : at + 86_400_000_000_000n;
    };
    const times = (await pointedRecords(epochNanos, epochNanos)).map((r) => r.timestamp);
    const later = (await pointedRecords(epochNanos, dayLater)).map((r) => r.timestamp);
    const poll = Date.UTC(2025, 0, 1);
    expect(times).toContain(poll);
    expect(later).toEqual(times.map((t) => (t === poll ? poll : t! + 86_400_000)));
  });

  /** A page read in `mode` (body: `pageBody`) from `offset`, by a reader noting what it is asked. */
  async function countedPage(mode: string, offset: OffsetValue, pageBody: Uint8Array = body) {
    const other = pageConfig({ "http.offset.mode": mode, "http.offset.field": "ts" });
    const { asked, read } = countingReader();
    const o = { ...pageRecordsOptions(other, clock), instant: read };
    const p = paginationSettings(other);
    const run = newRun({ wall: 0, monotonic: 0 }, base, offset, null, firstPage(p, base));
    const { page } = await readPage({ status: 200, headers: new Headers(), body: pageBody }, run, o, p);
    return { asked, page, records: () => pageRecords(run, page, o) };
  }

  test("not in mode NONE", async () => {
    const { asked, page } = await countedPage("NONE", null);
    expect(page.instants).toBeUndefined();
    expect(asked).toEqual([]);
  });

  test("CURSOR, a page of timestamps: pageContent reads each field once, pageRecords only the cursor the page starts from", async () => {
    const times = fields.filter((f) => f !== "n/a");
    const timesBody = new TextEncoder().encode(JSON.stringify({ data: times.map((ts) => ({ ts })) }));
    const { asked, page, records } = await countedPage("CURSOR", "2024-01-01T00:00:00Z", timesBody);
    expect(page.instants).toBeUndefined();
    expect(asked).toEqual(times);
    const made = await records();
    expect(asked).toEqual([...times, "2024-01-01T00:00:00Z"]);
    // The newest instant (epoch seconds, 2024-01-04), though not the last record's.
    expect(made.best).toBe(1704326400);
    expect(made.records).toHaveLength(times.length);
  });

  test("CURSOR, an opaque page: pageContent reads up to the first field that is no timestamp", async () => {
    const { asked, records } = await countedPage("CURSOR", null);
    expect(asked).toEqual(fields.slice(0, fields.indexOf("n/a") + 1));
    expect((await records()).best).toBe(fields.at(-1)!);
    expect(asked).toHaveLength(fields.indexOf("n/a") + 1);
  });
});

describe("ComparedInstants", () => {
  test("answers for the record's field, the best before and after it and the run's offset without reading them; reads anything else", () => {
    const { asked, read } = countingReader();
    const compared = new ComparedInstants("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", read);
    expect(asked).toEqual(["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"]);
    // A made-up instant for the record's field: the answer is the one handed in, not a reading.
    compared.record("2024-01-03T00:00:00Z", 7n);
    compared.advanced("2024-01-03T00:00:00Z");
    expect(
      ["2024-01-03T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z"].map((v) => compared.read(v)),
    ).toEqual([7n, epochNanos("2024-01-02T00:00:00Z"), epochNanos("2024-01-01T00:00:00Z")]);
    // The next record does not move the best: the best is still the earlier record's.
    compared.record("2023-01-01T00:00:00Z", 5n);
    compared.advanced("2024-01-03T00:00:00Z");
    expect(compared.read("2024-01-03T00:00:00Z")).toBe(7n);
    expect(compared.read("2023-01-01T00:00:00Z")).toBe(5n);
    expect(asked).toHaveLength(2);
    expect(compared.read("2025-01-01T00:00:00Z")).toBe(epochNanos("2025-01-01T00:00:00Z"));
    expect(asked).toEqual(["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2025-01-01T00:00:00Z"]);
  });

  test("the best at the run's offset is read once", () => {
    const { asked, read } = countingReader();
    new ComparedInstants("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", read);
    expect(asked).toEqual(["2024-01-01T00:00:00Z"]);
  });
});
