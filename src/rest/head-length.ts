/**
 * HEAD on a GET resource: hono runs the GET route and drops its body, and so the Content-Length
 * header GET would send. Jersey (Apache Kafka Connect's REST framework) buffers the entity it
 * writes for a HEAD request and declares its length, as long as it fits its outbound buffer
 * (8192 bytes, ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER); a longer entity, which a GET
 * would send chunked, leaves a HEAD answer with `Content-Length: 0`. This middleware, around every
 * route and fallback of the REST app (only response.http.headers.config's is outside it), gives
 * every HEAD answer (routes, 404/405s, errors) that header the same way.
 */
import type { MiddlewareHandler } from "hono";

/** Jersey's default outbound buffer: entities up to this long get a Content-Length. */
export const JERSEY_CONTENT_LENGTH_BUFFER = 8192;

/** The Content-Length Jersey declares for a HEAD request whose GET sends `body`. */
export function headContentLength(bodyBytes: number): number {
  return bodyBytes <= JERSEY_CONTENT_LENGTH_BUFFER ? bodyBytes : 0;
}

export const headContentLengthMiddleware: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.req.method !== "HEAD" || c.res.headers.has("Content-Length")) return;
  const status = c.res.status;
  if (status === 204 || status === 304 || status < 200) return;
  const bytes = c.res.body ? (await c.res.clone().arrayBuffer()).byteLength : 0;
  c.res.headers.set("Content-Length", String(headContentLength(bytes)));
};
