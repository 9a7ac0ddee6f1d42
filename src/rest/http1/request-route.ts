/**
 * From a parsed request head to what the REST listener routes: the origin-form path and query, or
 * the answer Connect (Jetty) gives to a head or a target it refuses, with what its request log shows
 * (`routeOf`, `headRefusal`). Called by `http1-connection.ts` for every request; pure, so each
 * refusal is checked on its own.
 *
 * Targets: origin form (`/connectors?expand=status`) is checked as Jetty checks it
 * (`request-target.ts`); absolute form too (user info is refused as "Deprecated User Info"), then
 * it must name the Host it came with (`Authority!=Host`); `*` is only for OPTIONS (answered with an
 * empty 404); CONNECT's authority form routes to `/`, one with user info is a bad message; any
 * other target is a relative path (400) or starts with a scheme (`targetScheme`). A
 * refusal says how Jetty leaves the connection after it (`ConnectionPolicy`).
 */
import { errorPageFor, jettyErrorResponse } from "./jetty-error-page.ts";
import type { HeadError, RequestHead } from "./request-head.ts";
import type { LoggedHead } from "./request-log.ts";
import { ABSOLUTE_FORM, checkOriginTarget, checkTarget, standInTarget, targetScheme } from "./request-target.ts";
import { authorityName, readAuthority, shownTarget } from "./target-authority.ts";
import { refusedHead, unmadeRequest } from "./unmade-request.ts";

export interface Route {
  readonly path: string;
  readonly query: string;
}

/**
 * How Jetty leaves the connection after an answer: `as-asked` (kept when the request asked for it
 * and its body was read to the end), `close` (`Connection: close` said to HTTP/1.1 only: a bad
 * message), `unsaid-close` (closed without a word, even to HTTP/1.1).
 */
export type ConnectionPolicy = "as-asked" | "close" | "unsaid-close";

/** A target Connect refuses: its answer, and what Jetty's request log shows of the request. */
export interface Refusal {
  readonly response: Response;
  readonly logged: LoggedHead;
  /** The connection after the answer; `close` when not said. */
  readonly after?: ConnectionPolicy;
  /**
   * Refused once Jetty made the request (417, 426, a `*` target): a HEAD's answer is then its head
   * alone. A request refused before it was made gets the page even for HEAD.
   */
  readonly made?: boolean;
}

/** What `routeOf` reads of a head (a refused head's request line, Host and fields will do). */
export type RoutedHead = Pick<RequestHead, "method" | "target" | "host" | "headers"> & { readonly version: string };

/**
 * Connect's answer to a head it could not parse (`error` from parseRequestHead). A check made once
 * the request is made shows the request's URL: an absolute-form target as sent, else the Host's.
 */
export function headErrorResponse(error: HeadError, scheme: "http" | "https"): Response {
  const uri =
    error.uri.kind === "badMessage"
      ? "/badMessage"
      : error.uri.kind === "target"
        ? standInTarget(error.uri.target)
        : ABSOLUTE_FORM.test(error.uri.target)
          ? error.uri.target
          : `${scheme}://${error.uri.host}${error.uri.target}`;
  const method = error.uri.kind === "badMessage" ? null : error.uri.method;
  return jettyErrorResponse(error.status, error.reason, uri, !errorPageFor(method));
}

/**
 * Connect's answer to a head the parser refused, and what Jetty's request log shows of it. Jetty
 * checks the target (HttpConnection.headerComplete) before it makes the request, so a head refused
 * only once made (417, 426) with a target Jetty refuses is refused for its target.
 */
export function headRefusal(error: HeadError, scheme: "http" | "https"): Refusal {
  const { uri } = error;
  if (uri.kind === "url" && uri.version !== undefined && uri.target !== "*") {
    const route = routeOf({ ...uri, version: uri.version }, scheme);
    if ("response" in route) return route;
  }
  return { response: headErrorResponse(error, scheme), logged: refusedHead(error), made: uri.kind === "url" };
}

/**
 * The path to route, or Connect's answer for a target it refuses. Jetty refuses most of them before
 * it makes the request (HttpConnection's badMessage: logged with no header fields, `GET /badMessage
 * HTTP/1.0` when the target could not be parsed, `/badURI` for one with URI violations); `*` is
 * refused, and OPTIONS * answered, once the request is made: logged as sent.
 */
export function routeOf(head: RoutedHead, scheme: "http" | "https"): Route | Refusal {
  // A target refused while its request line is still being read always gets the page.
  const refuse = (reason: string, uri: string, logged = unmadeRequest(uri === "/badMessage" ? null : head)) => ({
    response: jettyErrorResponse(400, reason, uri, uri !== "/badMessage" && !errorPageFor(head.method)),
    logged,
  });
  let target = head.target;
  if (target === "*") {
    // Both made, so logged as sent: OPTIONS * answered as any request (kept as asked), any other
    // method's `*` refused and the connection closed without a `Connection: close`.
    if (head.method === "OPTIONS") {
      const headers = { "Cache-Control": "must-revalidate,no-cache,no-store", "Content-Length": "0" };
      return { response: new Response(null, { status: 404, headers }), logged: head, after: "as-asked", made: true };
    }
    return { ...refuse("Bad URI path", `${scheme}://${head.host}*`, head), after: "unsaid-close", made: true };
  }
  const absolute = ABSOLUTE_FORM.exec(target);
  if (absolute) {
    // An authority HttpURI cannot read (a port that is not digits) is a bad message; then Jetty
    // checks the URI's violations, user info among them, before its authority against Host
    // (HttpConnection.headerComplete): credentials never reach the page or the log.
    const authority = readAuthority(absolute[1]!);
    if (authority === null) return refuse("Bad Request", "/badMessage");
    const checked = checkTarget(target)!;
    if (!checked.ok) return refuse(checked.reason, `/${checked.uri}`);
    // Only a Host sent is compared (an HTTP/1.0 request may have none).
    if (head.host !== "" && authorityName(authority) !== head.host) {
      const scheme = target.slice(0, target.indexOf(":"));
      return refuse("Authority!=Host", shownTarget(scheme, authority, target.slice(absolute[0].length)));
    }
    return checked;
  }
  if (head.method !== "CONNECT" && !target.startsWith("/")) {
    // HttpURI reads a scheme (Jetty's CONNECT is the upper-case method only, so `connect host:port`
    // is read so too): one that breaks RFC 3986, or `*` with more after it, is a bad message; a scheme without an authority
    // fails the Host check (HttpConnection.headerComplete), "Bad Request" with no Host to check.
    const scheme = targetScheme(target);
    if (scheme === null) return refuse("Bad Request", "/badMessage");
    if (scheme !== undefined) {
      const uri = `${scheme.toLowerCase()}${target.slice(scheme.length)}`;
      return refuse(head.host === "" ? "Bad Request" : "Authority!=Host", uri);
    }
  }
  if (head.method === "CONNECT" && !target.startsWith("/")) {
    if (target.includes("@")) return refuse("Bad Request", "/badMessage");
    target = "/";
  } else if (head.method === "CONNECT" || !target.startsWith("/")) {
    return refuse("Bad Request", target.startsWith("/") ? "/badMessage" : `${scheme}:${target}`);
  }
  const checked = checkOriginTarget(target);
  if (!checked.ok) return refuse(checked.reason, `/${checked.uri}`);
  return checked;
}
