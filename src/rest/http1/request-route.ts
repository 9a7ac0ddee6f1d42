/**
 * From a parsed request head to what the REST listener routes: the origin-form path and query, or
 * the answer Connect (Jetty) gives to a head or a target it refuses. Called by
 * `http1-connection.ts` for every request; pure, so each refusal is checked on its own.
 *
 * Targets: origin form (`/connectors?expand=status`) is checked as Jetty checks it
 * (`request-target.ts`); absolute form must name the Host it came with (`Authority!=Host`); `*`
 * is only for OPTIONS (answered with an empty 404); CONNECT's authority form
 * routes to `/`.
 */
import { errorPageFor, jettyErrorResponse } from "./jetty-error-page.ts";
import type { HeadError, RequestHead } from "./request-head.ts";
import type { LoggedHead } from "./request-log.ts";
import { ABSOLUTE_FORM, checkOriginTarget, standInTarget } from "./request-target.ts";
import { unmadeRequest } from "./unmade-request.ts";

export interface Route {
  readonly path: string;
  readonly query: string;
}

/** A target Connect refuses: its answer, and what Jetty's request log shows of the request. */
export interface Refusal {
  readonly response: Response;
  readonly logged: LoggedHead;
}

/** Connect's answer to a head it could not parse (`error` from parseRequestHead). */
export function headErrorResponse(error: HeadError, scheme: "http" | "https"): Response {
  const uri =
    error.uri.kind === "badMessage"
      ? "/badMessage"
      : error.uri.kind === "target"
        ? standInTarget(error.uri.target)
        : `${scheme}://${error.uri.host}${error.uri.target}`;
  const method = error.uri.kind === "badMessage" ? null : error.uri.method;
  return jettyErrorResponse(error.status, error.reason, uri, error.empty || !errorPageFor(method));
}

/**
 * The path to route, or Connect's answer for a target it refuses. Jetty refuses most of them before
 * it makes the request (HttpConnection's badMessage: logged with no header fields, `GET /badMessage
 * HTTP/1.0` when the target could not be parsed, `/badURI` for one with URI violations); `*` is
 * refused, and OPTIONS * answered, once the request is made: logged as sent.
 */
export function routeOf(head: RequestHead, scheme: "http" | "https"): Route | Refusal {
  // A target refused while its request line is still being read always gets the page.
  const refuse = (reason: string, uri: string, logged = unmadeRequest(uri === "/badMessage" ? null : head)) => ({
    response: jettyErrorResponse(400, reason, uri, uri !== "/badMessage" && !errorPageFor(head.method)),
    logged,
  });
  let target = head.target;
  if (target === "*") {
    if (head.method === "OPTIONS")
      return { response: new Response(null, { status: 404, headers: { "Content-Length": "0" } }), logged: head };
    return refuse("Bad URI path", `${scheme}://${head.host}*`, head);
  }
  const absolute = ABSOLUTE_FORM.exec(target);
  if (absolute) {
    // Jetty checks the URI's violations before its authority against Host (HttpConnection.headerComplete).
    const checked = checkOriginTarget(target.slice(absolute[0].length) || "/");
    if (!checked.ok) return refuse(checked.reason, `/${checked.uri}`);
    if (absolute[1] !== head.host) return refuse("Authority!=Host", target);
    return checked;
  }
  if (head.method.toUpperCase() === "CONNECT" && !target.startsWith("/")) {
    target = "/";
  } else if (head.method.toUpperCase() === "CONNECT" || !target.startsWith("/")) {
    return refuse("Bad Request", target.startsWith("/") ? "/badMessage" : `${scheme}:${target}`);
  }
  const checked = checkOriginTarget(target);
  if (!checked.ok) return refuse(checked.reason, `/${checked.uri}`);
  return checked;
}
