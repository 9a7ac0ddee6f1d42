/**
 * The request for a page (HttpSourceTask): `http.method`, `http.headers` and `http.request.body`
 * with `${offset}` replaced (offset-template.ts: encoded as each place needs, JSON-escaped in a JSON
 * body), sent to the page's URL. A body that is a JSON object or array, with no Content-Type in
 * http.headers, goes as `Content-Type: application/json` (the connector reads it as JSON already,
 * and a JSON API may refuse or ignore a body without it); any other body goes without one unless
 * http.headers sets it.
 */
import type { HttpSourceConfig } from "./config.ts";
import { bodyPlace, withOffset } from "./offset-template.ts";
import type { OffsetValue } from "./offsets.ts";
import type { PageRequest } from "./page-fetcher.ts";

/** The request for the page at `url` of a run at `offset`; `headers` are the parsed `http.headers`. */
export function pageRequest(
  c: HttpSourceConfig,
  headers: readonly [string, string][],
  url: string,
  offset: OffsetValue,
): PageRequest {
  const body = c["http.request.body"];
  const place = body === null ? undefined : bodyPlace(body, headers);
  const sent: [string, string][] = headers.map(([k, v]) => [k, withOffset(v, offset, "header")]);
  if (place === "json" && !headers.some(([name]) => name.trim().toLowerCase() === "content-type"))
    sent.push(["Content-Type", "application/json"]);
  return {
    method: c["http.method"].toUpperCase(),
    url,
    headers: sent,
    body: body === null || place === undefined ? undefined : withOffset(body, offset, place),
  };
}
