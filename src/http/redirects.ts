/**
 * Redirects of the shared HttpClient, followed by the client itself (fetch's own `follow` would
 * carry a custom credential header such as `X-Api-Key`, and a 307/308 body, to any host). Called by
 * `HttpClient.request` for each 3xx answer; decides the next request or refuses it.
 *
 * Rules (what Flink's HTTP connector, on Java's `Redirect.NORMAL`, and castorm's OkHttp do, made
 * strict about credentials):
 *  - 301, 302, 303, 307 and 308 with a Location are followed, at most `MAX_REDIRECTS` in a row; any
 *    other status (or a 3xx without Location) is the response (the HTTP sink then counts it as
 *    delivered unless sink.error.code lists it, with a WARN: http-sink/delivery.ts).
 *  - 303 (See Other: the server took the request) becomes a GET without body and without its
 *    Content-* headers, unless the caller takes the 303 as the answer (`seeOtherIsAnswer`): the HTTP
 *    sink does, where getindata's Flink connector follows it with a GET and decides by that GET's
 *    status, because the page's 404 or 503 says nothing of the records the endpoint took (RFC 9110
 *    §15.4.4) and would have them sent again. 301, 302, 307 and 308 repeat method and body (RFC 9110
 *    lets a client keep a POST on 301/302, as curl's --post301/--post302 do): the sink's records are
 *    never dropped on the way to a GET that would count them as delivered.
 *  - Same origin (scheme, host and port): every header is sent again.
 *  - Another origin: none of the caller's headers (configured headers, Authorization, Cookie, API
 *    keys: all of them) is sent, only the client's own User-Agent and Accept-Encoding; once dropped
 *    they stay dropped, even when a later hop comes back. A request that would still carry a body
 *    there (307/308 of a POST or PUT) is refused with `HttpRedirectError`, as is https → http.
 */
import { ConnectError } from "../errors.ts";

export const MAX_REDIRECTS = 20;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

/** One request of a redirect chain. */
export interface Hop {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: string | Uint8Array | undefined;
}

/**
 * What a refused redirect is about: `origin`, where it leads (another origin with a body, https → http, a
 * scheme other than http or https), which the request's origin alone decides; `path`, this one chain (more
 * than `MAX_REDIRECTS` hops, a Location that is not a URL), which another path of the same origin may not meet.
 */
export type RedirectRefusal = "origin" | "path";

/** A redirect that is not followed (another origin with a body, https → http, too many hops). */
export class HttpRedirectError extends ConnectError {
  override name = "HttpRedirectError";
  constructor(
    message: string,
    readonly about: RedirectRefusal,
  ) {
    super(message);
  }
}

/** The origin only (never the path or query, which may carry credentials), for messages. */
function originOf(url: URL): string {
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : `${url.protocol}…`;
}

/**
 * The request to send after `status` with `location`, or undefined when the response is final.
 * `own` are the client's own headers (User-Agent, Accept-Encoding), all that goes to another
 * origin; `redirects` counts the hops already followed; `what` names the request for messages.
 */
export function nextHop(
  current: Hop,
  status: number,
  location: string | null,
  own: Headers,
  redirects: number,
  what: string,
): Hop | undefined {
  if (!REDIRECT_STATUSES.has(status) || location === null) return undefined;
  if (redirects >= MAX_REDIRECTS) throw new HttpRedirectError(`${what}: more than ${MAX_REDIRECTS} redirects`, "path");
  const from = new URL(current.url);
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new HttpRedirectError(`${what}: HTTP ${status} with a Location that is not a URL`, "path");
  }
  if (to.protocol !== "http:" && to.protocol !== "https:") {
    throw new HttpRedirectError(`${what}: HTTP ${status} to ${originOf(to)}, which is not http or https`, "origin");
  }
  if (from.protocol === "https:" && to.protocol === "http:") {
    throw new HttpRedirectError(
      `${what}: HTTP ${status} from https to ${originOf(to)}: not followed (https → http)`,
      "origin",
    );
  }
  const toGet = status === 303 && current.method !== "HEAD";
  const method = toGet ? "GET" : current.method;
  const body = toGet ? undefined : current.body;
  let headers = new Headers(current.headers);
  if (toGet) for (const name of BODY_HEADERS) headers.delete(name);
  if (to.origin !== from.origin) {
    if (body !== undefined) {
      throw new HttpRedirectError(
        `${what}: HTTP ${status} to another origin (${originOf(to)}) would send the request body there: not followed`,
        "origin",
      );
    }
    headers = new Headers(own);
  }
  return { method, url: to.toString(), headers, body };
}
