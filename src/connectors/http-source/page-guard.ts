/**
 * Where a poll's pagination ends although the API offers a next page, each with a warning (the
 * records read so far are delivered, the offset advances as at a poll's end):
 *   - OFFSET pagination only: a second page in a row that repeats the page before it, the same body
 *     or the same selected records (an API that ignores the offset parameter would otherwise be read
 *     forever). A repeated page's records are not delivered again; after the first repeat the poll
 *     reads on: exactly a page of records arriving between two requests shifts a newest-first API's
 *     next page onto the one just read, and the page after it holds the records still unread.
 *     CURSOR and LINK_HEADER pages are never compared by content: two consecutive pages may well be
 *     equal (two empty pages of an API that filters after paginating, each with its own next link),
 *     and their loops are caught by the checks below;
 *   - a next page already read in this poll (the same URL, or the same cursor again);
 *   - `http.pagination.max.pages` pages read in this poll: the records on the pages past the cap are
 *     not read in this poll (`capped`: the page not followed, only when the cap alone ends the poll;
 *     with a newest-first API and a TIMESTAMP offset the task holds the poll there, unread-gap.ts).
 * Used by HttpSourceTask for every page it reads.
 */
import { JsonText } from "../../api/data/json-text.ts";
import { redactUrl } from "../../http/http-client.ts";
import type { ShowUrl } from "../../http/shown-url.ts";
import { Slicer } from "../../util/sliced.ts";
import type { PageState } from "./offsets.ts";
import type { PaginationStop } from "./pagination.ts";
import type { SelectedRecord } from "./records.ts";

/** What a poll remembers of the pages it read. */
export interface PageTrail {
  /** URLs of the pages read. */
  readonly visited: Set<string>;
  /** Pages read (since the run started or resumed). */
  pages: number;
  /** Digests of the last page read. */
  last?: { readonly body: bigint | number; readonly records: bigint | number | undefined };
  /** Pages in a row, up to the last one read, that repeated the page before them. */
  repeats: number;
}

export function newTrail(): PageTrail {
  return { visited: new Set(), pages: 0, repeats: 0 };
}

function recordText(record: SelectedRecord): string {
  const value = record.value;
  return value instanceof JsonText ? value.text : typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * A digest of the records' texts in order, each hashed with the previous digest as seed (no copy),
 * in `slicer`'s slices.
 */
async function recordsDigest(records: SelectedRecord[], slicer: Slicer): Promise<bigint | number> {
  let digest: bigint | number = records.length;
  await slicer.each(0, records.length, (i) => {
    digest = Bun.hash(recordText(records[i]!), digest);
  });
  return digest;
}

/** Keeps the trail's last `max` URLs (a poll held past the cap reads on for many polls): loops still show within them. */
export function trimTrail(trail: PageTrail, max: number): void {
  for (const url of trail.visited) {
    if (trail.visited.size <= max) return;
    trail.visited.delete(url);
  }
}

/** What repeatedPage compares of a page. */
export type PageDigest = NonNullable<PageTrail["last"]>;

/**
 * The digest of a page for repeatedPage, with `compare` (OFFSET pagination), else undefined; in
 * `slicer`'s slices (an abort of its signal is thrown as is).
 */
export async function pageDigest(
  body: Uint8Array,
  records: SelectedRecord[],
  compare: boolean,
  slicer: Slicer = new Slicer(),
): Promise<PageDigest | undefined> {
  if (!compare) return undefined;
  return { body: Bun.hash(body), records: records.length > 0 ? await recordsDigest(records, slicer) : undefined };
}

/**
 * Records the page just read (`digest`: pageDigest's); with a digest, says why the page repeats the
 * previous page of the poll, else undefined. Pages without records compare by body only (two empty
 * pages may well differ in what follows).
 */
export function repeatedPage(trail: PageTrail, url: string, digest: PageDigest | undefined): string | undefined {
  trail.visited.add(url);
  trail.pages++;
  if (digest === undefined) return undefined;
  const last = trail.last;
  trail.last = digest;
  const repeated = last === undefined ? undefined : repeatOf(digest, last);
  trail.repeats = repeated === undefined ? 0 : trail.repeats + 1;
  return repeated;
}

function repeatOf(digest: PageDigest, last: PageDigest): string | undefined {
  if (digest.body === last.body) return "the page has the same body as the previous page";
  if (digest.records !== undefined && digest.records === last.records)
    return "the page has the same records as the previous page";
  return undefined;
}

/** Why the poll ends instead of going on from `current` to `next` (the warning's text; `capped`: at the cap), or undefined. */
function unfollowedPage(
  trail: PageTrail,
  current: PageState,
  next: PageState,
  maxPages: number,
  showUrl: ShowUrl,
): { readonly text: string; readonly capped: boolean } | undefined {
  if (trail.visited.has(next.url) || (next.cursor !== undefined && next.cursor === current.cursor))
    return { text: `Pagination does not advance (${showUrl(next.url)} again): the poll ends here`, capped: false };
  if (trail.pages >= maxPages)
    return {
      text: `Pagination reached http.pagination.max.pages (${maxPages}): the poll ends here; the records on the pages past it are not read in this poll`,
      capped: true,
    };
  return undefined;
}

/** What follows a page just read (afterPage). */
export interface AfterPage {
  /** The page to read next; null: the poll ends. */
  readonly next: PageState | null;
  /** Whether the page's records are delivered: not when it repeats the previous page. */
  readonly deliver: boolean;
  /**
   * The next page pagination offers, not followed because the poll read http.pagination.max.pages
   * pages (and for no other reason), with the WARN to log unless the task holds the poll there.
   */
  readonly capped?: { readonly page: PageState; readonly warning: string };
  readonly notes: readonly { readonly level: "info" | "warn"; readonly text: string }[];
}

/**
 * Records the page just read at `url` (`digest`: pageDigest's) and says what follows it, from the
 * next page pagination offers: that page, or the poll's end, with what to log (see above).
 */
export function afterPage(
  trail: PageTrail,
  url: string,
  digest: PageDigest | undefined,
  current: PageState,
  offered: PageState | PaginationStop | null,
  maxPages: number,
  showUrl: ShowUrl = redactUrl,
): AfterPage {
  const repeated = repeatedPage(trail, url, digest);
  const notes: { level: "info" | "warn"; text: string }[] = [];
  let next = offered && "stop" in offered ? null : offered;
  if (offered && "stop" in offered)
    notes.push({ level: "warn", text: `Pagination ends: ${offered.stop}; the poll ends here` });
  const unfollowed = next && unfollowedPage(trail, current, next, maxPages, showUrl);
  const capped = unfollowed?.capped ? { capped: { page: next!, warning: unfollowed.text } } : {};
  if (unfollowed) {
    if (!unfollowed.capped) notes.push({ level: "warn", text: unfollowed.text });
    next = null;
  }
  if (repeated === undefined) return { next, deliver: true, notes, ...capped };
  // A repeated page ends the poll by itself: never held at the cap (an API clamping past its end).
  if (unfollowed?.capped) notes.push({ level: "warn", text: unfollowed.text });
  const where = `${repeated} (${showUrl(url)}): its records are not delivered again`;
  if (next && trail.repeats === 1)
    return {
      next,
      deliver: false,
      notes: [
        ...notes,
        { level: "info", text: `${where}; reading the next page (new records shift the pages of a newest-first API)` },
      ],
    };
  return {
    next: null,
    deliver: false,
    notes: [...notes, { level: "warn", text: `${where}, the poll ends here` }],
  };
}
