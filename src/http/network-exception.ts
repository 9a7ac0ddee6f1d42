/**
 * The cause HttpClient gives an HttpTransportError for a network failure: the JDK exception Java's
 * HTTP client reports for it (a refused connection `java.net.ConnectException`, an unknown host
 * `java.net.UnknownHostException`, a reset `java.net.SocketException`, an answer that is not HTTP/1.1
 * `java.net.ProtocolException`, or `java.io.IOException` when only its chunked body's framing is broken,
 * a TLS failure `javax.net.ssl.SSLHandshakeException`), with the runtime's message made readable for an
 * operator and the runtime's stack frames. A status trace shows it as `Caused by: java.net.ConnectException: …`,
 * not as the IllegalArgumentException a runtime TypeError would map to (a config mistake, to a
 * Connect user). `withoutRuntimeHints` gives every network failure's text (the retry WARN, the
 * Degraded and FAILED traces, this cause) without Bun's hints to developers (`pass verbose: true`,
 * "Is the computer able to access the url?") and without Bun's quote of the request's URL (`fetching "<url>"`),
 * which the text names already; a quote of another URL (a redirect's hop) stays, as it says where the failure was.
 */
import { JavaException, throwableText } from "../errors.ts";
import type { TransportFailure } from "./http-errors.ts";

/** Bun's hint that ends a failure's text: it and everything after it go, with the white space before it. */
const VERBOSE_HINT = "For more information, pass `verbose: true`";
/** Bun's hint within a failure's text: each goes, with the white space and one period before it. */
const URL_HINT = "Is the computer able to access the url?";

/** Bun's `InvalidHTTPResponse fetching "<url>".`: the URL it fetched, as HttpClient shows it (redacted). */
const FETCHING = / fetching "([^"]*)"\.?/g;

/**
 * A fetch failure's text without Bun's hints to developers (HttpClient maps every one through it), and
 * without its quote of `requestUrl` (the request's URL as shown), which the failure's text follows.
 */
export function withoutRuntimeHints(text: string, requestUrl: string): string {
  return withoutHints(text).replace(FETCHING, (quote, url: string) => (url === requestUrl ? "" : quote));
}

/**
 * The text without Bun's hints, found with indexOf rather than a pattern with a leading `\s*` (retried at every white
 * space, that is quadratic on a long run of it, as a peer's text quoted in the message may hold).
 */
function withoutHints(text: string): string {
  const verbose = text.indexOf(VERBOSE_HINT);
  let t = verbose < 0 ? text : text.slice(0, verbose).trimEnd();
  for (let at = t.indexOf(URL_HINT); at >= 0; at = t.indexOf(URL_HINT, at)) {
    let start = at;
    while (start > 0 && /\s/.test(t[start - 1]!)) start--;
    if (start > 0 && t[start - 1] === ".") start--;
    t = t.slice(0, start) + t.slice(at + URL_HINT.length);
    at = start;
  }
  return t;
}

/**
 * A URL as Bun quotes it (`fetching "<url>"`) or names it: its path and host may hold any word (`/tls/token`). Its
 * scheme is bounded (no scheme is longer): an unbounded one was tried again from each word of a long text (`a.a.a.…`),
 * time growing with the square of its length.
 */
const QUOTED_URL = /"?\b[a-z][a-z\d+.-]{0,31}:\/\/[^\s"]*"?/gi;

/**
 * How much of a failure's message its words are read from: Bun's own texts are short, and a longer one carries a
 * peer's words (a proxy's reason phrase) that say nothing of the failure's kind and cost time to read.
 */
export const CLASSIFIED_CHARS = 2048;

/**
 * The words of what fetch threw that may say what kind of failure it is: its message's first CLASSIFIED_CHARS
 * characters without the URLs it quotes nor `host` (the endpoint's host, which Bun names bare:
 * `getaddrinfo ENOTFOUND <host>`), as a host or path may hold any word (`dns.example`, `…/certificates/in`).
 */
export function runtimeWords(error: unknown, host = ""): string {
  const message = String((error as Error | null | undefined)?.message ?? "")
    .slice(0, CLASSIFIED_CHARS)
    .replace(QUOTED_URL, "");
  return host === "" ? message : message.replaceAll(host, "");
}

/** Bun's words for a host that did not resolve, read only when its code names no kind of connect failure. */
const UNKNOWN_HOST = /ENOTFOUND|EAI_AGAIN|DNS|getaddrinfo/i;

/**
 * Whether a connect failure is a host that did not resolve: by Bun's code (a proxy's refusal never is, a resolver's
 * ENOTFOUND or EAI_AGAIN always is), else by Bun's own words (runtimeWords), never by the readable text, which names
 * the endpoint's host and port (`dns.example:443`).
 */
function isUnknownHost(code: string, runtime: unknown, host: string): boolean {
  if (code === "ERR_PROXY_TUNNEL") return false;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return true;
  return UNKNOWN_HOST.test(runtimeWords(runtime, host));
}

/**
 * Bun's codes for an answer it could not read as HTTP/1.1: its head (`Malformed_HTTP_Response`: an SSH banner, a
 * Redis error line, `HTTP/2.0 200`, a header line without a colon) or, the head read, its body's framing
 * (`InvalidHTTPResponse`: a chunk size that is no number), or a Content-Length that is no number or two that differ
 * (`InvalidContentLength`, before the head is given).
 */
const NOT_HTTP = /^(Malformed_HTTP_Response|InvalidHTTPResponse|InvalidContentLength)$/;

/** Whether Bun's `code` says the peer answered with something that is not HTTP/1.1 (head or body framing). */
export function isNotHttpCode(code: string): boolean {
  return NOT_HTTP.test(code);
}

/**
 * An answer that is not HTTP/1.1 in words, for an operator: who gave it (`where`: host and port, or a redirect's hop,
 * asked only of such an answer) and Bun's code; undefined for another failure. Bytes Bun parses no line of (a few bytes without a line end, binary
 * with a NUL) give it no such code: they read as ECONNRESET once the peer closes (as a connection closed without an
 * answer does) and as a timeout while it holds the connection open.
 */
export function notHttpAnswer(code: string, where: () => string, headStatus: number | undefined): string | undefined {
  if (!isNotHttpCode(code)) return undefined;
  if (headStatus === undefined) return `${where()} answered with something that is not HTTP/1.1 (${code})`;
  return `${where()} answered HTTP ${headStatus}, then a body whose framing is not HTTP/1.1 (${code})`;
}

function javaClassFor(failure: TransportFailure, code: string, runtime: unknown, host: string): string {
  switch (failure) {
    case "connect":
      return isUnknownHost(code, runtime, host) ? "java.net.UnknownHostException" : "java.net.ConnectException";
    case "tls":
      return "javax.net.ssl.SSLHandshakeException";
    case "io": {
      // The peer broke the protocol: Java's HttpClient reports a status line or header it cannot parse as a
      // ProtocolException, and its chunked body parser a chunk header it cannot read as a plain IOException.
      if (code === "InvalidHTTPResponse") return "java.io.IOException";
      return isNotHttpCode(code) ? "java.net.ProtocolException" : "java.net.SocketException";
    }
    default:
      return "java.io.IOException";
  }
}

/**
 * A proxy's refusal to open a tunnel to `where` (asked only of a refusal; Bun's ERR_PROXY_TUNNEL, `Proxy refused to open a tunnel: 407 <reason>`)
 * in words, with the proxy's status but not its reason phrase (the proxy's own words, of any length); undefined for
 * another failure. It names no proxy: its URL may hold credentials.
 */
export function proxyTunnelRefusal(code: string, message: string, where: () => string): string | undefined {
  if (code !== "ERR_PROXY_TUNNEL") return undefined;
  const status = /^Proxy refused to open a tunnel: (\d{3})\b/.exec(message)?.[1];
  return `the proxy refused to open a tunnel to ${where()}${status === undefined ? "" : ` (HTTP ${status})`} (${code})`;
}

/** Whether `error` (HttpClient's HttpTransportError) is an answer that is not HTTP/1.1 (its `notHttp`). */
export function isNotHttpFailure(error: unknown): boolean {
  return (error as { notHttp?: unknown } | null | undefined)?.notHttp === true;
}

/**
 * `message`: the failure as an operator reads it; `runtime`: what fetch threw (its URL already redacted), `code` its
 * code; `host`: the endpoint's host, whose words say nothing of the failure.
 */
export function networkException(
  failure: TransportFailure,
  message: string,
  runtime: unknown,
  failed: { readonly code: string; readonly host: string },
): JavaException {
  const exception = new JavaException(javaClassFor(failure, failed.code, runtime, failed.host), message);
  const frames = runtime instanceof Error ? runtime.stack?.split("\n").slice(1) : undefined;
  if (frames) exception.stack = [throwableText(exception), ...frames].join("\n");
  return exception;
}

/**
 * A failed attempt as a retry WARN or a Degraded trace names it after its request and URL: a network
 * failure as its JDK exception (`java.net.ConnectException: ECONNREFUSED: Unable to connect`), not the
 * transport error's message, which repeats the request and URL; anything else by its message.
 */
export function attemptFailureText(error: unknown): string {
  const cause = (error as Error | undefined)?.cause;
  if (cause instanceof JavaException) return throwableText(cause);
  return (error as Error | undefined)?.message ?? String(error);
}
