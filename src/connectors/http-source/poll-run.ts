/**
 * One poll's run of pages: where it started, the best offset seen so far, the page to fetch next,
 * and the SourceRecords of a page with the source offsets a restart resumes from (the poll's last
 * record carries the poll's final offset). Used by HttpSourceTask.
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
} from "./offsets.ts";
import { fieldValue, type SelectedRecord } from "./records.ts";

export interface Run {
  readonly startedAt: number;
  /** The offset the run started from (`${offset}`). */
  readonly offset: OffsetValue;
  best: OffsetValue;
  page: PageState;
  skip: number;
  readonly visited: Set<string>;
}

/** What the records of a page take from the task. */
export interface PageRecordsOptions {
  readonly mode: OffsetMode;
  /** `http.offset.field`. */
  readonly field: string | null;
  readonly partition: Record<string, unknown>;
  /** `kafka.topic`. */
  readonly topic: string;
  readonly clock: Clock;
}

/** The page's records not yet delivered and new per the offset mode; advances `run.best`. */
export function pageRecords(
  run: Run,
  elements: SelectedRecord[],
  lastPage: boolean,
  o: PageRecordsOptions,
): SourceRecord[] {
  const field = o.field;
  const fresh: { index: number; element: unknown; best: OffsetValue }[] = [];
  for (let i = run.skip; i < elements.length; i++) {
    const { value: element, parsed } = elements[i]!;
    const value = o.mode === "NONE" || !field ? null : fieldValue(parsed, field);
    run.best = advanceOffset(o.mode, run.best, value);
    if (isNewRecord(o.mode, run.offset, value)) fresh.push({ index: i, element, best: run.best });
  }
  const timestamp = o.clock.now();
  return fresh.map(({ index, element, best }, n) => {
    // The poll's last record carries the poll's final offset (later elements of the page, skipped
    // as not new, still count towards it); every other record says where to resume.
    const offset =
      lastPage && n === fresh.length - 1
        ? encodeOffset({ offset: run.best, pollTime: run.startedAt })
        : encodeOffset({
            offset: run.offset,
            pollTime: run.startedAt,
            resume: { nextOffset: best, page: run.page, skip: index + 1 },
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
