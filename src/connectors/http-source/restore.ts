/**
 * Where a starting task takes up from its stored source offset: the offset and the keys seen at
 * it, the last poll time (for the schedule), and the interrupted poll to resume, if the offset was
 * stored in the middle of one (offsets.ts). Used by HttpSourceTask.start.
 *
 * An offset written under http.offset.mode=NONE is the offset that mode sent, not a position
 * reached: every mode starts from http.initial.offset as configured now (NONE included, so an
 * edit of it takes effect), and NONE does from any offset marked with the mode it was written
 * under. An interrupted poll is resumed only when it was written under the current mode and
 * started (page_offset, else its stored offset) from the offset the task starts from now: its page and skip count
 * belong to that start offset, and on another they would skip records never delivered (and deliver
 * others again). Offsets without these marks (earlier versions, REST) are positions, resumed as before.
 */
import type { SourceMap } from "../../api/record.ts";
import type { Moment } from "../../util/clock.ts";
import type { HttpSourceConfig } from "./config.ts";
import { withOffset } from "./offset-template.ts";
import {
  decodeOffset,
  type OffsetMode,
  type OffsetValue,
  type Seen,
  type StoredOffset,
  sameOffset,
  withoutSeen,
} from "./offsets.ts";
import { describePage, otherPagination, type PaginationSettings } from "./pagination.ts";
import { type Run, resumedRun } from "./poll-run.ts";

export interface Restored {
  readonly offset: OffsetValue;
  readonly offsetSeen: Seen;
  readonly pollTime: number | undefined;
  /** The interrupted poll starts over on its first page: at once, as a resumed one goes on at once (schedule.ts firstPoll). */
  readonly startsOver?: true;
  readonly run?: Run;
  /** What to log about the interrupted poll. */
  readonly note?: { readonly level: "info" | "warn"; readonly text: string };
}

/**
 * The stored offset as a task of `mode` reads it now: one NONE wrote, and under NONE any marked with
 * the mode it was written under, start from http.initial.offset (NONE's offset is what it sent, and
 * NONE sends http.initial.offset as configured now). `pollStart` is the start offset of the
 * interrupted poll: its page_offset, else the stored offset (a mid-poll offset is its poll's start).
 */
function startingOffset(stored: SourceMap, c: HttpSourceConfig, mode: OffsetMode) {
  // Without a key field, no record is identified at the offset's instant: fingerprints are moot.
  const decoded = c["http.record.key.field"] ? decodeOffset(stored) : withoutSeen(decodeOffset(stored));
  // A page_offset of null is a poll started from a null offset, not an absent one.
  const pageOffset = decoded.resume?.pageOffset;
  const pollStart = pageOffset !== undefined ? pageOffset : decoded.offset;
  const initial = decoded.mode === "NONE" || (mode === "NONE" && decoded.mode !== undefined);
  const at: StoredOffset = initial ? { ...decoded, offset: c["http.initial.offset"], seen: null } : decoded;
  return { decoded: at, pollStart };
}

/** Why the interrupted poll is not this task's to resume; undefined when it is. */
function otherPoll(decoded: StoredOffset, pollStart: OffsetValue, mode: OffsetMode): string | undefined {
  if (decoded.mode !== undefined && decoded.mode !== mode)
    return `it ran with http.offset.mode=${decoded.mode}, now ${mode}`;
  if (!sameOffset(pollStart, decoded.offset))
    return "it started from another offset than the next poll's (http.initial.offset or the stored offset was edited)";
  return undefined;
}

export function restoredState(
  stored: SourceMap | null,
  c: HttpSourceConfig,
  pagination: PaginationSettings,
  mode: OffsetMode,
  now: Moment,
): Restored {
  if (stored === null) return { offset: c["http.initial.offset"], offsetSeen: null, pollTime: undefined };
  const { decoded, pollStart } = startingOffset(stored, c, mode);
  const at = { offset: decoded.offset, offsetSeen: decoded.seen ?? null, pollTime: decoded.pollTime };
  if (!decoded.resume) return at;
  // Its pages are delivered again from the first: duplicates, never a skip count on another poll.
  // Not resumed: the poll starts over at once, as a resumed one goes on at once (an edit takes effect with the restart).
  const other = otherPoll(decoded, pollStart, mode);
  if (other !== undefined) {
    const text = `Not resuming the interrupted poll: ${other}; the next poll starts over on its first page`;
    return { ...at, startsOver: true, note: { level: "warn", text } };
  }
  const base = withOffset(c["http.url"], decoded.offset, "url");
  // The pagination changed: the poll starts over from its start offset, its records delivered again
  // (from next_offset, a newest-first API's unread older pages would be skipped past).
  const changed = otherPagination(pagination, base, decoded.resume.page);
  if (changed !== undefined) {
    const text = `Not resuming the interrupted poll: ${changed}; the next poll starts over from its start offset`;
    return { ...at, startsOver: true, note: { level: "warn", text } };
  }
  const run = resumedRun(decoded, decoded.resume, base, pagination, now);
  if ("stop" in run) {
    // The poll's records up to the resume point are in Kafka: the next poll starts after them.
    const after =
      mode === "NONE" ? at : { ...at, offset: decoded.resume.nextOffset, offsetSeen: decoded.resume.nextSeen ?? null };
    const text = `Not resuming the interrupted poll: ${run.stop}; the next poll starts after its records`;
    return { ...after, note: { level: "warn", text } };
  }
  const text = `Resuming the interrupted poll at ${describePage(run.page)} after ${run.skip} records`;
  return { ...at, run, note: { level: "info", text } };
}
