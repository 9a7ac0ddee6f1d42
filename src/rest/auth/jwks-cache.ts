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
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { type Clock, systemClock } from "../../util/clock.ts";

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

/** The set's lifetime in ms from a Cache-Control header; undefined when it announces none. */
export function announcedMaxAgeMs(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  const directives = cacheControl
    .toLowerCase()
    .split(",")
    .map((d) => d.trim());
  if (directives.some((d) => d === "no-store" || d === "no-cache")) return 0;
  for (const d of directives) {
    const m = /^max-age\s*=\s*"?(\d+)"?$/.exec(d);
    if (m) return Number(m[1]) * 1000;
  }
  return undefined;
}

export function jwksKeySource(options: JwksCacheOptions): JWTVerifyGetKey {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 5000;
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let expiresAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;

  async function fetchSet(): Promise<void> {
    const response = await fetch(options.url, {
      headers: { Accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) throw new Error(`the JWKS URL answered HTTP ${response.status}`);
    let set: unknown;
    try {
      set = await response.json();
    } catch {
      throw new Error("the JWKS URL did not answer JSON");
    }
    const local = createLocalJWKSet(set as JSONWebKeySet);
    const now = clock.now();
    const announced = announcedMaxAgeMs(response.headers.get("Cache-Control"));
    keys = local;
    fetchedAt = now;
    expiresAt = now + Math.min(options.maxAgeMs, announced ?? options.maxAgeMs);
  }

  function reload(): Promise<void> {
    pending ??= fetchSet().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  return async (header, token) => {
    if (keys === undefined || clock.now() >= expiresAt) {
      // An expired set is not trusted while the refetch fails.
      keys = undefined;
      await reload();
    }
    try {
      return await keys!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || clock.now() - fetchedAt < options.cooldownMs) throw error;
      await reload();
      return keys!(header, token);
    }
  };
}
