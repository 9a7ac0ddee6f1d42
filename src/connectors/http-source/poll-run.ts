/**
 * One poll's run of pages: where it started, the best offset seen so far, the page to fetch next
 * (also when resumed from a stored offset), and the SourceRecords of a page with the source
 * offsets a restart resumes from (the poll's last record carries the poll's final offset).
 * Used by HttpSourceTask.
 */
import { type SourceMap, type SourceRecord, sourceRecord } from "../../api/record.ts";
import type { Clock, Moment } from "../../util/clock.ts";
import { Slicer } from "../../util/sliced.ts";
import type { HttpSourceConfig } from "./config.ts";
import { type CursorOrder, cursorAdvance, cursorOrder } from "./cursor-offset.ts";
import { exactFieldValues } from "./exact-offsets.ts";
import { epochNanos } from "./instant.ts";
import {
  advanceOffset,
  encodeOffset,
  isNewRecord,
  type OffsetMode,
  type OffsetValue,
  type PageState,
  type Seen,
  type StoredOffset,
  seenAfter,
  sourcePartition,
} from "./offsets.ts";
import { newTrail, type PageTrail } from "./page-guard.ts";
import { ComparedInstants, pageInstants } from "./page-instants.ts";
import { nextPage, type PaginationSettings, type PaginationStop, resumedPage } from "./pagination.ts";
import { recordKeys } from "./record-keys.ts";
import { type KnownInstant, type RecordTimes, recordTimesOf } from "./record-timestamp.ts";
import {
  blankBody,
  keyFingerprint,
  parseJsonBody,
  type ResponseDocument,
  type SelectedRecord,
  selectRecords,
} from "./records.ts";
import { type InstantReader, instantReader, parserKeysForm, timestampForm } from "./timestamp-reader.ts";

export interface Run {
  /** When the poll started, or resumed after a failed page (its wall time is stored with the offsets). */
  started: Moment;
  /** http.url with the run's `${offset}`: the first page, and the origin every page must have. */
  readonly base: string;
  /** The offset the run started from (`${offset}`), and the records delivered at its instant. */
  readonly offset: OffsetValue;
  readonly offsetSeen: Seen;
  best: OffsetValue;
  bestSeen: Seen;
  page: PageState;
  skip: number;
  /** The pages read: where pagination must end (page-guard.ts). */
  readonly trail: PageTrail;
  /** A page failed: the run waits for the next scheduled poll, which resumes it at that page. */
  suspended?: boolean;
  /** The last record the run delivered, and whether it carries the run's final offset. */
  last?: { readonly record: SourceRecord; readonly final: boolean };
  /** TIMESTAMP: the oldest record the run delivered. */
  oldest?: OldestRecord;
  /**
   * Held past http.pagination.max.pages (unread-gap.ts): the oldest record's offset field when it was
   * held last; its pages deliver only records not newer than it (the newer ones were delivered).
   */
  gap?: OffsetValue;
}

/** A record's offset field and its instant. */
export interface OldestRecord {
  readonly value: OffsetValue;
  readonly at: bigint;
}

/** The older of two records (either may be unknown). */
export function olderRecord(a: OldestRecord | undefined, b: OldestRecord | undefined): OldestRecord | undefined {
  return a === undefined || (b !== undefined && b.at < a.at) ? b : a;
}

/** A run that starts at `started` on `page`, from the task's offset and the records seen at it. */
export function newRun(started: Moment, base: string, offset: OffsetValue, seen: Seen, page: PageState): Run {
  return { started, base, offset, offsetSeen: seen, best: offset, bestSeen: seen, page, skip: 0, trail: newTrail() };
}

/**
 * The run an offset stored in the middle of a poll resumes: at its page (built on `base`, the
 * current http.url with the stored offset), records already delivered skipped; or why it cannot.
 */
export function resumedRun(
  stored: StoredOffset,
  resume: NonNullable<StoredOffset["resume"]>,
  base: string,
  p: PaginationSettings,
  now: Moment,
): Run | PaginationStop {
  const page = resumedPage(p, base, resume.page);
  if ("stop" in page) return page;
  const pollTime = stored.pollTime;
  return {
    // The stored poll time is a wall-clock time: how long ago it was is all the monotonic clock can
    // take from it (a poll time after now, the host's clock stepped back since, counts as now).
    started:
      pollTime === undefined ? now : { wall: pollTime, monotonic: now.monotonic - Math.max(0, now.wall - pollTime) },
    base,
    offset: stored.offset,
    offsetSeen: stored.seen ?? null,
    best: resume.nextOffset,
    bestSeen: resume.nextSeen ?? null,
    page,
    skip: resume.skip,
    trail: newTrail(),
    ...(resume.gapOldest !== undefined ? { gap: resume.gapOldest } : {}),
  };
}

/**
 * What a run does after its current page failed (its records not read, the task going on): a
 * failure that may pass (`passing`: 401, 408, 429, 5xx, in http.response.error.codes or not, a 429 or 403
 * saying the rate limit is spent, a response too large, an unreadable body) `retry`s the page, the run suspended until the next scheduled poll
 * (as often as it takes); any other (another 4xx: an expired cursor or next link answers 400 or 410
 * for good; another status outside http.response.error.codes) `end`s the run there as a pagination
 * stop does, its offset the best reached. Either way the poll's earlier pages are never delivered again by this task.
 */
export function afterFailedPage(passing: boolean): "retry" | "end" {
  return passing ? "retry" : "end";
}

/** The suspended `run` goes on at its failed page, as the poll that starts `now`. */
export function resumeRun(run: Run, now: Moment): Run {
  run.suspended = false;
  run.started = now;
  return run;
}

/** What the records of a page take from the task. */
export interface PageRecordsOptions {
  readonly mode: OffsetMode;
  /** `http.response.records.path` and `http.offset.field`. */
  readonly recordsPath: string;
  readonly offsetField: string | null;
  readonly partition: Record<string, unknown>;
  /** `kafka.topic`. */
  readonly topic: string;
  /** `http.record.key.field`: the records' keys, which identify them at the offset's instant. */
  readonly keyField: string | null;
  readonly clock: Clock;
  /** How TIMESTAMP offsets are read (castorm's timestamp parser keys); unset: instant.ts's reading. */
  readonly instant?: InstantReader;
  /** The texts `instant` reads, in words (timestampForm), for the WARN about those it does not. */
  readonly instantForm?: string;
  /** Whether castorm's parser keys read TIMESTAMP offsets (else instant.ts, which reads `12/31/2024` month first). */
  readonly parserKeys?: boolean;
  /** castorm's timestamp pointer and order direction: records' Kafka timestamps (else the poll's time) and order. */
  readonly recordTimes?: RecordTimes | undefined;
}

/** The options of a task's pages, from its config. */
export function pageRecordsOptions(c: HttpSourceConfig, clock: Clock): PageRecordsOptions {
  const instant = instantReader(c);
  return {
    mode: c["http.offset.mode"].toUpperCase() as OffsetMode,
    recordsPath: c["http.response.records.path"],
    offsetField: c["http.offset.field"],
    keyField: c["http.record.key.field"],
    partition: { ...sourcePartition(c["http.url"]) },
    topic: c["kafka.topic"],
    clock,
    instant,
    instantForm: timestampForm(c),
    parserKeys: parserKeysForm(c) !== undefined,
    recordTimes: recordTimesOf(c, instant),
  };
}

/** A page's selected records, with the offset field and the key of each. */
export interface PageContent {
  readonly elements: SelectedRecord[];
  /** `http.offset.field` of each record; nulls with mode NONE. */
  readonly values: OffsetValue[];
  /** `http.record.key.field` of each record; undefined without a key field or the record's field. */
  readonly keys: (string | undefined)[];
  /**
   * TIMESTAMP: each record's `values` entry as an instant (`instant`, else instant.ts), null for none
   * or no timestamp; read once here, for pageRecords and PageWarnings (page-instants.ts). Undefined
   * in the other modes and on a page without a body (no records to read).
   */
  readonly instants?: readonly (bigint | null)[];
  /**
   * CURSOR: how the page's `values` compare (cursor-offset.ts), read here in the slicer's slices (a
   * page of JSON without records, `[]` or `{"data":[]}`, is one of numbers). Undefined in the other
   * modes and on a page without a body (204 No Content, a blank body); pageRecords reads the order
   * itself when it is undefined.
   */
  readonly cursor?: CursorOrder;
  /** Whether the records are the response's reversed (record-timestamp.ts: a newest-first page goes to Kafka oldest first). */
  readonly reversed?: true;
}

/**
 * The records of a parsed response with their offset fields and keys, in `slicer`'s slices.
 * Throws a ResponseFormatError when a path cannot be evaluated on the response or a record.
 */
export async function pageContent(doc: ResponseDocument, o: PageRecordsOptions, slicer: Slicer): Promise<PageContent> {
  const selected = await selectRecords(doc, o.recordsPath, slicer);
  const reversed = o.recordTimes?.reversed(selected) === true;
  const elements = reversed ? selected.reverse() : selected;
  const offsetField = o.mode === "NONE" ? null : o.offsetField;
  const keyField = o.keyField;
  const values = offsetField ? await exactFieldValues(doc, elements, offsetField, slicer) : nulls(elements);
  const instants = o.mode === "TIMESTAMP" ? await pageInstants(values, o.instant ?? epochNanos, slicer) : undefined;
  const cursor = o.mode === "CURSOR" ? await cursorOrder(values, o.instant ?? epochNanos, slicer) : undefined;
  return {
    elements,
    values,
    keys: keyField
      ? await recordKeys(doc, elements, keyField, slicer)
      : new Array<undefined>(elements.length).fill(undefined),
    ...(instants ? { instants } : {}),
    ...(cursor ? { cursor } : {}),
    ...(reversed ? { reversed } : {}),
  };
}

function nulls(items: readonly unknown[]): null[] {
  return new Array<null>(items.length).fill(null);
}

/**
 * The records of a response and the page after it (pagination.ts). A 204 No Content, or a 2xx
 * whose body is empty or white space, is a page without records (an API with nothing new answers
 * either way), whatever behavior.on.error: the poll's last unless a Link header names a next page
 * (LINK_HEADER; OFFSET and CURSOR end there, as on `[]` or `{}`).
 * Throws a ResponseFormatError for a body that is not JSON or on which a path cannot be evaluated.
 * `json`: the parsed body (none without records to parse).
 * Past the JSON parse, the page is read in `slicer`'s slices (util/sliced.ts): a large page does
 * not hold the worker's event loop; an abort of the slicer's signal is thrown as is.
 */
export async function readPage(
  response: { readonly status: number; readonly headers: Headers; readonly body: Uint8Array; readonly url?: string },
  run: Run,
  o: PageRecordsOptions,
  p: PaginationSettings,
  slicer: Slicer = new Slicer(),
): Promise<{ page: PageContent; next: PageState | PaginationStop | null; json?: unknown }> {
  if (response.status === 204 || blankBody(response.body)) {
    const empty = { headers: response.headers, url: response.url, json: undefined, recordCount: 0 };
    const next = p.type === "LINK_HEADER" ? nextPage(p, run.page, empty, run.base) : null;
    return { page: { elements: [], values: [], keys: [] }, next };
  }
  const doc = parseJsonBody(response.body, response.headers.get("content-type"));
  await slicer.pause();
  const page = await pageContent(doc, o, slicer);
  const result = {
    headers: response.headers,
    url: response.url,
    json: doc.json,
    text: doc.text,
    recordCount: page.elements.length,
  };
  return { page, next: nextPage(p, run.page, result, run.base), json: doc.json };
}

interface Fresh {
  readonly index: number;
  readonly element: unknown;
  readonly key: string | undefined;
  readonly best: OffsetValue;
  readonly bestSeen: Seen;
}

/** A page's new records, made but not yet taken by its run (finishPage). */
export interface MadeRecords {
  /** Each carrying where to resume after it. */
  readonly records: SourceRecord[];
  readonly best: OffsetValue;
  readonly bestSeen: Seen;
  /** The page's last record carrying the run's final offset, for the poll's last page. */
  readonly final: (() => SourceRecord) | undefined;
  /** The page's last record carrying the offset of its run held at the next page (heldOffset). */
  readonly held: ((run: Run) => SourceRecord) | undefined;
  /** The oldest of the records (TIMESTAMP, records with a timestamp). */
  readonly oldest: OldestRecord | undefined;
  /**
   * A held run's page held a record strictly newer than the oldest it had delivered (`gap`): the
   * API's page tokens shift with new records (a `?page=N` link, a position), not naming a record.
   */
  readonly shifted: boolean;
}

/**
 * The page's records not yet delivered and new per the offset mode, in `slicer`'s slices. `run` does
 * not change (finishPage takes them), so an abort of the slicer's signal (thrown as is) leaves the
 * run as it was.
 */
export async function pageRecords(
  run: Run,
  page: PageContent,
  o: PageRecordsOptions,
  slicer: Slicer = new Slicer(),
): Promise<MadeRecords> {
  const elements = page.elements;
  const fresh: Fresh[] = [];
  let best = run.best;
  let bestSeen = run.bestSeen;
  // TIMESTAMP and CURSOR: each field is compared as the instant pageContent read, never read again.
  const reader = o.instant ?? epochNanos;
  const cursor =
    o.mode === "CURSOR"
      ? cursorAdvance(page.cursor ?? (await cursorOrder(page.values, reader, slicer)), best, reader)
      : undefined;
  const compared = o.mode === "TIMESTAMP" ? new ComparedInstants(run.offset, best, reader) : undefined;
  const read = compared?.read ?? reader;
  // A held run's records after the oldest it delivered were delivered, or arrived since (new records
  // shift the pages): the first page of the poll after the hold delivers those. Those at its instant
  // are delivered again (ties across a page boundary: duplicates, never loss).
  const gapAt = run.gap === undefined ? null : reader(run.gap);
  let oldest: OldestRecord | undefined;
  let shifted = false;
  await slicer.each(run.skip, elements.length, (i) => {
    const element = elements[i]!.value;
    const value = page.values[i] ?? null;
    const key = page.keys[i];
    // Without a key field, nothing identifies a record at the offset's instant (isNewRecord).
    const print = o.keyField ? () => (key === undefined ? undefined : keyFingerprint(key)) : undefined;
    const at = page.instants ? (page.instants[i] ?? null) : null;
    // Skipped before it counts towards the best offset: one that arrived while held is the next first page's.
    if (gapAt !== null && at !== null && at > gapAt) {
      shifted = true;
      return;
    }
    const before = best;
    compared?.record(value, page.instants ? at : reader(value));
    best = cursor ? cursor(value, i) : advanceOffset(o.mode, best, value, read);
    compared?.advanced(best);
    if (o.mode === "TIMESTAMP") bestSeen = print ? seenAfter(bestSeen, before, best, value, print, read) : null;
    if (!isNewRecord(o.mode, run.offset, value, run.offsetSeen, print, read)) return;
    fresh.push({ index: i, element, key, best, bestSeen });
    if (at !== null) oldest = olderRecord(oldest, { value, at });
  });
  const timestamp = o.clock.now();
  const record = ({ index, element, key }: Fresh, sourceOffset: Record<string, unknown>) =>
    sourceRecord({
      sourcePartition: o.partition,
      sourceOffset,
      topic: o.topic,
      key: key ?? null,
      value: element,
      // A timestamp pointer at the offset field gives the field's value: its instant is known.
      timestamp: o.recordTimes?.at(elements[index]!.parsed, timestamp, knownInstant(page, index, o)) ?? timestamp,
    });
  // Every record says where to resume; on the poll's last page, the last one carries the poll's
  // final offset instead (later elements of the page, skipped as not new, still count towards it).
  const records = await slicer.map(fresh, (f) =>
    record(
      f,
      encodeOffset({
        offset: run.offset,
        mode: o.mode,
        seen: run.offsetSeen,
        pollTime: run.started.wall,
        resume: {
          nextOffset: f.best,
          nextSeen: f.bestSeen,
          page: run.page,
          skip: f.index + 1,
          pageOffset: run.offset,
          ...(run.gap !== undefined ? { gapOldest: run.gap } : {}),
        },
      }),
    ),
  );
  const last = fresh.at(-1);
  const final = last && (() => record(last, finalOffset({ best, bestSeen, started: run.started }, o.mode)));
  const held = last && ((r: Run) => record(last, heldOffset(r, o.mode)));
  return { records, best, bestSeen, final, held, oldest, shifted };
}

/**
 * The offset field of the page's record `index` and its instant, when pageContent read it (TIMESTAMP,
 * or a CURSOR page of timestamps) with the reader of the record times (else they read the pointer's value themselves).
 */
function knownInstant(page: PageContent, index: number, o: PageRecordsOptions): KnownInstant | undefined {
  if (o.recordTimes?.instant !== (o.instant ?? epochNanos)) return undefined;
  const at = (page.instants ?? (page.cursor?.kind === "instant" ? page.cursor.instants : undefined))?.[index];
  return at === undefined ? undefined : { value: page.values[index] ?? null, at };
}

/** The run takes its page's records (`last`: the poll's last page); returns them. */
export function finishPage(run: Run, made: MadeRecords, last: boolean): SourceRecord[] {
  run.best = made.best;
  run.bestSeen = made.bestSeen;
  run.oldest = olderRecord(run.oldest, made.oldest);
  const records = made.records;
  if (last && made.final) records[records.length - 1] = made.final();
  if (records.length > 0) run.last = { record: records[records.length - 1]!, final: last };
  return records;
}

/**
 * The offset of a run held past http.pagination.max.pages at its page (unread-gap.ts): a restart
 * resumes it there, with the oldest record it delivered.
 */
function heldOffset(run: Run, mode: OffsetMode): SourceMap {
  return encodeOffset({
    offset: run.offset,
    mode,
    seen: run.offsetSeen,
    pollTime: run.started.wall,
    resume: {
      nextOffset: run.best,
      nextSeen: run.bestSeen,
      page: run.page,
      skip: 0,
      pageOffset: run.offset,
      ...(run.gap !== undefined ? { gapOldest: run.gap } : {}),
    },
  });
}

/** The offset a run that ended commits: its best, without a page to resume (`mode`: http.offset.mode). */
export function finalOffset(run: Pick<Run, "best" | "bestSeen" | "started">, mode: OffsetMode): SourceMap {
  return encodeOffset({ offset: run.best, mode, seen: run.bestSeen, pollTime: run.started.wall });
}
