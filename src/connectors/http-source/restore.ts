/**
 * Where a starting task takes up from its stored source offset: the offset and the keys seen at
 * it, the last poll time (for the schedule), and the interrupted poll to resume, if the offset was
 * stored in the middle of one (offsets.ts). Used by HttpSourceTask.start.
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
  withoutSeen,
} from "./offsets.ts";
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
  const initial = c["http.initial.offset"];
  if (stored === null) return { offset: initial, offsetSeen: null, pollTime: undefined };
  // Without a key field, no record is identified at the offset's instant: fingerprints are moot.
  const decoded = fromInitial(
    c["http.record.key.field"] ? decodeOffset(stored) : withoutSeen(decodeOffset(stored)),
    mode,
    initial,
  );
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

/**
 * An offset no record reached is http.initial.offset as configured now: with NONE every stored offset
 * (NONE keeps none: `${offset}` is http.initial.offset), else an empty or null one, as NONE stores
 * (auditsrc F2: a connector moved from NONE to TIMESTAMP ignored its http.initial.offset and read the
 * API's whole history; one in NONE mode kept sending the http.initial.offset it was created with).
 */
function fromInitial(o: StoredOffset, mode: OffsetMode, initial: string): StoredOffset {
  const unreached = (v: OffsetValue) => mode === "NONE" || v === null || v === "";
  const resume =
    o.resume && unreached(o.resume.nextOffset) ? { ...o.resume, nextOffset: initial, nextSeen: null } : o.resume;
  const at = unreached(o.offset) ? { ...o, offset: initial, seen: null } : o;
  return resume === o.resume ? at : { ...at, resume };
}
