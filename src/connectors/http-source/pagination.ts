/**
 * Pagination of one poll: from the page just read to the next page, or null at the end.
 *   OFFSET       `<offset.param>=<position>&<limit.param>=<limit>`; a page with fewer records than
 *                the limit is the last.
 *   CURSOR       the cursor at `cursor.path` in the response goes into `<cursor.param>`; a missing,
 *                null or empty cursor ends the poll.
 *   LINK_HEADER  the `rel="next"` target of the Link header (RFC 8288), resolved against the
 *                page's URL, so relative and absolute links both work (GitHub style).
 * The task guards against loops (a page URL or cursor seen twice in one poll).
 */
import type { HttpSourceConfig } from "./config.ts";
import type { PageState } from "./offsets.ts";
import { selectFirst } from "./records.ts";

export type PaginationType = "NONE" | "OFFSET" | "CURSOR" | "LINK_HEADER";

export interface PaginationSettings {
  readonly type: PaginationType;
  readonly offsetParam: string;
  readonly limitParam: string;
  readonly limit: number;
  readonly initialPosition: number;
  readonly cursorParam: string;
  readonly cursorPath: string | null;
}

/** The pagination keys of a parsed config. */
export function paginationSettings(c: HttpSourceConfig): PaginationSettings {
  return {
    type: c["http.pagination.type"].toUpperCase() as PaginationType,
    offsetParam: c["http.pagination.offset.param"],
    limitParam: c["http.pagination.limit.param"],
    limit: c["http.pagination.limit.value"],
    initialPosition: c["http.pagination.offset.initial"],
    cursorParam: c["http.pagination.cursor.param"],
    cursorPath: c["http.pagination.cursor.path"],
  };
}

export interface PageResult {
  readonly headers: Headers;
  readonly json: unknown;
  readonly recordCount: number;
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** The first page of a poll whose URL (offset already substituted) is `url`. */
export function firstPage(p: PaginationSettings, url: string): PageState {
  if (p.type === "OFFSET")
    return {
      url: withParams(url, { [p.offsetParam]: String(p.initialPosition), [p.limitParam]: String(p.limit) }),
      position: p.initialPosition,
    };
  return { url };
}

/** The targets of `rel="next"` links in a Link header (RFC 8288: several links, several rels). */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  const link = /<([^>]*)>((?:\s*;\s*[^;,]+(?:=(?:"[^"]*"|[^;,]*))?)*)/g;
  for (const match of header.matchAll(link)) {
    const params = match[2] ?? "";
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (rels.includes("next")) return match[1]!;
  }
  return null;
}

export function nextPage(p: PaginationSettings, current: PageState, result: PageResult): PageState | null {
  switch (p.type) {
    case "NONE":
      return null;
    case "OFFSET": {
      if (result.recordCount === 0 || result.recordCount < p.limit) return null;
      const position = (current.position ?? p.initialPosition) + result.recordCount;
      return {
        url: withParams(current.url, { [p.offsetParam]: String(position), [p.limitParam]: String(p.limit) }),
        position,
      };
    }
    case "CURSOR": {
      const cursor = selectFirst(result.json, p.cursorPath ?? "$.next_cursor");
      if (cursor === undefined || cursor === null || cursor === "") return null;
      // A long integer cursor (bigint in the exact parse) keeps its digits.
      if (typeof cursor !== "string" && typeof cursor !== "number" && typeof cursor !== "bigint") return null;
      const text = String(cursor);
      return { url: withParams(current.url, { [p.cursorParam]: text }), cursor: text };
    }
    case "LINK_HEADER": {
      const target = nextLink(result.headers.get("link"));
      if (target === null || target.trim() === "") return null;
      return { url: new URL(target.trim(), current.url).toString() };
    }
  }
}
