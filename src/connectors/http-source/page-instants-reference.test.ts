/**
 * A seeded property test of the instants hand-over (page-instants.ts): over generated pages and
 * runs, pageContent, PageWarnings and pageRecords give the same records, best offset, keys seen,
 * final offset, Kafka timestamps and WARNs as a reference written here that reads each offset value
 * where it compares it, with a reader of its own: no instant handed over, and none remembered
 * between comparisons without parser keys or a zone (with them, instantReader's reader remembers
 * its last answers, timestamp-reader.ts `remembered`; an answer is the same read once or again).
 * And the same for CURSOR and NONE.
 */
import { describe, expect, test } from "bun:test";
import { prng } from "../../../test/support/prng.ts";
import type { Clock } from "../../util/clock.ts";
import { LogManager } from "../../util/logger.ts";
import { RepeatLimiter } from "../../util/repeat-limiter.ts";
import { cursorNumber } from "./cursor-offset.ts";
import { epochNanos } from "./instant.ts";
import { advanceOffset, encodeOffset, isNewRecord, type OffsetValue, type Seen, seenAfter } from "./offsets.ts";
import { PageWarnings } from "./page-warnings.ts";
import { firstPage, paginationSettings } from "./pagination.ts";
import {
  finalOffset,
  finishPage,
  newRun,
  type PageContent,
  type PageRecordsOptions,
  pageRecords,
  pageRecordsOptions,
  type Run,
  readPage,
} from "./poll-run.ts";
import { keyFingerprint } from "./records.ts";
import { PAGE_URL as base, pageConfig } from "./test-support.ts";
import { type InstantReader, instantReader } from "./timestamp-reader.ts";

/** Offset field values: one instant written several ways, other instants, epoch numbers, unreadable text (and SPELLINGS below). */
const SAME_INSTANT = [
  "2024-01-01T00:00:00Z",
  "2024-01-01T00:00:00+00:00",
  "2024-01-01T00:00:00.000Z",
  "2024-01-01T01:00:00+01:00",
  "2024-01-01T00:00:00",
  "2024-01-01 00:00:00",
  1704067200,
  "1704067200",
  1704067200000,
  "01/01/2024 00:00:00",
];
const VALUES: unknown[] = [
  ...SAME_INSTANT,
  "2024-01-02T00:00:00Z",
  "2024-01-02T00:00:00.5Z",
  "2024-01-02T00:00:00.500000001Z",
  "2024-01-02 00:00:00",
  "02/01/2024 00:00:00",
  "13/01/2024 10:00:00",
  "01/02/2024",
  "2023-12-31T23:59:59.999999999Z",
  "1704153600000",
  1704153600,
  "2024-02-30T00:00:00Z",
  "n/a",
  "",
  " ",
  "token-7",
  null,
  5,
  "12",
  "007",
  -3,
];
/** A JSON number as written in the body (`1.5e3`, `-0`, `9.0`: JSON.stringify would write `1500`, `0`, `9`). */
class Written {
  constructor(readonly text: string) {}
  toJSON() {
    return `${WRITTEN}${this.text}${WRITTEN}`;
  }
}
const WRITTEN = "@written@";
/** Values that are one value written differently: a pointer at another field may hold another spelling. */
const SPELLINGS: unknown[][] = [
  SAME_INSTANT,
  // A big integer as a number (read exactly, as its text) and as a string.
  [new Written("12345678901234567890"), "12345678901234567890"],
  [new Written("1.5e3"), "1.5e3", 1500, "1500"],
  [new Written("-0"), 0, "0", "-0"],
  [new Written("9.0"), 9, "9", "9.0"],
];
VALUES.push(...SPELLINGS.slice(1).flat());
/** Offsets a run starts from or resumes at. */
const OFFSETS: OffsetValue[] = [
  null,
  "",
  "2024-01-01T00:00:00Z",
  "2024-01-01T01:00:00+01:00",
  "2024-01-02T00:00:00Z",
  "n/a",
  "1704067200",
  1704067200,
  "01/01/2024 00:00:00",
  "2030-01-01T00:00:00Z",
  "12",
];
/** Parser keys: none, a zone, a castorm pattern, the epoch-millis parser; DESC order; a timestamp pointer at the field or another. */
const PARSERS: Record<string, string>[] = [
  {},
  { "http.response.record.timestamp.parser.zone": "Europe/Madrid" },
  { "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss" },
  { "http.response.record.timestamp.parser": "EpochMillisTimestampParser" },
  { "http.response.list.order.direction": "DESC" },
  { "http.response.record.timestamp.pointer": "/ts" },
  { "http.response.record.timestamp.pointer": "/at" },
  {
    "http.response.record.timestamp.pointer": "/ts",
    "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm:ss",
  },
];
const KEYS = ["1", "2", "3", "4", "7"];

/** The order the reference's CURSOR compares a page's fields in: numbers, instants (`read`), or none. */
function referenceOrder(values: readonly OffsetValue[], read: InstantReader) {
  const present = values.filter((v) => v !== null);
  return [cursorNumber, read].find((o) => present.every((v) => o(v) !== null));
}

/** The CURSOR of the reference: numbers or instants as read at each comparison, else the last field. */
function referenceCursor(values: readonly OffsetValue[], read: InstantReader) {
  const order = referenceOrder(values, read);
  return (current: OffsetValue, value: OffsetValue): OffsetValue => {
    if (value === null) return current;
    if (order === undefined) return value;
    const at = order(current);
    return at !== null && order(value)! <= at ? current : value;
  };
}

/** pageRecords as the reference reads it: each value read by `read` wherever it is compared. */
function referenceRecords(run: Run, page: PageContent, o: PageRecordsOptions, read: InstantReader) {
  let best = run.best;
  let bestSeen = run.bestSeen;
  const cursor = o.mode === "CURSOR" ? referenceCursor(page.values, read) : undefined;
  const records: { key: string | null; sourceOffset: Record<string, unknown>; timestamp: number }[] = [];
  const now = o.clock.now();
  for (let i = run.skip; i < page.values.length; i++) {
    const value = page.values[i]!;
    const key = page.keys[i];
    const print = o.keyField ? () => (key === undefined ? undefined : keyFingerprint(key)) : undefined;
    const before = best;
    best = cursor ? cursor(best, value) : advanceOffset(o.mode, best, value, read);
    if (o.mode === "TIMESTAMP") bestSeen = print ? seenAfter(bestSeen, before, best, value, print, read) : null;
    if (isNewRecord(o.mode, run.offset, value, run.offsetSeen, print, read)) {
      const resume = { nextOffset: best, nextSeen: bestSeen, page: run.page, skip: i + 1, pageOffset: run.offset };
      const stored = { offset: run.offset, mode: o.mode, seen: run.offsetSeen, pollTime: run.started.wall, resume };
      const timestamp = o.recordTimes?.at(page.elements[i]!.parsed, now) ?? now;
      records.push({ key: key ?? null, sourceOffset: encodeOffset(stored), timestamp });
    }
  }
  const final = records.length > 0 ? finalOffset({ best, bestSeen, started: run.started }, o.mode) : undefined;
  return { records, best, bestSeen, final };
}

/** 2027: the generated timestamps are before it (a timestamp pointer gives them to records). */
const clock = { now: () => 1_800_000_000_000 } as unknown as Clock;
const body = (items: unknown[]) =>
  new TextEncoder().encode(
    JSON.stringify({ data: items }).replace(new RegExp(`"${WRITTEN}([^"]*)${WRITTEN}"`, "g"), "$1"),
  );

/** One seeded poll of 1 to 3 pages: where the hand-over and the reference differ, and what it exercised. */
async function trial(seed: number, modes: readonly string[]) {
  const { random, pick } = prng(seed);
  const keyed = random() < 0.7;
  const config = pageConfig({
    "http.offset.mode": pick(modes),
    "http.offset.field": "ts",
    ...(keyed ? { "http.record.key.field": "id" } : {}),
    ...pick(PARSERS),
  });
  const o = pageRecordsOptions(config, clock);
  const read = instantReader(config);
  const p = paginationSettings(config);
  const seen = (): Seen => (random() < 0.4 ? null : KEYS.filter(() => random() < 0.4).map(keyFingerprint));
  const run = newRun({ wall: 5, monotonic: 0 }, base, pick(OFFSETS), seen(), firstPage(p, base));
  const ref = { ...run };
  if (random() < 0.3) {
    // Resumed: a best reached on an earlier page of the poll.
    run.best = ref.best = pick(OFFSETS);
    run.bestSeen = ref.bestSeen = seen();
  }
  const logs: string[] = [];
  const refLogs: string[] = [];
  let now = 0;
  // Each line without its time.
  const logger = (to: string[]) => new LogManager({ sink: (line) => to.push(line.slice(line.indexOf("]"))) }).get("t");
  const warnings = new PageWarnings(o, logger(logs), new RepeatLimiter(() => now, 60_000));
  const refWarnings = new PageWarnings(o, logger(refLogs), new RepeatLimiter(() => now, 60_000));
  const differences: string[] = [];
  const exercised = { records: 0, moved: 0, timed: 0, numbers: 0, instants: 0, opaque: 0 };
  const pages = 1 + Math.floor(random() * 3);
  for (let n = 0; n < pages; n++) {
    // Often a few values only: many records at the same instant.
    const values = random() < 0.4 ? [pick(VALUES), pick(VALUES), pick(SAME_INSTANT)] : VALUES;
    const items = Array.from({ length: Math.floor(random() * 12) }, () => ({
      ...(random() < 0.9 ? { id: pick(KEYS) } : {}),
      ...(random() < 0.93 ? { ts: pick(values) } : {}),
      ...(random() < 0.5 ? { at: pick(values) } : {}),
    }));
    // Some records' other field holds their offset field's value written differently.
    for (const item of items)
      if (random() < 0.3) {
        const spellings = pick(SPELLINGS);
        Object.assign(item, { ts: pick(spellings), at: pick(spellings) });
      }
    run.skip = ref.skip = random() < 0.2 ? Math.floor(random() * (items.length + 1)) : 0;
    const { page, json } = await readPage({ status: 200, headers: new Headers(), body: body(items) }, run, o, p);
    warnings.observe("GET x", json, page);
    const instants = o.mode === "TIMESTAMP" ? { instants: page.values.map((v) => read(v)) } : {};
    refWarnings.observe("GET x", json, { elements: page.elements, values: page.values, keys: page.keys, ...instants });
    const made = await pageRecords(run, page, o);
    const last = n === pages - 1;
    const actual = {
      records: made.records.map((r) => ({ key: r.key, sourceOffset: r.sourceOffset, timestamp: r.timestamp })),
      best: made.best,
      bestSeen: made.bestSeen,
      final: made.final?.().sourceOffset,
    };
    const expected = referenceRecords(ref, page, o, read);
    if (!Bun.deepEquals(actual, expected))
      differences.push(`seed ${seed} page ${n}: ${JSON.stringify({ items, actual, expected })}`);
    exercised.records += made.records.length;
    if (o.mode === "CURSOR" && made.records.length > 0) {
      const order = referenceOrder(page.values, read);
      exercised[order === cursorNumber ? "numbers" : order === read ? "instants" : "opaque"]++;
    }
    exercised.timed += made.records.filter((r) => r.timestamp !== clock.now()).length;
    if (made.best !== run.best) exercised.moved++;
    finishPage(run, made, last);
    ref.best = expected.best;
    ref.bestSeen = expected.bestSeen;
    now += random() < 0.5 ? 70_000 : 1000;
  }
  if (!Bun.deepEquals(logs, refLogs)) differences.push(`seed ${seed} WARNs: ${JSON.stringify({ logs, refLogs })}`);
  return { differences, exercised: { ...exercised, warns: logs.length } };
}

/** `trials` seeded polls: their differences (the first few) and what they exercised in all. */
async function trials(count: number, modes: readonly string[]) {
  const differences: string[] = [];
  const total = { records: 0, moved: 0, timed: 0, warns: 0, numbers: 0, instants: 0, opaque: 0 };
  for (let seed = 1; seed <= count; seed++) {
    const t = await trial(seed, modes);
    differences.push(...t.differences);
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += t.exercised[k];
  }
  return { differences: differences.slice(0, 3), total };
}

describe("the instants hand-over gives what reading each value at each comparison gives", () => {
  test("TIMESTAMP: the same records, best offset, keys seen, final offset and WARNs (seeded polls)", async () => {
    const { differences, total } = await trials(1500, ["TIMESTAMP"]);
    expect(differences).toEqual([]);
    // The polls deliver records, move the best, give records their field's time and warn: the comparison is not empty.
    expect(total.records).toBeGreaterThan(8000);
    expect(total.moved).toBeGreaterThan(1000);
    expect(total.timed).toBeGreaterThan(1000);
    expect(total.warns).toBeGreaterThan(1500);
  });

  test("CURSOR and NONE: the same records, offsets and WARNs (seeded polls)", async () => {
    const { differences, total } = await trials(1500, ["CURSOR", "NONE"]);
    expect(differences).toEqual([]);
    expect(total.moved).toBeGreaterThan(900);
    // CURSOR pages of numbers, of timestamps and opaque ones deliver records (timestamp pointers among them).
    expect(total.numbers).toBeGreaterThan(100);
    expect(total.instants).toBeGreaterThan(300);
    expect(total.opaque).toBeGreaterThan(300);
  });

  test("the generated values written several ways are one instant (without parser keys)", () => {
    const read = instantReader(pageConfig({ "http.offset.mode": "TIMESTAMP", "http.offset.field": "ts" }));
    expect(SAME_INSTANT.map((v) => read(v as OffsetValue))).toEqual(
      SAME_INSTANT.map(() => epochNanos("2024-01-01T00:00:00Z")),
    );
  });
});
