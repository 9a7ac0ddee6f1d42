/**
 * BasicAttemptGuard: bounds what Basic authentication attempts can cost (security review
 * 2026-12-01, P2.8: every attempt ran an argon2 verify, ~180 ms of CPU at the default cost, with
 * no limit, so a few wrong passwords per second saturated the gateway). The ingest authenticator
 * asks `admit(client)` before a password verify that the success cache cannot answer, and reports
 * its outcome with `release(client, ok)`:
 *
 * - per client address: the admin API's LoginThrottle (login-throttle.ts): `failures.max` failed
 *   attempts within `failures.lockout.ms` block the address for that long (429, Retry-After);
 * - globally: failed attempts of all clients draw on a token bucket of `failures.global.per.second`
 *   (burst: ten seconds' worth); while it is empty, attempts needing a verify are 429;
 * - at most `max.concurrent.verifications` verifies run at once; one more is 503 with Retry-After
 *   at once (no queue: a queue would only delay the answer while the attacker keeps sending).
 *
 * Refusals for the global rate are GlobalFailureLimitErrors, which their owner WARNs (rate-limited)
 * and counts. A pair in the success cache costs no verify and is never refused here: a device that knows its
 * password keeps working while an address it shares (NAT) or the gateway is under attack.
 * Windows are measured on the clock's monotonic reading. One guard per connector.
 */
import { VERIFICATIONS_BUSY_MESSAGE, VERIFICATIONS_BUSY_RETRY_AFTER_SECONDS } from "../../rest/auth/basic-auth.ts";
import { LoginThrottle, throttledAddress } from "../../rest/auth/login-throttle.ts";
import { type Clock, monotonicNow, systemClock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import { RepeatLimiter, warnLimited } from "../../util/repeat-limiter.ts";
import { ErrorCodes, IngestError } from "../ingest-error.ts";
import { TokenBucket } from "../quota/token-bucket.ts";
import type { BasicFailureLimits } from "../request-context.ts";

export interface BasicAttemptLimits extends BasicFailureLimits {
  /** Password verifies running at once; 0: no cap. */
  readonly maxConcurrentVerifications: number;
}

export class BasicAttemptGuard {
  private readonly throttle: LoginThrottle;
  private readonly global: TokenBucket | undefined;
  private readonly clock: Clock;
  private running = 0;

  constructor(
    private readonly limits: BasicAttemptLimits,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
    this.throttle = new LoginThrottle({
      maxFailures: limits.maxFailures,
      lockoutMs: limits.lockoutMs,
      clock: this.clock,
    });
    const rate = limits.globalFailuresPerSecond;
    this.global = rate > 0 ? new TokenBucket(rate, rate * 10, monotonicNow(this.clock)) : undefined;
  }

  /** Verifications running now (for tests). */
  get inFlight(): number {
    return this.running;
  }

  /** Throws IngestError 429 while `client` (its address; '' when unknown) or every client is blocked. */
  check(client: string): void {
    const blockedMs = this.throttle.retryAfterMs(client);
    if (blockedMs > 0) throw tooMany("Too many failed authentication attempts from this address", blockedMs);
    const globalMs = this.global?.waitFor(1, monotonicNow(this.clock)) ?? 0;
    if (globalMs > 0)
      throw tooMany("Too many failed authentication attempts; try again later", globalMs, GlobalFailureLimitError);
  }

  /** Admits one verify for `client` (its address; '' when unknown), or throws IngestError 429/503. */
  admit(client: string): void {
    this.check(client);
    const cap = this.limits.maxConcurrentVerifications;
    if (cap > 0 && this.running >= cap)
      throw new IngestError(503, ErrorCodes.SERVICE_UNAVAILABLE, VERIFICATIONS_BUSY_MESSAGE, {
        retryAfterSeconds: VERIFICATIONS_BUSY_RETRY_AFTER_SECONDS,
      });
    this.running++;
  }

  /**
   * Ends an admitted verify with its outcome; a failure counts towards the limits unless
   * `counted` is false (a trial of the REST Proxy gate, which counts it on its own budget).
   * Returns what `failure` returns (0 when nothing was counted).
   */
  release(client: string, ok: boolean, counted = true): number {
    this.running--;
    return !ok && counted ? this.failure(client) : 0;
  }

  /**
   * Counts a failed attempt of `client` towards the per-address and global limits. Returns how
   * long this failure blocks the address, in ms (failures.lockout.ms), or 0 when it does not (once
   * per block: for the caller's WARN and lockout counter).
   */
  failure(client: string): number {
    const blocks = this.throttle.failure(client);
    this.global?.take(1, monotonicNow(this.clock));
    return blocks ? this.limits.lockoutMs : 0;
  }
}

/**
 * The WARN of a block `failure` started (explore4 J3), `where` naming what blocks (the logger's
 * context names the connector): the address as counted (an IPv6 one's /64), never a user or password.
 */
export function blockedWarning(client: string, lockoutMs: number, where = ""): string {
  return `Blocking ${throttledAddress(client) || "an unknown address"}${where} for ${Math.ceil(lockoutMs / 1000)} s after repeated failed basic authentication attempts (ingest.auth.basic.failures.max)`;
}

/**
 * The 429 of an attempt refused because the failed attempts of all clients together used up
 * failures.global.per.second: its owner (a connector's authenticator, the REST Proxy gate) WARNs
 * and counts it (`globalLimitWarner`), as a block of one address.
 */
export class GlobalFailureLimitError extends IngestError {}

/** WARNs of global-limit refusals (of a connector, of the REST Proxy gate) are at most one per this interval. */
export const GLOBAL_LIMIT_LOG_INTERVAL_MS = 60_000;

/**
 * The WARN of attempts the global failure budget refuses (`where`: what refuses; the logger's
 * context names the connector): at most one per GLOBAL_LIMIT_LOG_INTERVAL_MS, saying how many
 * were not logged (every guessing client's attempt is refused alike). Never a user or an address.
 */
export function globalLimitWarner(clock: Clock, where = ""): (log: Logger) => void {
  const limiter = new RepeatLimiter(() => monotonicNow(clock), GLOBAL_LIMIT_LOG_INTERVAL_MS);
  const message = `Refusing basic authentication attempts${where} that need a password verify (429): failed attempts of all clients together passed ingest.auth.basic.failures.global.per.second`;
  return (log) => warnLimited(log, limiter, "global", message);
}

function tooMany(message: string, waitMs: number, type: typeof IngestError = IngestError): IngestError {
  return new type(429, ErrorCodes.TOO_MANY_REQUESTS, message, {
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });
}
