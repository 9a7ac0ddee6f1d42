/**
 * The unread gap of a newest-first API under a TIMESTAMP offset: a poll that
 * `http.pagination.max.pages` ends while its pages go back in time and have not yet reached the
 * offset it started from (T0) leaves records between T0 and the oldest it delivered unread. Ending
 * the poll would move the offset to the newest record delivered, past them for good. So the poll is
 * held at the next page instead: the next scheduled poll goes on there, and the offset moves to the
 * newest only once a page reaches T0 or pagination ends. Meanwhile each record delivered carries the
 * offset of an interrupted poll (offsets.ts: `offset` T0, `next_offset` the newest delivered, the
 * page and skip to resume at), so a restart resumes the gap too.
 * Only CURSOR and LINK_HEADER pagination, whose page tokens may name a record (`before=<id>`): OFFSET
 * positions shift with every record arriving, and the held page, asked an interval later, would hold
 * records delivered already. A held page that shows a record newer than the oldest delivered proves
 * its tokens shift too (a `?page=N` link, a position cursor): the hold ends, the same poll starts
 * again from the first page and the task holds no poll again (HttpSourceTask.restartShifted). Any
 * failure of a held page (an expired cursor or link) ends the hold: the next poll starts from the
 * first page.
 * A held poll must get older: its pages deliver only records not newer than the oldest it delivered
 * when held (`gap_oldest`: those after it were delivered, new records shift a newest-first API's
 * pages; those at its instant are delivered again, ties across a page boundary), and a held poll
 * that reaches the cap again without a record older than it ends as a poll at the cap always
 * did (an API that ignores the page asked for, or one whose new records shift its pages by what a
 * poll reads, would else be read again for ever). Used by HttpSourceTask at the cap.
 */
import { epochNanos } from "./instant.ts";
import type { OffsetValue } from "./offsets.ts";
import type { OldestRecord, PageContent } from "./poll-run.ts";
import type { InstantReader } from "./timestamp-reader.ts";

function instantOf(value: OffsetValue, read: InstantReader): bigint | null {
  return value === null || value === "" ? null : read(value);
}

/**
 * Whether records older than `page`'s and newer than `floor` (the offset the poll started from) may
 * remain unread past it: the page holds timestamps (TIMESTAMP), all after the floor (none, or no
 * timestamp: every record is after it), and goes back in time, its newest before `before` (the newest
 * delivered before it), or its records listed newest first.
 */
export function leavesUnreadGap(
  floor: OffsetValue,
  before: OffsetValue,
  page: Pick<PageContent, "instants" | "reversed">,
  read: InstantReader = epochNanos,
): boolean {
  const instants = (page.instants ?? []).filter((at): at is bigint => at !== null);
  if (instants.length === 0) return false;
  let oldest = instants[0]!;
  let newest = oldest;
  for (const at of instants) {
    if (at < oldest) oldest = at;
    if (at > newest) newest = at;
  }
  const t0 = instantOf(floor, read);
  if (t0 !== null && oldest <= t0) return false;
  const prior = instantOf(before, read);
  if (prior !== null && newest < prior) return true;
  // In the response's order (a page reversed for Kafka was listed the other way round).
  const first = instants[0]!;
  const last = instants[instants.length - 1]!;
  return page.reversed ? first < last : first > last;
}

/**
 * Whether a poll at the cap, its oldest record delivered `oldest`, may be held: it delivered a record
 * with a timestamp, older than `gap` (the oldest when it was held last) if it was held before: one at
 * `gap`'s instant is no progress (else a run of pages all at that instant would hold for ever).
 */
export function heldPollProgressed(
  gap: OffsetValue | undefined,
  oldest: OldestRecord | undefined,
  read: InstantReader = epochNanos,
): boolean {
  if (oldest === undefined || gap === undefined) return oldest !== undefined;
  const at = read(gap);
  return at === null || oldest.at < at;
}
