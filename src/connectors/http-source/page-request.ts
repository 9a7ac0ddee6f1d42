/**
 * The request for a page (HttpSourceTask): `http.method`, `http.headers` and `http.request.body`
 * with `${offset}` replaced, sent to the page's URL. `${offset}` is the offset's text, the empty
 * string before there is one; in `http.url` it is URL-encoded (it is part of a URL), elsewhere as is.
 */
import type { HttpSourceConfig } from "./config.ts";
import type { OffsetValue } from "./offsets.ts";
import type { PageRequest } from "./page-fetcher.ts";

/** `template` with `${offset}` replaced by `offset` (URL-encoded when `encode`). */
export function withOffset(template: string, offset: OffsetValue, encode: boolean): string {
  const value = offset === null ? "" : String(offset);
  return template.replaceAll("${offset}", encode ? encodeURIComponent(value) : value);
}

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
    headers: headers.map(([k, v]) => [k, withOffset(v, offset, false)]),
    body: body === null ? undefined : withOffset(body, offset, false),
  };
}
