/**
 * Pagination of one poll: from the page just read to the next page, or null at the end.
 *   OFFSET       `<offset.param>=<position>&<limit.param>=<limit>`; a page with fewer records than
 *                the limit is the last.
 *   CURSOR       the cursor at `cursor.path` in the response goes into `<cursor.param>`; a missing,
 *                null, false or empty cursor ends the poll; an object or array there ends it with
 *                a warning (the path does not fit the API).
 *   LINK_HEADER  the `rel="next"` target of the Link header (RFC 8288), resolved against the
 *                URL that answered (after a redirect, the redirect's target, as fetch and OkHttp
 *                do), so relative and absolute links both work (GitHub style). A link is
 *                followed only to http.url's origin (scheme, host and port): the request carries
 *                http.headers and the credentials, which must never reach another server (nor go
 *                from https to http); any other target ends the poll with a warning.
 * A page's URL is always built on http.url, also when a poll resumes from a stored offset
 * (`resumedPage`: the stored pagination state, never a stored URL).
 * Where pagination ends although a next page is offered (loops, repeats, max pages): page-guard.ts.
 */
import type { HttpSourceConfig } from "./config.ts";
import { exactFirst } from "./exact-offsets.ts";
import type { PageState, StoredPage } from "./offsets.ts";
import { linkUrl, segments, storedLink } from "./page-link.ts";

export type PaginationType = "NONE" | "OFFSET" | "CURSOR" | "LINK_HEADER";

export interface PaginationSettings {
  readonly type: PaginationType;
  readonly offsetParam: string;
  readonly limitParam: string;
  readonly limit: number;
  readonly initialPosition: number;
  readonly cursorParam: string;
  readonly cursorPath: string | null;
  /** `http.pagination.max.pages`: pages one poll reads at most. */
  readonly maxPages: number;
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
    maxPages: c["http.pagination.max.pages"],
  };
}

export interface PageResult {
  readonly headers: Headers;
  /** The URL that answered (after redirects; the page's own when undefined). */
  readonly url?: string | undefined;
  readonly json: unknown;
  /** The body's text, where a number of `json` may have lost digits (exact-offsets.ts). */
  readonly text?: string;
  readonly recordCount: number;
}

/**
 * `url` with `params` set (form-encoded; a parameter given twice keeps its first place, once):
 * the rest of the query stays as written, so `$filter`, `%20` and a flag without `=` reach the API
 * as the user configured them (URLSearchParams would re-serialize every parameter).
 */
function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  const pending = new Map(Object.entries(params));
  const out: string[] = [];
  for (const s of segments(u.search)) {
    if (!Object.hasOwn(params, s.name)) out.push(s.raw);
    else if (pending.has(s.name)) {
      out.push(new URLSearchParams([[s.name, pending.get(s.name)!]]).toString());
      pending.delete(s.name);
    }
  }
  if (pending.size > 0) out.push(new URLSearchParams([...pending]).toString());
  u.search = out.join("&");
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
  // A parameter's name stops at `=`, so a quoted value (`title="Page 2, of 9"`) is read whole. A
  // target holds no `<`, so a header of many stray `<` is read in linear time, not quadratic.
  const link = /<([^<>]*)>((?:\s*;\s*[^;,=]+(?:=\s*(?:"(?:[^"\\]|\\.)*"|[^;,]*))?)*)/g;
  for (const match of header.matchAll(link)) {
    const rels = (relOf(match[2] ?? "") ?? "").toLowerCase().split(/\s+/);
    if (rels.includes("next")) return match[1]!;
  }
  return null;
}

/** A link's parameters one by one, as `nextLink` reads them: a quoted value whole. */
const LINK_PARAM = /\s*;\s*([^;,=]+)(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,]*)))?/y;

/** The value of the first `rel` among a link's parameters (RFC 8288 §3.3 ignores later ones). */
function relOf(params: string): string | undefined {
  LINK_PARAM.lastIndex = 0;
  for (let p = LINK_PARAM.exec(params); p !== null; p = LINK_PARAM.exec(params))
    if (p[1]!.trim().toLowerCase() === "rel") return (p[2] ?? p[3] ?? "").trim();
  return undefined;
}

/** Pagination ends early: the poll ends with this reason as a warning. */
export interface PaginationStop {
  readonly stop: string;
}

/**
 * The page after `current`, null at the end, or why pagination stops early. `base` is http.url
 * with the run's offset: its origin is the only one a URL taken from a response may lead to.
 */
export function nextPage(
  p: PaginationSettings,
  current: PageState,
  result: PageResult,
  base: string,
): PageState | PaginationStop | null {
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
      const path = p.cursorPath ?? "$.next_cursor";
      const cursor = exactFirst(result.json, result.text, path);
      if (cursor === undefined || cursor === null || cursor === "") return null;
      // A path to an object or array is a path that does not fit the API: said, not passed over.
      if (typeof cursor === "object")
        return { stop: `the cursor at ${path} is an object or array, not a string or number` };
      // A long integer cursor (bigint in the exact parse) keeps its digits.
      if (typeof cursor !== "string" && typeof cursor !== "number" && typeof cursor !== "bigint") return null;
      const text = String(cursor);
      return { url: withParams(current.url, { [p.cursorParam]: text }), cursor: text };
    }
    case "LINK_HEADER": {
      const target = nextLink(result.headers.get("link"));
      if (target === null || target.trim() === "") return null;
      let url: URL;
      try {
        url = new URL(target.trim(), result.url ?? current.url);
      } catch {
        return { stop: "the next link is not a URL" };
      }
      const origin = new URL(base).origin;
      // The origin only: a link's path and query may hold secrets.
      if (url.origin !== origin)
        return { stop: `the next link leads to ${url.origin}, not to the origin of http.url (${origin})` };
      return { url: url.toString(), ...storedLink(url, base) };
    }
  }
}

/** The pagination a stored page belongs to; undefined for a poll's first page, which any has. */
function storedKind(base: string, page: StoredPage): PaginationType | undefined {
  if (page.position !== undefined) return "OFFSET";
  if (page.cursor !== undefined) return "CURSOR";
  if (page.link !== undefined || (page.legacyUrl !== undefined && page.legacyUrl !== base)) return "LINK_HEADER";
  return undefined;
}

/**
 * Why a stored page is of another pagination than http.pagination.type's (the config changed
 * since), or undefined: it is not resumed, as it would ask the API a page that does not exist.
 */
export function otherPagination(p: PaginationSettings, base: string, page: StoredPage): string | undefined {
  const kind = storedKind(base, page);
  if (kind !== undefined && kind !== p.type)
    return `the stored page is of ${kind} pagination, and http.pagination.type is now ${p.type}`;
  return undefined;
}

/**
 * The page a stored pagination state names, built on `base` (the current http.url with the stored
 * offset). An earlier version's `page_url` with neither cursor nor position (a Link page) keeps its
 * path and query but takes http.url's current values for the parameters http.url has; on another
 * origin it is not followed. A page of another pagination (otherPagination) is not resumed.
 */
export function resumedPage(p: PaginationSettings, base: string, page: StoredPage): PageState | PaginationStop {
  const other = otherPagination(p, base, page);
  if (other !== undefined) return { stop: other };
  if (page.position !== undefined)
    return {
      url: withParams(base, { [p.offsetParam]: String(page.position), [p.limitParam]: String(p.limit) }),
      position: page.position,
    };
  if (page.cursor !== undefined)
    return { url: withParams(base, { [p.cursorParam]: page.cursor }), cursor: page.cursor };
  if (page.link !== undefined) {
    const stored = { link: page.link, ...(page.linkParams ? { linkParams: page.linkParams } : {}) };
    return { url: linkUrl(stored, base), ...stored };
  }
  if (page.legacyUrl !== undefined && page.legacyUrl !== base) {
    let url: URL;
    try {
      url = new URL(page.legacyUrl);
    } catch {
      return { stop: "the stored page is not a URL" };
    }
    if (url.origin !== new URL(base).origin) return { stop: "the stored page is not on the origin of http.url" };
    const names = [...new URL(base).searchParams.keys()];
    for (const name of names) url.searchParams.delete(name);
    const path = url.pathname === new URL(base).pathname ? "" : url.pathname;
    const stored = { link: path + url.search, linkParams: names };
    return { url: linkUrl(stored, base), ...stored };
  }
  return firstPage(p, base);
}

/** A page for a log line, without its URL (what http.url carries stays out of logs). */
export function describePage(page: StoredPage): string {
  if (page.position !== undefined) return `position ${page.position}`;
  if (page.cursor !== undefined) return `cursor ${JSON.stringify(page.cursor)}`;
  if (page.link !== undefined) return "the page of a next link";
  return "the first page";
}
