/**
 * The REST listeners' request log, as Connect's RestServer writes one line per request through
 * Jetty's `CustomRequestLog(EXTENDED_NCSA_FORMAT + " %{ms}T")` at INFO under the logger
 * `org.apache.kafka.connect.runtime.rest.RestServer` (`/admin/loggers` turns it down):
 *
 *   127.0.0.1 - - [03/Dec/2026:22:00:00 +0000] "GET /connectors HTTP/1.1" 200 2 "-" "curl/8.0" 12
 *
 * client address, `-`, the user (`-`: Connect's authentication is a JAX-RS filter, which Jetty's
 * `%u` never sees), the time the request arrived (GMT), the request line as sent, the status, the
 * body bytes sent, Referer, User-Agent, and the milliseconds from arrival to the answer written.
 * No Authorization or other header besides those two. Nothing is formatted while INFO is off for
 * the logger. The ingest listener has no such log (a data path).
 */
import type { Logger } from "../../util/logger.ts";
import type { RequestHead } from "./request-head.ts";

export const REQUEST_LOGGER = "org.apache.kafka.connect.runtime.rest.RestServer";

export interface LoggedRequest {
  readonly remoteAddress: string;
  readonly head: RequestHead;
  readonly status: number;
  /** Body bytes sent. */
  readonly bytes: number;
  /** Epoch ms the request head was read. */
  readonly startedAt: number;
}

export type RequestLog = (request: LoggedRequest) => void;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** `dd/MMM/yyyy:HH:mm:ss +0000`, Jetty's default `%t` in GMT. */
export function ncsaTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function header(head: RequestHead, name: string): string {
  for (const [n, v] of head.headers) if (n.toLowerCase() === name) return v;
  return "-";
}

/** The line for `request`, answered at `now`. */
export function requestLogLine(request: LoggedRequest, now: number): string {
  const { head } = request;
  const client = request.remoteAddress.startsWith("::ffff:") ? request.remoteAddress.slice(7) : request.remoteAddress;
  return `${client || "-"} - - [${ncsaTime(request.startedAt)}] "${head.method} ${head.target} ${head.version}" ${request.status} ${request.bytes} "${header(head, "referer")}" "${header(head, "user-agent")}" ${Math.max(0, now - request.startedAt)}`;
}

export function requestLog(logger: Logger, now: () => number = Date.now): RequestLog {
  return (request) => {
    if (logger.isEnabled("INFO")) logger.info(requestLogLine(request, now()));
  };
}
