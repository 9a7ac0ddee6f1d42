/**
 * The direct path: which requests skip hono and go straight to a connector's own `ingest.path` (the
 * single-record hot path, which hono would route to the same handler), read from the request's URL
 * and Host header without building a URL object. Used by ingest-handler.ts and native-paths.ts.
 */

const SLASH = 47;
/** Host header values from which Bun always builds an absolute request URL (see `hasPlainHost`). */
const PLAIN_HOST = /^[A-Za-z0-9.:[\]-]+$/;

/**
 * The path of an absolute request URL as hono routes it, or null when it is percent-encoded (hono
 * decodes those; such requests take hono's path).
 */
function plainPath(url: string): string | null {
  const start = url.indexOf("/", url.indexOf(":") + 4);
  if (start < 0) return null;
  let end = url.indexOf("?", start);
  if (end < 0) end = url.length;
  const at = url.indexOf("%", start);
  if (at >= 0 && at < end) return null;
  return url.slice(start, end);
}

/** A path the REST Proxy routes (or the listener's own GET routes) may claim before the native routes. */
export function mayBeClaimed(path: string): boolean {
  return path.startsWith("/topics/") || path.startsWith("/v3/");
}

/** A route's path as a request names it, one trailing slash dropped. */
export function routePath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** The connector path a POST may take the direct path to, or null when hono routes it. */
export function directPath(request: Request): string | null {
  if (request.method !== "POST") return null;
  const path = plainPath(request.url);
  return path === null || mayBeClaimed(path) ? null : routePath(path);
}

/**
 * An HTTP/1.0 request without Host reaches the handler with its bare request-target as `url`:
 * hono and `plainPath` would take `/abc/ingest/p` as a host and `/ingest/p` (P2.10). No route is
 * served for such a request, on any path.
 */
export function isBareTarget(request: Request): boolean {
  return request.url.charCodeAt(0) === SLASH;
}

/**
 * For a request Bun's router matched by path, whether it cannot be a bare target, told without
 * building its URL (~1 % of the gateway's CPU under single-record load): Bun makes the URL absolute
 * from any Host made of these characters (even an invalid one, which `new URL` refuses as before);
 * only a missing or other Host needs the URL looked at.
 */
export function hasPlainHost(request: Request): boolean {
  const host = request.headers.get("host");
  return host !== null && PLAIN_HOST.test(host);
}
