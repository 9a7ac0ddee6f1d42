/**
 * HttpDelivery: sends one request of the HTTP sink until it is delivered or fails for good.
 * A status is an error when the sink.error.code lists say so (classifiedStatus); else it is delivered.
 * Retriable failures (transport errors and timeouts, 408, 429, 5xx other than 501/505, and a redirect not
 * followed for a reason no record causes: taskRedirect) are retried on the shared backoff; a Retry-After
 * on 429/503 is a least wait (the computed delay when that is longer, so `0` or a past date does not
 * retry at once), capped at sink.retry.after.max.ms. With OIDC, a 401
 * invalidates the token and the request is sent once more with a fresh one, without counting as an
 * attempt (as TokenRenewal allows: not at every request while fresh tokens are refused too). When
 * the attempts run out (an endpoint unavailable, or still redirecting where the client may not
 * follow), or the endpoint refuses the credentials (401, 407), the outcome is "fatal": the endpoint
 * is at fault, not the records, so they never go to errors.tolerance (Connect's sinks throw then; the
 * task fails and a restart redelivers them). A retry's WARN is logged at most once a minute per URL
 * and failure (the next one says how many were not). Each attempt is measured and, with
 * `sink.request-callback=slf4j-logger`, logged at DEBUG (bodies at TRACE), never its headers.
 *
 * A 2xx is delivered once its head came, its body still arriving at the timeout or not: as getindata's sink,
 * whose Java HttpClient stops the request timer at the response head (MultiExchange). A reset before
 * the body's first 64 KiB came is a transport error from the client: retried.
 *
 * A 3xx reaching here was not followed (300, 304, 305, a redirect without Location): as in getindata's
 * connector, an error only when sink.error.code lists it; else delivered, with a WARN once per status,
 * as is a status of 400 and above outside sink.error.code (a 5xx with `4XX` alone, a 429 with `5XX`
 * alone): neither retried nor reported.
 *
 * No request is sent while the task is paused (PauseGate): the gate is checked right before every send
 * of an attempt, so neither a retry, nor a 401's renewed send, nor a send whose OIDC token was being
 * fetched at the pause goes out until the resume.
 *
 * `send` stops (outcome "aborted", no further attempt) when its signal aborts: the task stopping,
 * or the task abandoning a request whose partitions were revoked. Only the task stopping (the
 * signal given to the constructor) also cuts off an attempt on the wire: an abandoned request's
 * attempt runs to its answer or timeout, since the endpoint may apply it even when the client
 * hangs up, and the task waits for it before the partitions go to their next owner.
 */
import { ConnectError, isRetriable, RetriableError } from "../../errors.ts";
import { EndpointDegradation } from "../../http/endpoint-degradation.ts";
import type { HttpClient, HttpResponse } from "../../http/http-client.ts";
import { attemptFailureText } from "../../http/network-exception.ts";
import { HttpRedirectError } from "../../http/redirects.ts";
import { classifiedStatus, classifyError, isRetriableStatus, retryAfterMs } from "../../http/retry-policy.ts";
import type { ShowUrl } from "../../http/shown-url.ts";
import type { TokenProvider } from "../../http/token-provider.ts";
import { type BackoffPolicy, retry } from "../../util/backoff.ts";
import { type Clock, monotonicNow } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { type RepeatLimiter, taskWarnings, warnLimited } from "../../util/repeat-limiter.ts";
import type { PauseGate } from "./pause-gate.ts";
import { SecretMask } from "./secret-mask.ts";
import { SinkMetrics } from "./sink-metrics.ts";
import { type ErrorStatuses, refusesCredentials } from "./status-codes.ts";
import { TokenRenewal } from "./token-renewal.ts";

export interface DeliverySettings {
  readonly method: string;
  readonly timeoutMs: number;
  readonly errorStatuses: ErrorStatuses;
  readonly policy: BackoffPolicy;
  readonly retryAfterMaxMs: number; // sink.retry.after.max.ms, at least the backoff maximum
  /** Attempts in all; Infinity retries until delivered or stopped. */
  readonly maxAttempts: number;
  /** Sent unless a record's own or a configured header has the name (the converter's Content-Type). */
  readonly defaultHeaders: readonly [string, string][];
  /** Configured headers (sink.header.*, Basic Authorization): they win over a record's own headers. */
  readonly headers: readonly [string, string][];
  readonly tokens: TokenProvider | undefined;
  readonly logRequests: boolean;
  /** Configured URLs whose password and key-like query values are masked in answers (SecretMask). */
  readonly urls?: readonly string[];
  /**
   * The url has no placeholder: every request goes to it, so even a redirect refused for its chain alone
   * (too many hops, a Location that is not a URL) would meet every record alike (see taskRedirect).
   */
  readonly fixedUrl?: boolean;
  /** How messages show a request's URL (shown-url.ts), the client's messages too. */
  readonly showUrl: ShowUrl;
  /** What answers may echo of a url from a config provider, masked too (shown-url.ts echoedUrlParts). */
  readonly echoedUrlParts?: readonly string[];
}

export interface OutgoingRequest {
  readonly method?: string; // DELETE (a null value): sent without body and Content-Type
  readonly url: string;
  readonly headers: readonly [string, string][];
  readonly body: Uint8Array;
  readonly records: number;
}

/** The endpoint answered an error status (after retries when it was retriable). */
export class HttpStatusError extends ConnectError {
  override name = "HttpStatusError";
  /** Extra `__connect.errors.*` headers for the dead letter queue. */
  readonly errorContext: Readonly<Record<string, string>>;
  constructor(
    readonly status: number,
    message: string,
    excerpt: string,
  ) {
    super(message);
    this.errorContext = { "http.status.code": String(status), "http.response.body": excerpt };
  }
}

class RetriableStatus extends RetriableError {
  constructor(readonly response: HttpResponse) {
    super(`HTTP ${response.status}`);
  }
}

export type DeliveryOutcome =
  | { readonly kind: "delivered"; readonly status: number }
  /**
   * The endpoint refused the records (a non-retriable status, a redirect chain of a templated url's path that is
   * not followed: too many hops, a Location that is not a URL): errors.tolerance.
   */
  | { readonly kind: "rejected"; readonly error: Error }
  /**
   * Not the records' fault: the endpoint unreachable or answering a retriable status after every
   * attempt, refusing the credentials (401, 407), redirecting where the sink may not follow for a reason no record
   * causes (taskRedirect) at every attempt, or the token endpoint refusing us. The task fails.
   */
  | { readonly kind: "fatal"; readonly error: Error }
  | { readonly kind: "aborted" };

const EXCERPT_CHARS = 512;
/**
 * Response bytes kept (for the excerpt and the TRACE log): the status is the endpoint's answer, so
 * an endless or huge body neither turns delivered records into errant ones nor fills memory.
 */
const RESPONSE_BYTES_KEPT = 64 * 1024;
const decoder = new TextDecoder();

/**
 * The start of a response body as one printable line, for messages and the DLQ (`mask` hides our
 * credentials, told whether the text is cut short: `truncated`, the body a prefix, or longer than read here).
 */
export function excerptOf(
  body: Uint8Array,
  mask: (text: string, cut: boolean) => string = (t) => t,
  truncated = false,
): string {
  const bytes = EXCERPT_CHARS * 4;
  const text = mask(decoder.decode(body.subarray(0, bytes)), truncated || body.length > bytes)
    // Control characters (terminal escapes, NUL) never reach a log line or a DLQ header.
    .replace(/[\s\p{Cc}]+/gu, " ")
    .trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

export class HttpDelivery {
  constructor(
    private readonly s: DeliverySettings,
    private readonly client: HttpClient,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: SinkMetrics,
    private readonly signal: AbortSignal,
    private readonly gate: PauseGate,
  ) {
    this.mask = new SecretMask(s.headers, s.urls, s.echoedUrlParts);
    this.retryWarnings = taskWarnings(clock);
    this.degradation = new EndpointDegradation(
      clock,
      "the records are retried (sink.retry.max-attempts), none is committed until delivered.",
    );
  }

  /** Told of each retry and of each answer that ends one's retries: the task's Degraded trace. */
  readonly degradation: EndpointDegradation;

  private readonly renewal = new TokenRenewal(() => monotonicNow(this.clock));
  /** The task's retry WARNs, each kind (URL and failure) at most once a minute. */
  private readonly retryWarnings: RepeatLimiter;
  private readonly mask: SecretMask;

  /** Statuses delivered with a WARN (a 3xx not followed, a 5xx outside sink.error.code), once each per task. */
  private readonly warnedStatuses = new Set<number>();

  async send(request: OutgoingRequest, signal: AbortSignal = this.signal): Promise<DeliveryOutcome> {
    if (signal.aborted) return { kind: "aborted" };
    const sending: Sending = { request, signal, sent: false };
    let attempts = 0;
    try {
      const response = await retry(
        async () => {
          attempts++;
          this.degradation.attempting(sending); // its backoff, if any, is over: the Degraded trace stops naming it
          const response = await this.attempt(sending);
          if (!this.s.errorStatuses.isError(classifiedStatus(response.status))) return response;
          if (isRetriableStatus(response.status)) throw new RetriableStatus(response);
          throw this.statusError(request, response, attempts);
        },
        {
          policy: this.s.policy,
          maxAttempts: this.s.maxAttempts,
          signal,
          clock: this.clock,
          classify: (error) => {
            // A Retry-After (the endpoint's or the token endpoint's) is a least wait: "0" keeps the backoff.
            const wish =
              error instanceof RetriableStatus
                ? retryAfterMs(error.response, this.clock.now())
                : classifyError(error).delayMs;
            // A refused redirect no record causes is the endpoint's answer, retried as a retriable status is.
            const retriable = error instanceof RetriableStatus || isRetriable(error) || this.taskRedirect(error);
            return { retriable, minDelayMs: wish === undefined ? undefined : Math.min(wish, this.s.retryAfterMaxMs) };
          },
          onRetry: (error, attempt, delayMs) => {
            const target = `${request.method ?? this.s.method} ${this.s.showUrl(request.url)}`;
            const what = error instanceof RetriableStatus ? `HTTP ${error.response.status}` : attemptFailureText(error);
            this.degradation.retrying(sending, target, what);
            const of = Number.isFinite(this.s.maxAttempts) ? ` of ${this.s.maxAttempts}` : "";
            this.degradation.backingOff(sending, delayMs, `attempt ${attempt + 2}${of}`);
            // An endpoint down for hours (sink.retry.max-attempts=-1): the first WARN at once, then one a minute per kind.
            warnLimited(
              this.log,
              this.retryWarnings,
              `${target} ${what}`,
              `${target} failed (attempt ${attempt + 1}${of}): ${what}; retrying in ${delayMs} ms`,
            );
          },
        },
      );
      this.warnDeliveredStatus(request, response.status);
      return { kind: "delivered", status: response.status };
    } catch (error) {
      if (signal.aborted) return { kind: "aborted" };
      // The endpoint unavailable (a retriable status or no answer, after every attempt) or refusing our
      // credentials is no fault of the records: the task fails, as a Connect sink's ConnectException.
      if (error instanceof RetriableStatus) {
        return { kind: "fatal", error: this.statusError(request, error.response, attempts) };
      }
      if (error instanceof HttpStatusError) {
        return refusesCredentials(error.status) ? { kind: "fatal", error } : { kind: "rejected", error };
      }
      if (error instanceof TokenFailure) return { kind: "fatal", error: error.cause as Error };
      const message = `${request.method ?? this.s.method} ${this.s.showUrl(request.url)} failed after ${attempts} attempt(s): ${(error as Error).message}`;
      const failure = new ConnectError(message, { cause: error });
      return isRetriable(error) || this.taskRedirect(error)
        ? { kind: "fatal", error: failure }
        : { kind: "rejected", error: failure };
    } finally {
      // Delivered, failed for good or abandoned: this request's part of the Degraded trace ends.
      this.degradation.settled(sending);
    }
  }

  /**
   * A redirect the client refused that no record causes, so it fails the task (after sink.retry.*) and
   * never reaches errors.tolerance, where every record would go to the dead letter queue (or be skipped)
   * and be committed. A refusal about the target's origin (another origin with a body, https → http, a
   * scheme other than http or https) never depends on the record: placeholders are only allowed in the
   * url's path, query or fragment, so every record's request starts at the configured origin. A refusal
   * about the chain alone (too many hops, a Location that is not a URL) may be one path's, so it stays
   * the records' when the url has placeholders.
   */
  private taskRedirect(error: unknown): boolean {
    return error instanceof HttpRedirectError && (error.about === "origin" || this.s.fixedUrl === true);
  }

  /**
   * A 3xx not followed, or a status of 400 and above that is no error under the sink.error.code lists,
   * counts as delivered (its records' offsets are committed) although the endpoint may not have stored
   * them: a WARN once per status, whose hint names the list entries that would make it an error (408,
   * 429 and most 5xx are then retried; any other 4xx, 501 and 505 never are: their records then follow
   * errors.tolerance). A status outside 100..599 is told as the 500 it is classified as.
   */
  private warnDeliveredStatus(request: OutgoingRequest, status: number): void {
    // A 303 says the endpoint took the request: delivered without a doubt to warn of.
    const redirect = status >= 300 && status < 400 && status !== 303;
    const classified = classifiedStatus(status);
    if ((!redirect && classified < 400) || this.warnedStatuses.has(status)) return;
    this.warnedStatuses.add(status);
    const asClassified = classified === status ? "" : ` (outside 100..599: read as ${classified}, as RFC 9110 says)`;
    const from = `HTTP ${status} from ${request.method ?? this.s.method} ${this.s.showUrl(request.url)}${asClassified}`;
    const excludedBy = this.s.errorStatuses.excludedBy(classified);
    const klass = Math.floor(classified / 100);
    const steps: string[] = [];
    if (!this.s.errorStatuses.listed(classified)) steps.push(`list ${classified} or ${klass}XX in sink.error.code`);
    // Both a code and its class may exclude it (`503,5XX`): each is named, as dropping one alone leaves it excluded.
    for (const entry of excludedBy)
      steps.push(
        entry === String(classified)
          ? `remove ${entry} from sink.error.code.exclude`
          : `replace ${entry} in sink.error.code.exclude with the ${klass}xx codes to keep delivered`,
      );
    const retriable = isRetriableStatus(classified);
    const where =
      excludedBy.length > 0
        ? `is excluded by ${excludedBy.join(" and ")} in sink.error.code.exclude`
        : "is outside sink.error.code";
    const why = redirect ? `was not followed (not a redirect with a Location) and ${where}` : where;
    const effect = retriable
      ? "to retry it and treat it as an error"
      : "to treat it as an error: it is never retried, its records then follow errors.tolerance";
    this.log.warn(
      `${from} ${why}${retriable ? ", so it is not retried" : ""}: its records count as delivered, although the endpoint may not have stored them (${steps.join(" and ")} ${effect}; logged once per status)`,
    );
  }

  /** One exchange (plus one renewal round on a 401 with OIDC). */
  private async attempt(sending: Sending): Promise<HttpResponse> {
    const { request, signal } = sending;
    let renewed = false;
    for (;;) {
      // Paused (the connector PAUSED): no send starts until the resume, a 401's renewed one included.
      await this.gate.pass(signal);
      if (signal.aborted) throw signal.reason;
      // One value per header name, case-insensitively. What the connector's config says wins over what
      // a producer put in a record (forwarded headers, CloudEvents attributes), and the OIDC token over both.
      const merged = new Map<string, [string, string]>();
      for (const h of this.s.defaultHeaders) merged.set(h[0].toLowerCase(), h);
      for (const h of request.headers) merged.set(h[0].toLowerCase(), h);
      for (const h of this.s.headers) merged.set(h[0].toLowerCase(), h);
      if (request.method !== undefined) merged.delete("content-type"); // a tombstone's DELETE has no body
      let token: string | undefined;
      if (this.s.tokens) {
        try {
          token = await this.s.tokens.token(signal);
        } catch (error) {
          if (signal.aborted) throw error;
          // Retriable token endpoint failures are retried like the request; others fail the task.
          throw isRetriable(error) ? error : new TokenFailure(error);
        }
        this.mask.token(token);
        merged.set("authorization", ["Authorization", `Bearer ${token}`]);
      }
      // Paused while the token came: wait at the gate, then take the token again (it may be stale by then).
      if (this.gate.closed) continue;
      if (token !== undefined) this.renewal.sending(token, renewed);
      if (!sending.sent) {
        sending.sent = true;
        this.metrics.batchSize.observe(request.records); // once per request, when it first goes out
      }
      // On the wire only the task's stop cuts the attempt off (see the class comment).
      const response = await this.exchange(request, [...merged.values()], this.signal);
      if (token === undefined) return response;
      if (response.status !== 401) {
        this.renewal.accepted(token);
        return response;
      }
      if (this.renewal.renewOn401(token, renewed)) {
        renewed = true;
        this.s.tokens!.invalidate(token);
        continue;
      }
      return response;
    }
  }

  private async exchange(
    request: OutgoingRequest,
    headers: [string, string][],
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const started = monotonicNow(this.clock);
    this.metrics.inFlight.set(this.metrics.inFlight.get() + 1);
    try {
      const response = await this.client.request({
        method: request.method ?? this.s.method,
        url: request.url,
        headers,
        ...(request.method === undefined ? { body: request.body } : {}),
        timeoutMs: this.s.timeoutMs,
        signal,
        bodyPrefixBytes: RESPONSE_BYTES_KEPT,
        // The endpoint took the records (RFC 9110 §15.4.4): its 303 is the answer, not the GET of the page it names.
        seeOtherIsAnswer: true,
        showUrl: this.s.showUrl,
      });
      this.metrics.requests.inc({ status_class: SinkMetrics.statusClass(classifiedStatus(response.status)) });
      this.metrics.latency.observe(response.durationMs / 1000);
      this.logExchange(request, response);
      return response;
    } catch (error) {
      if (!signal.aborted) {
        this.metrics.requests.inc({ status_class: SinkMetrics.statusClass(undefined) });
        this.metrics.latency.observe((monotonicNow(this.clock) - started) / 1000);
      }
      throw error;
    } finally {
      this.metrics.inFlight.set(this.metrics.inFlight.get() - 1);
    }
  }

  private logExchange(request: OutgoingRequest, response: HttpResponse): void {
    if (!this.s.logRequests || !this.log.isEnabled("DEBUG")) return;
    const line = `${request.method ?? this.s.method} ${this.s.showUrl(request.url)} → ${response.status} in ${Math.round(response.durationMs)} ms (${request.records} records, ${request.body.length} bytes sent, ${response.body.length}${response.truncated ? " (first)" : ""} bytes received)`;
    if (this.log.isEnabled("TRACE")) {
      this.log.trace(
        `${line}\nRequest body: ${decoder.decode(request.body)}\nResponse body: ${this.mask.apply(decoder.decode(response.body), response.truncated)}`,
      );
    } else {
      this.log.debug(line);
    }
  }

  private statusError(request: OutgoingRequest, response: HttpResponse, attempts: number): HttpStatusError {
    const excerpt = excerptOf(response.body, (text, cut) => this.mask.apply(text, cut), response.truncated);
    return new HttpStatusError(
      response.status,
      `HTTP ${response.status} from ${request.method ?? this.s.method} ${this.s.showUrl(request.url)} after ${attempts} attempt(s)${excerpt ? `: ${excerpt}` : ""}`,
      excerpt,
    );
  }
}

/** One `send`: its key in the Degraded trace, and whether it went out yet (counted in http_sink_batch_size then). */
interface Sending {
  readonly request: OutgoingRequest;
  readonly signal: AbortSignal;
  sent: boolean;
}

class TokenFailure extends Error {
  constructor(cause: unknown) {
    super("OIDC token request failed", { cause });
  }
}
