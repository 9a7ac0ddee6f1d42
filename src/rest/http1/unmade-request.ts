/**
 * What Jetty 12 makes of a request it refuses before making it (HttpConnection's `badMessage`): a
 * stand-in request with `HttpFields.EMPTY`, which its request log writes (so Referer and
 * User-Agent are `""`) and whose target its error page shows. Used by `request-route.ts` for the
 * targets it refuses and the heads the parser refuses; the line itself is `request-log.ts`'s.
 */
import type { HeadError } from "./request-head.ts";
import type { LoggedHead } from "./request-log.ts";
import { standInTarget } from "./request-target.ts";

const BAD_MESSAGE_HEAD: LoggedHead = { method: "GET", target: "/badMessage", version: "HTTP/1.0", headers: [] };

/**
 * The stand-in for a request refused before it was made: `GET /badMessage HTTP/1.0` when the
 * request line was not parsed (`null`), else its method, target and version, the target as
 * `/badURI` when it has URI violations (an encoded `/`, `%` or dot segment, an empty segment, a
 * character outside the path's, user info: whatever the refusal was for).
 */
export function unmadeRequest(line: { method: string; target: string; version: string } | null): LoggedHead {
  if (line === null) return BAD_MESSAGE_HEAD;
  return { method: line.method, target: standInTarget(line.target), version: line.version, headers: [] };
}

/**
 * What Jetty 12's request log shows of a head its parser refused: a request refused before it was
 * made as `unmadeRequest` says (a version Jetty would have refused in the request line is a bad
 * message); one refused once made (417 for an unknown expectation, 426 for HTTP/2.0: the checks on
 * the whole head) as it was sent, its header fields included.
 */
export function refusedHead(error: HeadError): LoggedHead {
  const { uri } = error;
  if (uri.kind === "badMessage" || uri.version === undefined) return BAD_MESSAGE_HEAD;
  if (!/^HTTP\/\d\.\d$/i.test(uri.version)) return BAD_MESSAGE_HEAD;
  const line = { method: uri.method, target: uri.target, version: uri.version.toUpperCase() };
  if (uri.kind === "url") return { ...line, headers: uri.headers };
  return unmadeRequest(line);
}
