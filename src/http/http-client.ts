/**
 * HttpClient: the outbound HTTP client shared by the HTTP source and sink connectors, over Bun's
 * fetch (connections are pooled and kept alive; gzip, deflate and br responses are decompressed).
 *
 * Every request is bounded by two timeouts: `connectTimeoutMs` until the response head arrives
 * (fetch has no separate TCP-connect phase: a host that does not answer and a server that accepts
 * and then says nothing look the same from here) and `requestTimeoutMs` for the whole exchange
 * including the body. A timeout's message says which ran out, by the config key the caller names
 * (`timeoutKeys`): "no response head within http.connect.timeout.ms (1000 ms)". Network failures throw `HttpTransportError` (retriable: refused, reset,
 * timeouts, TLS failures, and a body that does not decompress as its Content-Encoding says: failure
 * `decode`, which the HTTP source treats as an unreadable body); aborting through the caller's signal rejects with the signal's reason.
 * Any HTTP status is a response, never an error: the caller's retry policy classifies statuses.
 * The body is read with a cap (`maxResponseBytes`, decompressed bytes): past it the transfer is
 * cancelled, so a large or endless stream or a compression bomb cannot exhaust the task's memory.
 * A caller that needs only the status and an excerpt asks for a body prefix instead (`bodyPrefixBytes`;
 * both in response-body.ts). The errors are in http-errors.ts.
 * Redirects are followed by the client (redirects.ts): the caller's headers and the request body
 * never go to another origin. URLs in messages have their credentials and secret-looking query
 * values redacted, or are shown as the request's `showUrl` says (shown-url.ts).
 */
import { timerMs } from "../util/clock.ts";
import { secretQueryName } from "../util/secret-query-name.ts";
import {
  hasHiddenUserInfo,
  hideUrlCredentials,
  hideUrlValueCredentials,
  hideValueCredentials,
} from "../util/url-credentials.ts";
import { GATEWAY_VERSION } from "../version.ts";
import { clientCertificateRefusal } from "./client-certificate-expiry.ts";
import { formDecoded } from "./form-value.ts";
import { diagnoseHandshake, isBunHandshakeFailure } from "./handshake-diagnosis.ts";
import { HttpResponseTooLargeError, HttpTransportError, transportFailureOf } from "./http-errors.ts";
import { networkException, notHttpAnswer, proxyTunnelRefusal, withoutRuntimeHints } from "./network-exception.ts";
import { type Hop, HttpRedirectError, nextHop } from "./redirects.ts";
import { readCapped, readPrefix } from "./response-body.ts";
import { tlsVerificationFailure } from "./tls-verification-failure.ts";
import { withoutUrl } from "./without-url.ts";

export { HttpResponseTooLargeError, HttpTransportError, type TransportFailure } from "./http-errors.ts";
export { HttpRedirectError } from "./redirects.ts";

export type HttpHeaders = Record<string, string> | [string, string][];

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: HttpHeaders;
  readonly body?: string | Uint8Array;
  /** Overrides the client's request timeout for this request. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** false: a 3xx is the response (token requests); default: followed as redirects.ts says. */
  readonly followRedirects?: boolean;
  /**
   * true: a 303 (See Other) is the response, not followed as a GET. For a sender whose answer is the
   * outcome of what it sent (the HTTP sink): the server took the request, so the GET's status (a
   * 404 or 503 of the page it points to) must not decide whether it is sent again.
   */
  readonly seeOtherIsAnswer?: boolean;
  /**
   * Keep only the body's first this many bytes: the rest is not read (the transfer is cancelled),
   * and a body still arriving at the request timeout ends there; the response says `truncated`.
   * For callers that need the status and an excerpt only (the HTTP sink): an endless or huge body
   * neither fails the exchange nor fills memory.
   */
  readonly bodyPrefixBytes?: number;
  /**
   * How this request's messages show its URL and each redirect hop's (shown-url.ts: a URL from a
   * config provider as its origin and `/…`); default redactUrl.
   */
  readonly showUrl?: (url: string) => string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  readonly durationMs: number;
  /** The URL that answered: the request's, or the last redirect's (a relative link in the response is resolved against it). */
  readonly url?: string;
  /** The body is a prefix (`bodyPrefixBytes`): the rest was not read. */
  readonly truncated?: boolean;
}

/** Client-side TLS, as produced by `loadTlsMaterial`. */
export interface ClientTls {
  readonly ca?: string[];
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

export interface HttpClientOptions {
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** The config keys of the two timeouts, named in a timeout's message (the operator's knob). */
  readonly timeoutKeys?: { readonly connect: string; readonly request: string };
  readonly tls?: ClientTls;
  readonly userAgent?: string;
  /**
   * Responses with a larger body (counted decompressed, while it is read) fail with
   * `HttpResponseTooLargeError`; a larger Content-Length fails before the body is read.
   */
  readonly maxResponseBytes?: number;
}

export const DEFAULT_USER_AGENT = `edge-gateway/${GATEWAY_VERSION}`;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const ACCEPT_ENCODING = "gzip, deflate, br";

/** The URL with user info and secret-looking query values replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // One value (a placeholder port: `http://u:s3 cret@h:${offset}/x`): a raw space ends no credential.
    return hideUrlValueCredentials(url);
  }
  // No host: not a URL of a server but a value such as `alice:s3cret@proxy:3128` read as scheme `alice:`.
  if (!parsed.host) return hideValueCredentials(url, url);
  // A user name holding `?` or `#` the parser reads as the query or fragment: the text as written.
  if (!parsed.username && !parsed.password && hasHiddenUserInfo(url)) return hideUrlValueCredentials(url);
  if (parsed.username || parsed.password) {
    parsed.username = "***";
    parsed.password = "";
  }
  // Each secret value replaced where it is, the other parameters as written: searchParams.set would
  // form-encode them all again (`?page=2;token=…` → `page=2%3Btoken%3D…`, its `;` parameter unseen).
  if (parsed.search)
    parsed.search = parsed.search
      .slice(1)
      .split("&")
      .map((pair) => {
        const equals = pair.indexOf("=");
        return equals >= 0 && secretQueryName(formDecoded(pair.slice(0, equals)))
          ? `${pair.slice(0, equals)}=***`
          : pair;
      })
      .join("&");
  // `;`-separated and the fragment's parameters (`#access_token=…`) as hideUrlCredentials hides them,
  // and a scheme-less `user:password@host` in any parameter's value (`?proxy=u:p@h`, `?url=u%3Ap%40h`).
  return hideUrlCredentials(parsed.toString());
}

/**
 * A fetch failure's text for people: a certificate that did not verify in words naming the server
 * (tls-verification-failure.ts; Bun names only the code and the whole URL for another host's), a proxy's refusal
 * to open a tunnel by its status, without its reason phrase (network-exception.ts's proxyTunnelRefusal), an answer
 * that is not HTTP/1.1 naming who gave it (`hop`: the hop's URL as shown when a redirect led there, else its
 * host and port; network-exception.ts's notHttpAnswer), else the runtime's (`shown`: its URL redacted) without
 * Bun's hints to developers nor its quote of `requestUrl`, the request's URL as shown, which the text names already
 * (withoutRuntimeHints); `code`: Bun's code of `error`. The transport error's cause carries it as the JDK's exception
 * for the failure (network-exception.ts).
 */
function readable(
  error: unknown,
  code: string,
  shown: unknown,
  url: string,
  hop: { readonly shownUrl: string; readonly headStatus: number | undefined },
  requestUrl: string,
): string {
  return (
    tlsVerificationFailure(code, url) ??
    proxyTunnelRefusal(code, String((error as Error | null | undefined)?.message), () => hostPort(url, hop.shownUrl)) ??
    notHttpAnswer(
      code,
      () => (hop.shownUrl === requestUrl ? hostPort(url, hop.shownUrl) : hop.shownUrl),
      hop.headStatus,
    ) ??
    withoutRuntimeHints((shown as Error)?.message ?? String(shown), requestUrl)
  );
}

/**
 * `host:port` of `url`, its scheme's port when it names none; `shown` (the URL as shown) when `url` is no URL, so
 * that the words of a failure are never replaced by the parser's bare `TypeError: Invalid URL`.
 */
function hostPort(url: string, shown: string): string {
  const u = URL.parse(url);
  return u === null ? shown : `${u.hostname}:${u.port || (u.protocol === "https:" ? "443" : "80")}`;
}

/** `http.connect.timeout.ms (1000 ms)`, or `1000 ms` when the caller named no key. */
function timeoutText(key: string | undefined, ms: number): string {
  return key === undefined ? `${ms} ms` : `${key} (${ms} ms)`;
}

/** `message` (Bun's ends with a full stop) followed by what the failure is likely due to, when known. */
function withLikelyCause(message: string, cause: string | undefined): string {
  return cause === undefined ? message : `${message.replace(/\.$/, "")}; likely cause: ${cause}`;
}

/** An answer that has no body whatever its Content-Length says: to a HEAD, or 1xx, 204, 304 (RFC 9112 §6.3). */
function bodyless(method: string, status: number): boolean {
  return method.toUpperCase() === "HEAD" || status < 200 || status === 204 || status === 304;
}

export class HttpClient {
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  private readonly timeoutKeys: HttpClientOptions["timeoutKeys"];
  private readonly tls: ClientTls | undefined;
  private readonly userAgent: string;
  private readonly maxResponseBytes: number;
  /** The client's own headers: added to each request that lacks them, and all that goes to another origin. */
  private readonly own: Headers;

  constructor(options: HttpClientOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.timeoutKeys = options.timeoutKeys;
    this.tls = options.tls;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.own = new Headers({ "user-agent": this.userAgent, "accept-encoding": ACCEPT_ENCODING });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    req.signal?.throwIfAborted();
    const headers = new Headers(req.headers);
    // Per request, set by name: cheaper than iterating `own` (a request's CPU counts on the sinks' path).
    if (!headers.has("user-agent")) headers.set("user-agent", this.userAgent);
    if (!headers.has("accept-encoding")) headers.set("accept-encoding", ACCEPT_ENCODING);
    const started = performance.now();
    const controller = new AbortController();
    let timedOut: string | undefined;
    let headStatus: number | undefined; // the status of this hop's response head, once it came
    // What had come when a timer ran out (the head or nothing), and which timer it was, by its key.
    const onTimeout = (within: string) => () => {
      timedOut = `${headStatus !== undefined ? "no complete response" : "no response head"} within ${within}`;
      controller.abort();
    };
    const requestMs = req.timeoutMs ?? this.requestTimeoutMs;
    const requestTimer = setTimeout(onTimeout(timeoutText(this.timeoutKeys?.request, requestMs)), timerMs(requestMs));
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => controller.abort();
    req.signal?.addEventListener("abort", onAbort, { once: true });
    const show = req.showUrl ?? redactUrl;
    const target = show(req.url);
    const what = `${req.method} ${target}`;
    let encoding: string | null = null;
    let hopUrl = req.url;
    try {
      let hop: Hop = { method: req.method, url: req.url, headers, body: req.body };
      for (let redirects = 0; ; redirects++) {
        hopUrl = hop.url;
        headStatus = undefined; // a redirect's next hop: its head has not come yet
        connectTimer = setTimeout(
          onTimeout(timeoutText(this.timeoutKeys?.connect, this.connectTimeoutMs)),
          timerMs(this.connectTimeoutMs),
        );
        const response = await this.send(hop, controller.signal);
        clearTimeout(connectTimer);
        connectTimer = undefined;
        headStatus = response.status;
        encoding = response.headers.get("content-encoding");
        const next =
          req.followRedirects === false || (req.seeOtherIsAnswer === true && response.status === 303)
            ? undefined
            : nextHop(hop, response.status, response.headers.get("location"), this.own, redirects, what);
        if (next) {
          await response.body?.cancel().catch(() => undefined);
          hop = next;
          continue;
        }
        const durationMs = () => performance.now() - started;
        if (req.bodyPrefixBytes !== undefined) {
          const read = await readPrefix(response, req.bodyPrefixBytes, () => timedOut !== undefined);
          return {
            status: response.status,
            headers: response.headers,
            ...read,
            durationMs: durationMs(),
            url: hop.url,
          };
        }
        // A HEAD's or a 1xx/204/304's Content-Length is not of a body that comes (RFC 9110 §8.6).
        const declared = bodyless(hop.method, response.status) ? 0 : Number(response.headers.get("content-length"));
        if (declared > this.maxResponseBytes) {
          await response.body?.cancel().catch(() => undefined);
          throw new HttpResponseTooLargeError(
            `${what}: the response of ${declared} bytes exceeds the limit of ${this.maxResponseBytes} bytes`,
            this.maxResponseBytes,
          );
        }
        const body = await readCapped(response, this.maxResponseBytes, () => what);
        return { status: response.status, headers: response.headers, body, durationMs: durationMs(), url: hop.url };
      }
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      if (
        error instanceof HttpTransportError ||
        error instanceof HttpResponseTooLargeError ||
        error instanceof HttpRedirectError
      )
        throw error;
      if (timedOut !== undefined)
        throw new HttpTransportError("timeout", `${what} timed out: ${timedOut}`, { headStatus });
      const failure = transportFailureOf(error);
      const code = String((error as { code?: unknown } | null | undefined)?.code ?? "");
      // Bun's message may quote the URL, query secrets included (`ERR_TLS_CERT_ALTNAME_INVALID fetching "<url>"`).
      const cause = withoutUrl(error, hopUrl, show(hopUrl));
      // Bun says "Does the server speak TLS on this port?" also of a server that refused the handshake.
      const refusal = isBunHandshakeFailure(error)
        ? await diagnoseHandshake(hopUrl, this.tls, Math.min(this.connectTimeoutMs, 5_000))
        : undefined;
      // TLS 1.3: a server refuses an expired client certificate after the client's side of the handshake, closing the connection.
      const certificate =
        failure === "io" && hopUrl.startsWith("https:") ? clientCertificateRefusal(this.tls, Date.now()) : undefined;
      const reason =
        failure === "decode"
          ? `the response body could not be decompressed (Content-Encoding: ${encoding})`
          : refusal !== undefined
            ? `EPROTO: ${refusal}`
            : withLikelyCause(
                readable(error, code, cause, hopUrl, { shownUrl: show(hopUrl), headStatus }, target),
                certificate,
              );
      throw new HttpTransportError(failure, `${what} failed (${failure}): ${reason}`, {
        cause: networkException(failure, reason, cause, { code, host: URL.parse(hopUrl)?.hostname ?? "" }),
        headStatus,
        code,
      });
    } finally {
      clearTimeout(requestTimer);
      if (connectTimer) clearTimeout(connectTimer);
      req.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** One exchange; redirects come back as responses (see redirects.ts). */
  private send(hop: Hop, signal: AbortSignal): Promise<Response> {
    return fetch(hop.url, {
      method: hop.method,
      headers: hop.headers,
      body: hop.body,
      signal,
      redirect: "manual",
      keepalive: true,
      decompress: true,
      tls: this.tls && {
        ca: this.tls.ca,
        cert: this.tls.cert,
        key: this.tls.key,
        rejectUnauthorized: this.tls.rejectUnauthorized,
      },
    } as RequestInit);
  }
}
