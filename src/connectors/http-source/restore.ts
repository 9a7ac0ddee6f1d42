/**
 * Where a starting task takes up from its stored source offset: the offset and the keys seen at
 * it, the last poll time (for the schedule), and the interrupted poll to resume, if the offset was
 * stored in the middle of one (offsets.ts). Used by HttpSourceTask.start.
 */
import type { SourceMap } from "../../api/record.ts";
import type { Moment } from "../../util/clock.ts";
import type { HttpSourceConfig } from "./config.ts";
import { withOffset } from "./offset-template.ts";
import { decodeOffset, type OffsetMode, type OffsetValue, type Seen, withoutSeen } from "./offsets.ts";
import { describePage, otherPagination, type PaginationSettings } from "./pagination.ts";
import { type Run, resumedRun } from "./poll-run.ts";

export interface Restored {
  readonly offset: OffsetValue;
  readonly offsetSeen: Seen;
  readonly pollTime: number | undefined;
  readonly run?: Run;
  /** What to log about the interrupted poll. */
  readonly note?: { readonly level: "info" | "warn"; readonly text: string };
}

export function restoredState(
  stored: SourceMap | null,
  c: HttpSourceConfig,
  pagination: PaginationSettings,
  mode: OffsetMode,
  now: Moment,
): Restored {
  if (stored === null) return { offset: c["http.initial.offset"], offsetSeen: null, pollTime: undefined };
  // Without a key field, no record is identified at the offset's instant: fingerprints are moot.
  const decoded = c["http.record.key.field"] ? decodeOffset(stored) : withoutSeen(decodeOffset(stored));
  const at = { offset: decoded.offset, offsetSeen: decoded.seen ?? null, pollTime: decoded.pollTime };
  if (!decoded.resume) return at;
  const base = withOffset(c["http.url"], decoded.offset, "url");
  // The pagination changed: the poll starts over from its start offset, its records delivered again
  // (from next_offset, a newest-first API's unread older pages would be skipped past).
  const other = otherPagination(pagination, base, decoded.resume.page);
  if (other !== undefined) {
    const text = `Not resuming the interrupted poll: ${other}; the next poll starts over from its start offset`;
    return { ...at, note: { level: "warn", text } };
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
