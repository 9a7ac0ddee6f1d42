/**
 * How a LINK_HEADER page is kept in the stored source offset without what http.url gives it: its
 * path and query relative to http.url's origin (the only origin a link is followed to), the path
 * left out when it is http.url's own (a key in the path, `/bot<token>/updates`), minus the query
 * parameters it shares with http.url (name and value; an `api_key=…` for instance), whose names are
 * kept instead. A resume rebuilds the URL from the current http.url: its origin, user info and (for
 * a link without a path) path, and its current values for those names, so a rotated key or password
 * is used. What a link carries of its own is stored as it is: a secret of http.url's path in a link
 * to another path (`/bot<token>/updates/2`) is stored, in the offset that GET …/offsets shows.
 * Used by pagination.ts.
 */

export interface StoredLink {
  /** Path (none when it is http.url's) and query of the link, without the parameters of http.url it had. */
  readonly link: string;
  /** Names of http.url's query parameters the link had, re-added from http.url on resume. */
  readonly linkParams?: readonly string[];
}

interface Segment {
  readonly raw: string;
  readonly name: string;
  readonly value: string;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/** The `&`-separated parts of a query (`?…`), each kept as sent and decoded to compare. */
export function segments(search: string): Segment[] {
  return search
    .replace(/^\?/, "")
    .split("&")
    .filter((raw) => raw !== "")
    .map((raw) => {
      const eq = raw.indexOf("=");
      return eq < 0
        ? { raw, name: decode(raw), value: "" }
        : { raw, name: decode(raw.slice(0, eq)), value: decode(raw.slice(eq + 1)) };
    });
}

/** The stored form of `url`, a page on the origin of `base` (http.url with the run's offset). */
export function storedLink(url: URL, base: string): StoredLink {
  const shared = segments(new URL(base).search);
  const kept: string[] = [];
  const names: string[] = [];
  for (const s of segments(url.search)) {
    if (shared.some((b) => b.name === s.name && b.value === s.value)) {
      if (!names.includes(s.name)) names.push(s.name);
    } else kept.push(s.raw);
  }
  const path = url.pathname === new URL(base).pathname ? "" : url.pathname;
  const link = path + (kept.length > 0 ? `?${kept.join("&")}` : "");
  return names.length > 0 ? { link, linkParams: names } : { link };
}

/** The URL a stored link names, on the current http.url (`base`, with the run's offset). */
export function linkUrl(stored: StoredLink, base: string): string {
  // Path and query set on http.url itself: whatever is stored, the origin stays http.url's.
  const url = new URL(base);
  const q = stored.link.indexOf("?");
  const path = q < 0 ? stored.link : stored.link.slice(0, q);
  if (path !== "") url.pathname = path;
  url.search = q < 0 ? "" : stored.link.slice(q);
  url.hash = "";
  const names = stored.linkParams ?? [];
  const added = segments(new URL(base).search).filter((s) => names.includes(s.name));
  if (added.length > 0) url.search = [...segments(url.search), ...added].map((s) => s.raw).join("&");
  return url.toString();
}
