/**
 * Where a poll's pagination ends although the API offers a next page, each with a warning (the
 * records read so far are delivered, the offset advances as at a poll's end):
 *   - OFFSET pagination only: a page that repeats the previous page of the poll, the same body or
 *     the same selected records (an API that ignores the offset parameter would otherwise be read
 *     forever); the repeated page's records are not delivered again. CURSOR and LINK_HEADER pages
 *     are never compared by content: two consecutive pages may well be equal (two empty pages of an
 *     API that filters after paginating, each with its own next link), and their loops are caught
 *     by the checks below;
 *   - a next page already read in this poll (the same URL, or the same cursor again);
 *   - `http.pagination.max.pages` pages read in this poll.
 * Used by HttpSourceTask for every page it reads.
 */
import { JsonText } from "../../api/data/json-text.ts";
import { redactUrl } from "../../http/http-client.ts";
import { Slicer } from "../../util/sliced.ts";
import type { PageState } from "./offsets.ts";
import type { SelectedRecord } from "./records.ts";

/** What a poll remembers of the pages it read. */
export interface PageTrail {
  /** URLs of the pages read. */
  readonly visited: Set<string>;
  /** Pages read (since the run started or resumed). */
  pages: number;
  /** Digests of the last page read. */
  last?: { readonly body: bigint | number; readonly records: bigint | number | undefined };
}

export function newTrail(): PageTrail {
  return { visited: new Set(), pages: 0 };
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
  if (last === undefined) return undefined;
  if (digest.body === last.body) return "the page has the same body as the previous page";
  if (digest.records !== undefined && digest.records === last.records)
    return "the page has the same records as the previous page";
  return undefined;
}

/** Why the poll does not go on from `current` to `next`, or undefined. */
export function unfollowedPage(
  trail: PageTrail,
  current: PageState,
  next: PageState,
  maxPages: number,
): string | undefined {
  if (trail.visited.has(next.url) || (next.cursor !== undefined && next.cursor === current.cursor))
    return `Pagination does not advance (${redactUrl(next.url)} again)`;
  if (trail.pages >= maxPages) return `Pagination reached http.pagination.max.pages (${maxPages})`;
  return undefined;
}
