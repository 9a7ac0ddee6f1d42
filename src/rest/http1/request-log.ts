/**
 * The REST listeners' request log, as Connect's RestServer writes one line per request through
 * Jetty's `CustomRequestLog(EXTENDED_NCSA_FORMAT + " %{ms}T")` at INFO under the logger
 * `org.apache.kafka.connect.runtime.rest.RestServer` (`/admin/loggers` turns it down):
 *
 *   127.0.0.1 - - [03/Dec/2026:22:00:00 +0000] "GET /connectors HTTP/1.1" 200 2 "" "curl/8.0" 12
 *
 * client address (an IPv6 one as Java writes it, `[0:0:0:0:0:0:0:1]`), `-`, the user (`-`:
 * Connect's authentication is a JAX-RS filter, which Jetty's `%u` never sees), the time the request
 * arrived (GMT), the request line with the target's path and query only (Jetty's
 * `HttpURI.getPathQuery`: an absolute-form target's scheme and authority are not written, and one
 * with user info is refused and written `/badURI`; CONNECT's authority is `/`), the status, the
 * body bytes sent, Referer, User-Agent (an absent one is `""`), and the milliseconds from arrival
 * to the answer written. As Jetty 12.0.34 does inside quotes, `"` and
 * `\` are escaped with `\`, so a header cannot forge fields. Unlike Jetty, the target's and the
 * Referer's secrets (user info, key-like query values: `?api_key=***`) are hidden as in every URL
 * the gateway logs (util/url-credentials.ts). No Authorization or other header
 * besides those two. A head refused before the application (parser or router) is logged too, as
 * Jetty logs a bad message (`unmade-request.ts`). Nothing is formatted while INFO is off for the logger.
 * The ingest listener has no such log (a data path).
 */
import type { Logger } from "../../util/logger.ts";
import { hideUrlCredentials } from "../../util/url-credentials.ts";
import { pathQuery } from "./request-target.ts";

export const REQUEST_LOGGER = "org.apache.kafka.connect.runtime.rest.RestServer";

/** What the line shows of a request head (a `RequestHead`, or what a refused one had). */
export interface LoggedHead {
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly headers: readonly (readonly [string, string])[];
}

export interface LoggedRequest {
  readonly remoteAddress: string;
  readonly head: LoggedHead;
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

/** As Jetty writes a value between quotes: `"` and `\` escaped, an absent or empty one as nothing. */
function quoted(value: string): string {
  return value.replace(/["\\]/g, "\\$&");
}

function header(head: LoggedHead, name: string): string {
  for (const [n, v] of head.headers) if (n.toLowerCase() === name) return v;
  return "";
}

/** The peer as Java's `getHostAddress` and Jetty's `HostPort.normalizeHost` write it. */
export function clientAddress(address: string): string {
  if (address.startsWith("::ffff:") && address.includes(".")) return address.slice(7);
  if (!address.includes(":")) return address || "-";
  const [ip = "", zone] = address.split("%");
  const [head = "", tail = ""] = ip.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groups(head);
  const right = groups(tail);
  // An embedded IPv4 tail (`::a.b.c.d`) is two groups.
  const last = right.length > 0 ? right : left;
  const v4 = last.at(-1)?.includes(".") ? last.pop()!.split(".").map(Number) : null;
  if (v4) last.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
  const missing = ip.includes("::") ? 8 - left.length - right.length : 0;
  const all = [...left, ...Array<string>(missing).fill("0"), ...right].map((g) => Number.parseInt(g, 16).toString(16));
  return `[${all.join(":")}${zone ? `%${zone}` : ""}]`;
}

/** The line for `request`, answered at `now`. */
export function requestLogLine(request: LoggedRequest, now: number): string {
  const { head } = request;
  // CONNECT's authority form has no path: Jetty's HttpURI gives it `/`.
  const connect = head.method === "CONNECT" && !head.target.startsWith("/");
  const line = `${quoted(head.method)} ${connect ? "/" : quoted(hideUrlCredentials(pathQuery(head.target)))} ${head.version}`;
  const referer = quoted(hideUrlCredentials(header(head, "referer")));
  return `${clientAddress(request.remoteAddress)} - - [${ncsaTime(request.startedAt)}] "${line}" ${request.status} ${request.bytes} "${referer}" "${quoted(header(head, "user-agent"))}" ${Math.max(0, now - request.startedAt)}`;
}

export function requestLog(logger: Logger, now: () => number = Date.now): RequestLog {
  return (request) => {
    if (logger.isEnabled("INFO")) logger.info(requestLogLine(request, now()));
  };
}
