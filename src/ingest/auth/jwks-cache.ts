/**
 * The identity provider's JSON Web Key Set for ingest JWT verification, cached as HTTP says:
 * `Cache-Control: max-age` (or `Expires`) sets how long the keys are used without asking again,
 * clamped to [minAgeMs, maxAgeMs]; `no-store`/`no-cache` mean the minimum; without either header
 * `defaultAgeMs` applies. A token naming an unknown `kid` causes one refresh, unless the last fetch
 * is younger than `cooldownMs` (made-up kids cannot make the gateway flood the provider); failed
 * attempts are followed by the same cooldown. Concurrent callers share one fetch. Keys past their
 * age verify the kids they contain while the set is fetched again (no request waits for that
 * fetch); when a refresh fails, they keep being used for those kids (stale-if-error),
 * so a provider outage does not lock every device out; an unknown kid then is "unavailable" (503).
 * Ages, expiry and cooldown are measured on the clock's monotonic reading: a step of the host's
 * clock neither keeps keys past their age nor refetches early (an `Expires` header, a wall-clock
 * date, becomes a lifetime when the response arrives).
 *
 * Called by `jwt-authenticator.ts` through `getKey`, which jose's `jwtVerify` calls per token.
 */
import { errors, type JWSHeaderParameters } from "jose";
import { type Clock, monotonicNow, systemClock } from "../../util/clock.ts";
import { fetchKeySet, JwksUnavailableError, type LocalKeySet, shownJwksUrl } from "../../util/jwks-fetch.ts";

export interface JwksCacheOptions {
  readonly url: URL;
  readonly minAgeMs?: number;
  readonly maxAgeMs?: number;
  readonly defaultAgeMs?: number;
  readonly cooldownMs?: number;
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  readonly fetch?: (url: URL, init: RequestInit) => Promise<Response>;
}

interface Entry {
  readonly set: LocalKeySet;
  readonly kids: ReadonlySet<string>;
  /** Monotonic ms. */
  readonly fetchedAt: number;
  /** Monotonic ms. */
  readonly expiresAt: number;
}

export class JwksCache {
  private entry: Entry | undefined;
  private inFlight: Promise<Entry> | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastError: unknown;
  private fetches = 0;
  private readonly clock: Clock;
  private readonly minAgeMs: number;
  private readonly maxAgeMs: number;
  private readonly defaultAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: JwksCacheOptions) {
    this.clock = options.clock ?? systemClock;
    this.minAgeMs = options.minAgeMs ?? 30_000;
    this.maxAgeMs = options.maxAgeMs ?? 86_400_000;
    this.defaultAgeMs = options.defaultAgeMs ?? 600_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** How many times the key set was fetched (for tests and metrics). */
  get fetchCount(): number {
    return this.fetches;
  }

  /** jose's key resolver: the key for the token's header, refreshing as described above. */
  readonly getKey = async (header: JWSHeaderParameters, token: { payload: unknown; signature: string }) => {
    const now = monotonicNow(this.clock);
    let entry = this.entry;
    const kidKnown = (e: Entry) => header.kid === undefined || e.kids.has(header.kid);
    const due = !entry || now >= entry.expiresAt || !kidKnown(entry);
    // Every fetch attempt, failed ones too, is followed by a cooldown: neither made-up kids nor an
    // identity provider that is down make each request fetch again.
    if (due && (this.inFlight || now - this.lastAttemptAt >= this.cooldownMs)) {
      // Keys past their age that know the kid go on verifying while the set is fetched again: the
      // requests at the end of every cache age waited for the fetch, up to its timeout with the
      // provider slow or down (security hunt 2026-12-03).
      if (entry && kidKnown(entry)) {
        this.refresh().catch((error: unknown) => {
          this.lastError = error;
        });
        return entry.set(header, token as never);
      }
      try {
        entry = await this.refresh();
      } catch (error) {
        this.lastError = error;
        if (!entry || !kidKnown(entry)) throw error;
      }
    } else if (!entry) {
      throw (
        this.lastError ?? new JwksUnavailableError(`the JWKS at ${shownJwksUrl(this.options.url)} is not available yet`)
      );
    }
    if (entry.expiresAt <= now && !kidKnown(entry) && this.lastError) throw this.lastError;
    return entry.set(header, token as never);
  };

  private refresh(): Promise<Entry> {
    if (this.inFlight) return this.inFlight;
    this.lastAttemptAt = monotonicNow(this.clock);
    this.inFlight = this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async load(): Promise<Entry> {
    this.fetches += 1;
    const fetched = await fetchKeySet(this.options.url, {
      timeoutMs: this.timeoutMs,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    const now = monotonicNow(this.clock);
    const age = Math.min(this.maxAgeMs, Math.max(this.minAgeMs, fetched.freshnessMs ?? this.defaultAgeMs));
    this.entry = { set: fetched.set, kids: fetched.kids, fetchedAt: now, expiresAt: now + age };
    this.lastError = undefined;
    return this.entry;
  }
}

/** Key-selection errors caused by the token rather than the provider. */
export function isTokenKeyError(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported
  );
}
