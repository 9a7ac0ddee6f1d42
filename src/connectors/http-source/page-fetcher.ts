/**
 * One page request of the HTTP source, with everything around it: the connector's throttle and the
 * server's rate-limit headers and Retry-After (which also holds the request after the retries ran
 * out), authentication (a 401 with OAUTH2 renews the token and is sent once more), retries with
 * backoff and Retry-After (each retry a WARN, each kind at most once a minute), and the metrics `http_source_requests_total`,
 * `http_source_errors_total` and `http_source_request_duration_seconds` (per task: the runtime adds
 * the connector and task labels).
 * Returns the final response whatever its status. A transport failure, or an OAuth2 token endpoint
 * unreachable (or answering 429/5xx; its Retry-After is honoured as the API's, and it takes no
 * throttle slot), that outlasts http.retry.max.attempts is thrown as an
 * UnreachableError (a ConnectError); the abort reason is thrown when the task pauses or stops. A body
 * that does not decompress as its Content-Encoding says is thrown as it is (`undecodable`).
 */
import { ConnectError } from "../../errors.ts";
import { watchClientCertificate } from "../../http/client-certificate-expiry.ts";
import { EndpointDegradation } from "../../http/endpoint-degradation.ts";
import { type ClientTls, HttpClient, type HttpResponse, HttpTransportError } from "../../http/http-client.ts";
import { attemptFailureText, isNotHttpFailure } from "../../http/network-exception.ts";
import { classifiedStatus, retryAfterMs, sendWithRetry } from "../../http/retry-policy.ts";
import { echoedUrlParts, type ShowUrl, shownUrl } from "../../http/shown-url.ts";
import { tokenEndpointTls } from "../../http/token-endpoint-tls.ts";
import { RetriableTokenRequestError } from "../../http/token-request-errors.ts";
import type { Counter, Histogram, PluginMetrics } from "../../metrics/plugin-metrics.ts";
import { type BackoffPolicy, parseRetryAfter } from "../../util/backoff.ts";
import { type Clock, monotonicNow } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { type RepeatLimiter, warnLimited } from "../../util/repeat-limiter.ts";
import { withSecretForms } from "../../util/secret-forms.ts";
import { type Authenticator, authenticator } from "./auth.ts";
import type { HttpSourceConfig } from "./config.ts";
import { tlsMaterialOf } from "./config-rules.ts";
import { bodySecrets, headerSecrets, MIN_SECRET_LENGTH, urlSecrets } from "./echoed-secrets.ts";
import type { HeaderList } from "./headers.ts";
import {
  connectorThrottle,
  RateLimitGate,
  RateLimitWaitLog,
  type RequestThrottle,
  SPENT_WARN_EVERY_MS,
} from "./rate-limit.ts";

/** The connector's own metrics (the document's names, in Prometheus form), per task. */
export interface HttpSourceMetrics {
  readonly requests: Counter;
  readonly errors: Counter;
  readonly records: Counter;
  readonly latency: Histogram;
}

export function httpSourceMetrics(metrics: PluginMetrics): HttpSourceMetrics {
  return {
    requests: metrics.counter(
      "http_source_requests_total",
      "HTTP requests the HTTP source connector sent to the API (http-source-requests-total), retries included; OAuth2 token requests are not counted.",
    ),
    errors: metrics.counter(
      "http_source_errors_total",
      "HTTP source requests to the API that failed (http-source-errors-total): no response, or a status of 400 or above; a failed OAuth2 token request is not counted.",
    ),
    records: metrics.counter(
      "http_source_records_polled_total",
      "Records the HTTP source connector delivered from responses (http-source-records-polled): those its http.offset.mode skips as delivered before are not counted.",
    ),
    latency: metrics.histogram(
      "http_source_request_duration_seconds",
      "Latency of HTTP source requests, from sending to the complete response body.",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
  };
}

export interface PageRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderList;
  readonly body: string | undefined;
}

export interface PageFetcherOptions {
  readonly client: HttpClient;
  readonly auth: Authenticator;
  readonly clock: Clock;
  readonly log: Logger;
  readonly policy: BackoffPolicy;
  readonly maxAttempts: number;
  readonly throttle: RequestThrottle | undefined;
  readonly gate: RateLimitGate;
  readonly metrics: HttpSourceMetrics;
  /** The task's repeated WARNs, each kind at most once a minute (`taskWarnings`). */
  readonly warnings: RepeatLimiter;
  /**
   * Whether the task fails once a request's attempts run out on `response` (undefined: no response),
   * as its behavior.on.error says: the Degraded trace names what follows the retries.
   */
  readonly failsAfterRetries: (response: HttpResponse | undefined) => boolean;
  /**
   * http.url came through a config provider: messages (the client's too) show a request's URL as its
   * origin only and what an answer echoes of its path is hidden (shown-url.ts); else redactUrl.
   */
  readonly urlFromProvider: boolean;
}

const RETRIED = "the request is retried (http.retry.max.attempts)";
/** The end of the Degraded trace (EndpointDegradation): what the task does once the attempts run out. */
const AFTER_RETRIES = {
  fails: `${RETRIED}, then the task fails (behavior.on.error=fail).`,
  nextPoll: `${RETRIED}, then the next scheduled poll tries again.`,
};

/** The PageFetcher a parsed config asks for: its HTTP client, TLS, authentication, retries and rate limits. */
export function pageFetcherOf(
  c: HttpSourceConfig,
  {
    connector,
    tokenUrlFromProvider,
    stopped,
    ...task
  }: Pick<PageFetcherOptions, "clock" | "log" | "metrics" | "warnings" | "failsAfterRetries" | "urlFromProvider"> & {
    /** The connector's name, whose throttle the requests share. */
    readonly connector: string;
    /** http.oauth2.token.url came through a config provider: token errors show its origin only. */
    readonly tokenUrlFromProvider: boolean;
    /** The task's stop: ends the watch of the client certificate's expiry. */
    readonly stopped: AbortSignal;
  },
): PageFetcher {
  const { clock } = task;
  const clientWith = (tls: ClientTls | undefined) =>
    new HttpClient({
      connectTimeoutMs: c["http.connect.timeout.ms"],
      requestTimeoutMs: c["http.request.timeout.ms"],
      timeoutKeys: { connect: "http.connect.timeout.ms", request: "http.request.timeout.ms" },
      maxResponseBytes: c["http.response.max.bytes"],
      tls,
    });
  const tls = tlsMaterialOf(c);
  watchClientCertificate(tls, "http.ssl.keystore.location", { log: task.log, clock, until: stopped });
  const client = clientWith(tls);
  return new PageFetcher({
    client,
    // The token endpoint is always verified (token-endpoint-tls.ts): its own client, never the API's trust-all.
    auth: authenticator(c, clientWith(tokenEndpointTls(tls)), clock, tokenUrlFromProvider),
    policy: { initialMs: c["http.retry.backoff.ms"], maxMs: c["http.retry.backoff.max.ms"] },
    maxAttempts: c["http.retry.max.attempts"],
    throttle: connectorThrottle(connector, c["http.throttle.max.requests"], c["http.throttle.window.ms"]),
    gate: new RateLimitGate(
      c["http.rate.limit.header"],
      c["http.rate.limit.reset.header"],
      c["http.throttle.window.ms"],
    ),
    ...task,
  });
}

/**
 * The page's server, or its OAuth2 token endpoint, could not be reached through the retries
 * (connection, TLS, timeout; a token endpoint answering 429/5xx): a failure that may pass.
 */
export class UnreachableError extends ConnectError {
  override name = "UnreachableError";
}

/** A response whose body does not decompress as its Content-Encoding says (an unreadable body). */
export function undecodable(error: unknown): error is HttpTransportError {
  return error instanceof HttpTransportError && error.failure === "decode";
}

const FAILURE_WORDS: Readonly<Record<string, string>> = {
  connect: "connection refused or host unreachable",
  tls: "TLS failure",
  io: "the connection failed",
};

/**
 * Why a request got no response, without repeating the request the message is about: the
 * transport error's own message starts with the same method and URL. A server that did answer (with
 * something that is not HTTP/1.1, or a head whose body broke off) is no failed connection: its
 * reason says what it answered; nor is a proxy's refusal to open a tunnel to it, which its reason names.
 */
function failureReason(error: Error, req: PageRequest, showUrl: ShowUrl): string {
  if (!(error instanceof HttpTransportError)) return error.message;
  const prefix = `${req.method} ${showUrl(req.url)} `;
  const rest = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  const m = /^failed \((\w+)\): (.*)$/s.exec(rest);
  if (!m || !FAILURE_WORDS[m[1]!]) return rest;
  if (isNotHttpFailure(error) || error.proxyRefused) return m[2]!;
  if (error.headStatus !== undefined)
    return `the server sent its response headers (HTTP ${error.headStatus}) but not its body (${m[2]})`;
  return `${FAILURE_WORDS[m[1]!]} (${m[2]})`;
}

export class PageFetcher {
  private readonly waits: RateLimitWaitLog;
  /** How messages show a request's URL (shown-url.ts), the client's messages too. */
  private readonly showUrl: ShowUrl;

  constructor(private readonly o: PageFetcherOptions) {
    this.waits = new RateLimitWaitLog(o.log);
    this.showUrl = shownUrl(o.urlFromProvider);
    this.degradation = new EndpointDegradation(o.clock, AFTER_RETRIES.nextPoll);
  }

  async fetch(req: PageRequest, signal: AbortSignal): Promise<HttpResponse> {
    this.attempts = 0;
    try {
      let response = await this.send(req, signal);
      if (response.status === 401 && this.lastAuth !== undefined && this.o.auth.rejected(this.lastAuth)) {
        this.o.log.info(
          `${req.method} ${this.showUrl(req.url)} answered 401: renewing the credentials and trying once more`,
        );
        response = await this.send(req, signal);
      }
      return response;
    } catch (error) {
      // An unreachable server or token endpoint after the retries is not retriable (the runtime
      // would otherwise retry the poll forever): the task's behavior.on.error decides, failing the
      // task or retrying the page at the next scheduled poll. Both messages are free of secrets. A
      // body that does not decompress is a response, unreadable: the task's behavior.on.error decides.
      if (undecodable(error)) throw error;
      if (!signal.aborted && (error instanceof HttpTransportError || error instanceof RetriableTokenRequestError))
        throw new UnreachableError(
          `${req.method} ${this.showUrl(req.url)} failed after ${this.o.maxAttempts} attempt${this.o.maxAttempts === 1 ? "" : "s"}: ${failureReason(error, req, this.showUrl)}`,
          { cause: error },
        );
      throw error;
    }
  }

  private lastAuth: [string, string] | null | undefined;

  /**
   * Whether an error response says the rate limit is spent: a 429 or 403 with the rate-limit header
   * at 0 or a Retry-After (GitHub answers 403 with X-RateLimit-Remaining: 0, or with Retry-After), a
   * refusal that passes, not one for good. Another status's Retry-After (a 503's) only sets the wait
   * before its retry: once the retries ran out it is an error status as any other (explore29 F1).
   */
  rateLimited(response: HttpResponse): boolean {
    if (response.status !== 429 && response.status !== 403) return false;
    return this.o.gate.spent(response.headers) || response.headers.has("retry-after");
  }

  /**
   * The secrets the last request for `req` carried, which its answer may echo (echoed-secrets.ts),
   * in each form it may echo them in (util/secret-forms.ts: a JSON body escapes them). Derived on
   * an error response only.
   */
  echoedSecrets(req: PageRequest): string[] {
    const auth = this.lastAuth ? headerSecrets([this.lastAuth]) : [];
    const secrets = [
      ...urlSecrets(req.url),
      ...(this.o.urlFromProvider ? echoedUrlParts(req.url) : []),
      ...headerSecrets(req.headers),
      ...bodySecrets(req.body),
      ...auth,
      ...this.o.auth.secrets,
    ];
    return withSecretForms(secrets, MIN_SECRET_LENGTH);
  }
  /** How many requests the last `fetch` sent (its retries and a 401's renewal included). */
  attempts = 0;

  /**
   * The token request failed, so no API request goes out: its throttle slot is given back (token
   * requests are no API requests), and a Retry-After of the token endpoint (429/503) holds the next
   * request as an API response's does, also when the retries ran out, capped the same way.
   */
  private tokenFailed(error: unknown, slot: number | undefined): void {
    if (slot !== undefined) this.o.throttle?.release(slot);
    if (error instanceof RetriableTokenRequestError && error.retryAfterMs !== undefined)
      this.o.gate.holdFor(Math.min(error.retryAfterMs, this.o.policy.maxMs), this.o.clock);
  }

  /**
   * The task's Degraded trace while a request's attempts are retried (HttpSourceTask.degradedTrace),
   * as the HTTP sink's: null once it is answered or its attempts ran out.
   */
  readonly degradation: EndpointDegradation;

  /**
   * The task's Degraded trace while requests wait over a minute for the API (its rate limit spent,
   * or a Retry-After): until when, so a status read tells a long wait from a healthy idle task.
   */
  get rateLimitTrace(): string | null {
    const { clock, gate } = this.o;
    const left = gate.blockedUntil - monotonicNow(clock);
    if (left <= SPENT_WARN_EVERY_MS) return null;
    return `Degraded: requests to the API wait until ${new Date(clock.now() + left).toISOString()} (its rate limit is spent, or it asked to retry after that)`;
  }

  private send(req: PageRequest, signal: AbortSignal): Promise<HttpResponse> {
    const { metrics, clock } = this.o;
    const request = {};
    return sendWithRetry(
      this.o.client,
      async () => {
        this.degradation.attempting(request); // its backoff, if any, is over: the Degraded trace stops naming it
        const slot = this.o.throttle ? await this.o.throttle.acquire(clock, signal) : undefined;
        if (this.o.throttle && slot === undefined) signal.throwIfAborted();
        await this.o.gate.wait(clock, signal);
        signal.throwIfAborted();
        const auth = await this.o.auth.header(signal).catch((error) => {
          this.tokenFailed(error, slot);
          throw error;
        });
        this.lastAuth = auth;
        const headers: [string, string][] = auth ? [...req.headers, auth] : [...req.headers];
        return { method: req.method, url: req.url, headers, body: req.body, showUrl: this.showUrl };
      },
      {
        policy: this.o.policy,
        maxAttempts: this.o.maxAttempts,
        clock,
        signal,
        onAttempt: ({ response, error }) => {
          if (signal.aborted) return;
          this.attempts++;
          metrics.requests.inc();
          if (response) {
            metrics.latency.observe(response.durationMs / 1000);
            const waitMs = this.o.gate.observe(response.headers, clock);
            if (waitMs !== undefined) {
              const until = new Date(clock.now() + waitMs).toISOString();
              this.waits.waiting(
                `${req.method} ${this.showUrl(req.url)} answered HTTP ${response.status} with ${this.o.gate.header}: 0 (the rate limit is spent); requests wait ${Math.ceil(waitMs / 1000)} s, until ${until}`,
                waitMs,
                clock,
              );
            }
            // The server's wish holds the next request also when the retries ran out (the next
            // scheduled poll comes sooner), capped as a wait between retries is.
            // So does a 403's Retry-After (GitHub's secondary rate limit): polls must not hammer it meanwhile.
            const after =
              response.status === 403
                ? (parseRetryAfter(response.headers.get("retry-after"), clock.now()) ?? undefined)
                : retryAfterMs(response, clock.now());
            if (after !== undefined) this.o.gate.holdFor(Math.min(after, this.o.policy.maxMs), clock);
          }
          if (error !== undefined || (response && classifiedStatus(response.status) >= 400)) metrics.errors.inc();
        },
        onRetry: (attempt, outcome, delayMs) => {
          const response =
            outcome && typeof outcome === "object" && "status" in outcome ? (outcome as HttpResponse) : undefined;
          const what = response ? `HTTP ${response.status}` : attemptFailureText(outcome);
          const after = this.o.failsAfterRetries(response) ? AFTER_RETRIES.fails : AFTER_RETRIES.nextPoll;
          this.degradation.retrying(request, `${req.method} ${this.showUrl(req.url)}`, what, after);
          this.degradation.backingOff(request, delayMs, `attempt ${attempt + 2} of ${this.o.maxAttempts}`);
          // An API down for days is retried every poll: the first WARN at once, then one a minute.
          warnLimited(
            this.o.log,
            this.o.warnings,
            `retry ${req.method} ${this.showUrl(req.url)} ${what}`,
            `${req.method} ${this.showUrl(req.url)} attempt ${attempt + 1} of ${this.o.maxAttempts} failed (${what}); retrying in ${delayMs} ms`,
          );
        },
      },
    ).finally(() => this.degradation.settled(request));
  }
}
