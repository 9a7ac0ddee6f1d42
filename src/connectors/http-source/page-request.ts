/**
 * The request for a page (HttpSourceTask): `http.method`, `http.headers` and `http.request.body`
 * with `${offset}` replaced (offset-template.ts: encoded as each place needs, JSON-escaped in a JSON
 * body), sent to the page's URL.
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
  return {
    method: c["http.method"].toUpperCase(),
    url,
    headers: headers.map(([k, v]) => [k, withOffset(v, offset, "header")]),
    body: body === null ? undefined : withOffset(body, offset, bodyPlace(body, headers)),
  };
}
