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
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let expiresAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;

  async function fetchSet(): Promise<void> {
    const fetched = await fetchKeySet(options.url, { timeoutMs });
    const now = monotonicNow(clock);
    keys = fetched.set;
    fetchedAt = now;
    expiresAt = now + Math.min(options.maxAgeMs, fetched.freshnessMs ?? options.maxAgeMs);
  }

  function reload(): Promise<void> {
    pending ??= fetchSet().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  return async (header, token) => {
    if (keys === undefined || monotonicNow(clock) >= expiresAt) {
      // An expired set is not trusted while the refetch fails.
      keys = undefined;
      await reload();
    }
    try {
      return await keys!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || monotonicNow(clock) - fetchedAt < options.cooldownMs)
        throw error;
      await reload();
      return keys!(header, token);
    }
  };
}
