/**
 * The identity provider's JSON Web Key Set, fetched and cached for bearer-token verification
 * (`bearer-auth.ts` uses `jwksKeySource` as jose's key lookup). Written here rather than taken from
 * jose's createRemoteJWKSet because a cached key must stop being trusted when the provider says so:
 *
 * - the set is kept for the lifetime the JWKS response announces (`Cache-Control: max-age`, and
 *   `no-cache`/`no-store` as 0), never longer than `maxAgeMs`; after that it is fetched again
 *   before any token is verified, so a key removed from the JWKS stops being accepted within that
 *   lifetime;
 * - a token naming a key id the cached set lacks (key rotation) refetches it at once, at most once
 *   per `cooldownMs`, so tokens with made-up key ids cannot flood the provider;
 * - a fetch is followed by `cooldownMs` without another (as jose's cooldownDuration): a set
 *   announced as `no-cache`/`max-age=0` is kept for the cooldown (never past `maxAgeMs`), and
 *   after a failed fetch lookups fail closed without fetching until the cooldown has passed, so
 *   neither a provider that is down nor one that says "do not cache" makes each request fetch the
 *   set again. A set that was fetched and reached `maxAgeMs` is fetched again at once, even within
 *   the cooldown: with `maxAgeMs` below the cooldown the set is fetched once per `maxAgeMs` (the
 *   operator's bound), never refused while the provider answers;
 * - concurrent lookups share one fetch. When the set cannot be fetched, lookups fail (the caller
 *   answers 503) rather than trusting an expired set.
 *
 * Lifetimes and the cooldown are measured on the clock's monotonic reading, so a step of the host's
 * clock neither keeps a set past its lifetime nor refetches early.
 */
import { errors, type JWTVerifyGetKey } from "jose";
import { type Clock, monotonicNow, systemClock } from "../../util/clock.ts";
import { fetchKeySet, type LocalKeySet } from "../../util/jwks-fetch.ts";

export interface JwksCacheOptions {
  readonly url: URL;
  /** The longest a fetched set is used, whatever the response announces. */
  readonly maxAgeMs: number;
  /** Minimum time between refetches caused by an unknown key id. */
  readonly cooldownMs: number;
  /** Timeout of one fetch. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

export function jwksKeySource(options: JwksCacheOptions): JWTVerifyGetKey {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 5000;
  let keys: LocalKeySet | undefined;
  /** Monotonic ms when the last fetch began, failed ones too. */
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let expiresAt = Number.NEGATIVE_INFINITY;
  let lastError: unknown;
  let pending: Promise<void> | undefined;

  async function fetchSet(): Promise<void> {
    try {
      const fetched = await fetchKeySet(options.url, { timeoutMs });
      const now = monotonicNow(clock);
      const announced = fetched.freshnessMs ?? options.maxAgeMs;
      keys = fetched.set;
      expiresAt = now + Math.min(options.maxAgeMs, Math.max(options.cooldownMs, announced));
      lastError = undefined;
    } catch (error) {
      lastError = error;
      throw error;
    }
  }

  function coolingDown(): boolean {
    return monotonicNow(clock) - attemptedAt < options.cooldownMs;
  }

  function reload(): Promise<void> {
    if (!pending) {
      attemptedAt = monotonicNow(clock);
      pending = fetchSet().finally(() => {
        pending = undefined;
      });
    }
    return pending;
  }

  return async (header, token) => {
    if (keys === undefined || monotonicNow(clock) >= expiresAt) {
      // An expired set is not trusted while the refetch fails; after a failed fetch, none before the cooldown.
      keys = undefined;
      if (!pending && lastError !== undefined && coolingDown()) throw lastError;
      await reload();
    }
    try {
      return await keys!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || coolingDown()) throw error;
      await reload();
      return keys!(header, token);
    }
  };
}
