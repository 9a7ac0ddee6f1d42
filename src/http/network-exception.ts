/**
 * The cause HttpClient gives an HttpTransportError for a network failure: the JDK exception Java's
 * HTTP client reports for it (a refused connection `java.net.ConnectException`, an unknown host
 * `java.net.UnknownHostException`, a reset `java.net.SocketException`, a TLS failure
 * `javax.net.ssl.SSLHandshakeException`), with the runtime's message made readable for an operator
 * and the runtime's stack frames. A status trace shows it as `Caused by: java.net.ConnectException: …`,
 * not as the IllegalArgumentException a runtime TypeError would map to (a config mistake, to a
 * Connect user). `withoutRuntimeHints` gives every network failure's text (the retry WARN, the
 * Degraded and FAILED traces, this cause) without Bun's hints to developers (`pass verbose: true`,
 * "Is the computer able to access the url?") and without the URL Bun quotes again (`fetching "<url>"`).
 */
import { JavaException } from "../errors.ts";
import type { TransportFailure } from "./http-errors.ts";

const RUNTIME_HINTS = [
  /\s*For more information, pass `verbose: true`.*$/s,
  /\.?\s*Is the computer able to access the url\?/g,
  // The URL again (`InvalidHTTPResponse fetching "<url>".`): the failure's text follows the request and URL.
  / fetching "[^"]*"\.?/g,
];

/** A fetch failure's text without Bun's hints to developers (HttpClient maps every one through it). */
export function withoutRuntimeHints(text: string): string {
  return RUNTIME_HINTS.reduce((t, hint) => t.replace(hint, ""), text);
}

const UNKNOWN_HOST = /ENOTFOUND|DNS|getaddrinfo/i;

function javaClassFor(failure: TransportFailure, text: string): string {
  switch (failure) {
    case "connect":
      return UNKNOWN_HOST.test(text) ? "java.net.UnknownHostException" : "java.net.ConnectException";
    case "tls":
      return "javax.net.ssl.SSLHandshakeException";
    case "io":
      return "java.net.SocketException";
    default:
      return "java.io.IOException";
  }
}

/** `message`: the failure as an operator reads it; `runtime`: what fetch threw (its URL already redacted). */
export function networkException(failure: TransportFailure, message: string, runtime: unknown): JavaException {
  const code = String((runtime as { code?: unknown })?.code ?? "");
  const exception = new JavaException(javaClassFor(failure, `${code} ${message}`), message);
  const frames = runtime instanceof Error ? runtime.stack?.split("\n").slice(1) : undefined;
  if (frames) exception.stack = [`${exception.javaClass}: ${message}`, ...frames].join("\n");
  return exception;
}

/**
 * A failed attempt as a retry WARN or a Degraded trace names it after its request and URL: a network
 * failure as its JDK exception (`java.net.ConnectException: ECONNREFUSED: Unable to connect`), not the
 * transport error's message, which repeats the request and URL; anything else by its message.
 */
export function attemptFailureText(error: unknown): string {
  const cause = (error as Error | undefined)?.cause;
  if (cause instanceof JavaException) return `${cause.javaClass}: ${cause.message}`;
  return (error as Error | undefined)?.message ?? String(error);
}
