/**
 * The one backoff helper of the codebase: exponential delays with jitter, Retry-After parsing and
 * an abortable `retry` loop. The runtime's retry sites (produce, poll, consumer start,
 * the per-record error operator) and the HTTP connectors build on it, so a retry
 * never hand-rolls its own sleep-and-double loop. Time comes from an injected `Clock`, so tests
 * drive the delays instead of sleeping.
 */
import { type Clock, monotonicNow, systemClock } from "./clock.ts";

/** How delays grow: `initialMs · multiplier^attempt`, capped at `maxMs`, then jittered. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth factor per attempt; default 2. */
  readonly multiplier?: number;
  /** Fraction (0..1) of each delay that is randomized; default 0.2. 0 gives exact delays. */
  readonly jitter?: number;
}

/**
 * The delay before retry number `attempt + 1` (`attempt` is 0-based: the delay after the first
 * failure is `backoffDelay(policy, 0)`). Jitter only shortens a delay (by up to `jitter` of it),
 * so the result stays within `[capped · (1 − jitter), capped]` and never exceeds `maxMs`.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const multiplier = policy.multiplier ?? 2;
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? 0.2));
  const grown = policy.initialMs * multiplier ** Math.max(0, attempt);
  const capped = Math.max(0, Math.min(policy.maxMs, Number.isFinite(grown) ? grown : policy.maxMs));
  return Math.round(capped * (1 - jitter * random()));
}

/** CommonClientConfigs.RETRY_BACKOFF_JITTER. */
const KAFKA_CLIENT_JITTER = 0.2;

/**
 * The wait after `attempts` failures as Java's Kafka clients compute it (ExponentialBackoff, as KIP-580 set it up for
 * retry.backoff.ms and retry.backoff.max.ms): `initialMs · 2^attempts`, the exponent capped where it reaches `maxMs`,
 * times a factor drawn from [0.8, 1.2), truncated and capped at `maxMs`. An `initialMs` above `maxMs` makes it a
 * constant `maxMs`, as Java's (which warns about that configuration).
 */
export function kafkaClientBackoff(initialMs: number, maxMs: number, attempts: number, random: () => number): number {
  const initial = Math.min(initialMs, maxMs);
  if (maxMs <= initial) return initial;
  // ln(a)/ln(2) as Java computes it: Math.log2 rounds the other way (2 ** it is 999.99… ms, not 1000, at the cap).
  const exponent = Math.min(attempts, Math.log(maxMs / Math.max(initial, 1)) / Math.log(2));
  const factor = 1 - KAFKA_CLIENT_JITTER + 2 * KAFKA_CLIENT_JITTER * random();
  return Math.min(Math.trunc(factor * initial * 2 ** exponent), maxMs);
}

const DAY_NAME = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i;

/**
 * The delay in ms a `Retry-After` header asks for (RFC 9110 §10.2.3): delta-seconds, or an
 * HTTP-date (IMF-fixdate, RFC 850 or asctime, all in GMT) relative to `nowMs`; a date in the past
 * gives 0. Null when the header is absent or not one of those forms.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!DAY_NAME.test(text)) return null;
  // asctime carries no zone but is GMT by definition.
  const at = Date.parse(/\b(GMT|UTC)\b/i.test(text) ? text : `${text} GMT`);
  if (!Number.isFinite(at)) return null;
  return Math.max(0, at - nowMs);
}

export interface RetryVerdict {
  readonly retriable: boolean;
  /** Wait this long instead of the policy's delay (e.g. from Retry-After). */
  readonly delayMs?: number;
  /** Wait at least this long: the policy's delay when that is longer (a Retry-After taken as a least wait). */
  readonly minDelayMs?: number;
}

export interface RetryOptions {
  /** How delays grow, or the delay before retry number `attempt + 1` itself (`kafkaClientBackoff`'s, say). */
  readonly policy: BackoffPolicy | ((attempt: number) => number);
  /** Attempts in total, the first included; `Infinity` retries until success, timeout or abort. */
  readonly maxAttempts: number;
  /**
   * Once aborted, no further attempt starts and a pending delay ends at once: `retry` rejects with
   * `signal.reason` (an AbortError by default). An attempt already running is not interrupted;
   * pass the signal to the operation itself for that.
   */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Decides whether a failure is retried and, optionally, how long to wait. */
  readonly classify: (error: unknown) => RetryVerdict;
  /** Called before each delay (log here). */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * Time budget from the first attempt: no retry starts once it is spent, and a delay is shortened
   * to end with it (Connect's `errors.retry.timeout`). Absent: no budget.
   */
  readonly timeoutMs?: number;
  /** Source of jitter; tests pass a constant. */
  readonly random?: () => number;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * Runs `op(attempt)` (attempt 0-based) until it resolves; a failure that `classify` calls
 * retriable is retried after a backoff delay while attempts and time remain. The last failure
 * (or a non-retriable one) rejects with that error, unchanged.
 */
export async function retry<T>(op: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const clock = o.clock ?? systemClock;
  // The budget runs on the monotonic clock: a step of the host's clock neither spends nor extends it.
  const started = monotonicNow(clock);
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (error) {
      if (o.signal?.aborted) throw abortReason(o.signal);
      const verdict = o.classify(error);
      if (!verdict.retriable || attempt + 1 >= o.maxAttempts) throw error;
      const computed = typeof o.policy === "function" ? o.policy(attempt) : backoffDelay(o.policy, attempt, o.random);
      let delay = verdict.delayMs ?? Math.max(verdict.minDelayMs ?? 0, computed);
      if (o.timeoutMs !== undefined) {
        const remaining = o.timeoutMs - (monotonicNow(clock) - started);
        if (remaining <= 0) throw error;
        delay = Math.min(delay, remaining);
      }
      o.onRetry?.(error, attempt, delay);
      await clock.sleep(delay, o.signal);
      if (o.signal?.aborted) throw abortReason(o.signal);
    }
  }
}
