/**
 * Which outbound HTTP failures are worth another attempt, and when, on top of the shared backoff
 * (`src/util/backoff.ts`). Retried: transport failures (refused, reset, timeouts, TLS) and the
 * statuses that say "later" — 408, 429 and every 5xx except 501 and 505 (the server will not change
 * its mind about a method or a version). A `Retry-After` (delta-seconds or HTTP-date) on 429 and 503
 * is the least wait (the computed backoff when that is longer, so `0` or a past date does not spend
 * the attempts back to back), capped at the policy's `maxMs` (a day-long Retry-After would idle a
 * running task for a day); so is an OAuth2 token endpoint's on 429 and 503 (`sendWithRetry`, where
 * the token request is part of building the request). Used by the HTTP source and sink connectors.
 */
import { isRetriable } from "../errors.ts";
import { type BackoffPolicy, parseRetryAfter, retry } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { classifiedStatus } from "./classified-status.ts";
import { type HttpClient, type HttpRequest, type HttpResponse, HttpTransportError } from "./http-client.ts";
import { RetriableTokenRequestError } from "./token-request-errors.ts";

export interface RetryDecision {
  readonly retriable: boolean;
  /** The server's own wish (Retry-After), overriding the backoff. */
  readonly delayMs?: number;
}

export { classifiedStatus };

const NOT_RETRIED_5XX = new Set([501, 505]);

/** 408, 429 and 5xx other than 501/505, a status outside 100..599 included (classifiedStatus). */
export function isRetriableStatus(status: number): boolean {
  const s = classifiedStatus(status);
  return s === 408 || s === 429 || (s >= 500 && s <= 599 && !NOT_RETRIED_5XX.has(s));
}

/** The Retry-After delay of a 429 or 503 response, else undefined. */
export function retryAfterMs(response: HttpResponse, nowMs: number): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  return parseRetryAfter(response.headers.get("retry-after"), nowMs) ?? undefined;
}

export function classifyResponse(response: HttpResponse, nowMs: number): RetryDecision {
  if (!isRetriableStatus(response.status)) return { retriable: false };
  return { retriable: true, delayMs: retryAfterMs(response, nowMs) };
}

/**
 * Transport failures and other retriable errors (e.g. an unreachable OAuth2 token endpoint; its
 * 429/503 with Retry-After carries the server's wish).
 */
export function classifyError(error: unknown): RetryDecision {
  const retriable = error instanceof HttpTransportError || isRetriable(error);
  const delayMs = error instanceof RetriableTokenRequestError ? error.retryAfterMs : undefined;
  return delayMs === undefined ? { retriable } : { retriable, delayMs };
}

/** A retriable status, carried through `retry` so the last response can be returned. */
class RetriableStatus extends Error {
  constructor(readonly response: HttpResponse) {
    super(`HTTP ${response.status}`);
  }
}

export interface SendWithRetryOptions {
  readonly policy: BackoffPolicy;
  /** Attempts in all, the first included (≥ 1). */
  readonly maxAttempts: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Called before each wait: the failed attempt (0-based), its response or error, the delay. */
  readonly onRetry?: (attempt: number, outcome: HttpResponse | unknown, delayMs: number) => void;
  /** Called once per request sent, with its outcome (for metrics and rate-limit headers); not when building it failed. */
  readonly onAttempt?: (outcome: { response?: HttpResponse; error?: unknown }) => void;
}

/**
 * Sends `request()` until it gets a response that is not retriable or attempts run out. Returns
 * the last response whatever its status (the caller decides what an error status means); throws
 * the last transport error when no attempt got a response, or the abort reason on abort.
 */
export async function sendWithRetry(
  client: HttpClient,
  request: (attempt: number) => HttpRequest | Promise<HttpRequest>,
  o: SendWithRetryOptions,
): Promise<HttpResponse> {
  try {
    return await retry(
      async (attempt) => {
        // Building the request (an OAuth2 token fetch) is no attempt: only a request sent is one.
        const built = await request(attempt);
        let response: HttpResponse;
        try {
          response = await client.request({ ...built, signal: o.signal });
        } catch (error) {
          o.onAttempt?.({ error });
          throw error;
        }
        o.onAttempt?.({ response });
        if (attempt + 1 < o.maxAttempts && isRetriableStatus(response.status)) throw new RetriableStatus(response);
        return response;
      },
      {
        policy: o.policy,
        maxAttempts: Math.max(1, o.maxAttempts),
        signal: o.signal,
        clock: o.clock,
        classify: (error) => {
          const decision =
            error instanceof RetriableStatus ? classifyResponse(error.response, o.clock.now()) : classifyError(error);
          // The server's wish is a least wait, honoured up to the policy's longest wait, as the sink
          // does: "0" or a date already past (the server's clock behind) does not undo the backoff.
          return decision.delayMs === undefined
            ? decision
            : { retriable: decision.retriable, minDelayMs: Math.min(decision.delayMs, o.policy.maxMs) };
        },
        onRetry: (error, attempt, delayMs) =>
          o.onRetry?.(attempt, error instanceof RetriableStatus ? error.response : error, delayMs),
      },
    );
  } catch (error) {
    if (error instanceof RetriableStatus) return error.response;
    throw error;
  }
}
