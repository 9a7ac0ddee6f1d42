/**
 * One poll's run of pages: where it started, the best offset seen so far, the page to fetch next
 * (also when resumed from a stored offset), and the SourceRecords of a page with the source
 * offsets a restart resumes from (the poll's last record carries the poll's final offset).
 * Used by HttpSourceTask.
 */
import { type SourceRecord, sourceRecord } from "../../api/record.ts";
import type { Clock } from "../../util/clock.ts";
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
} from "./offsets.ts";
import { newTrail, type PageTrail } from "./page-guard.ts";
import { type PaginationSettings, type PaginationStop, resumedPage } from "./pagination.ts";
import { fieldValue, recordFingerprint, type SelectedRecord } from "./records.ts";

export interface Run {
  /** When the poll started, or resumed after a failed page. */
  startedAt: number;
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
  /** The current page failed once already (the run was resumed at it). */
  failedBefore?: boolean;
}

/** A run that starts at `startedAt` on `page`, from the task's offset and the records seen at it. */
export function newRun(startedAt: number, base: string, offset: OffsetValue, seen: Seen, page: PageState): Run {
  return { startedAt, base, offset, offsetSeen: seen, best: offset, bestSeen: seen, page, skip: 0, trail: newTrail() };
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
  now: number,
): Run | PaginationStop {
  const page = resumedPage(p, base, resume.page);
  if ("stop" in page) return page;
  return {
    startedAt: stored.pollTime ?? now,
    base,
    offset: stored.offset,
    offsetSeen: stored.seen ?? null,
    best: resume.nextOffset,
    bestSeen: resume.nextSeen ?? null,
    page,
    skip: resume.skip,
    trail: newTrail(),
  };
}

/**
 * Whether a run whose current page failed (its records not read, the task going on) is resumed at
 * that page by the next scheduled poll, so the poll's earlier pages are not delivered again; else
 * the next poll starts anew from the stored offset (the earlier pages are delivered again). A page
 * is resumed once, and only after a failure that may pass (`passing`: 408, 429, 5xx, a response too
 * large, an unreadable body): a page that fails again, another 4xx (an expired cursor or next link
 * answers 400 or 410 for good) or a status outside http.response.error.codes starts anew, so a poll
 * never asks for the same failed page forever.
 */
export function resumesAfterFailure(run: Run, passing: boolean): boolean {
  return passing && !run.failedBefore;
}

/** The suspended `run` goes on at its failed page, as the poll that starts `now`. */
export function resumeRun(run: Run, now: number): Run {
  run.suspended = false;
  run.failedBefore = true;
  run.startedAt = now;
  return run;
}

/** What the records of a page take from the task. */
export interface PageRecordsOptions {
  readonly mode: OffsetMode;
  readonly partition: Record<string, unknown>;
  /** `kafka.topic`. */
  readonly topic: string;
  readonly clock: Clock;
}

/**
 * The offset field (`http.offset.field`) of each selected record; nulls with mode NONE. Throws a
 * ResponseFormatError when a JSONPath field cannot be evaluated on a record.
 */
export function offsetValues(elements: SelectedRecord[], mode: OffsetMode, field: string | null): OffsetValue[] {
  return elements.map(({ parsed }) => (mode === "NONE" || !field ? null : fieldValue(parsed, field)));
}

/**
 * The page's records not yet delivered and new per the offset mode (`values`: their offset fields,
 * from offsetValues); advances `run.best`.
 */
export function pageRecords(
  run: Run,
  elements: SelectedRecord[],
  values: OffsetValue[],
  lastPage: boolean,
  o: PageRecordsOptions,
): SourceRecord[] {
  const fresh: { index: number; element: unknown; best: OffsetValue; bestSeen: Seen }[] = [];
  for (let i = run.skip; i < elements.length; i++) {
    const element = elements[i]!.value;
    const value = values[i] ?? null;
    let fingerprint: string | undefined;
    const print = () => {
      fingerprint ??= recordFingerprint(elements[i]!);
      return fingerprint;
    };
    const before = run.best;
    run.best = advanceOffset(o.mode, run.best, value);
    if (o.mode === "TIMESTAMP") run.bestSeen = seenAfter(run.bestSeen, before, run.best, value, print);
    if (isNewRecord(o.mode, run.offset, value, run.offsetSeen, print))
      fresh.push({ index: i, element, best: run.best, bestSeen: run.bestSeen });
  }
  const timestamp = o.clock.now();
  return fresh.map(({ index, element, best, bestSeen }, n) => {
    // The poll's last record carries the poll's final offset (later elements of the page, skipped
    // as not new, still count towards it); every other record says where to resume.
    const offset =
      lastPage && n === fresh.length - 1
        ? encodeOffset({ offset: run.best, seen: run.bestSeen, pollTime: run.startedAt })
        : encodeOffset({
            offset: run.offset,
            seen: run.offsetSeen,
            pollTime: run.startedAt,
            resume: { nextOffset: best, nextSeen: bestSeen, page: run.page, skip: index + 1 },
          });
    return sourceRecord({
      sourcePartition: o.partition,
      sourceOffset: offset,
      topic: o.topic,
      value: element,
      timestamp,
    });
  });
}
