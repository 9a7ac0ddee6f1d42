/**
 * An identity provider's JSON Web Key Set, cached for JWT verification by both the admin API's
 * bearer authentication (`rest/auth/bearer-auth.ts`) and ingest JWT authentication
 * (`ingest/auth/jwt-authenticator.ts`), through `getKey`, which jose's `jwtVerify` calls per token.
 *
 * - Lifetime as HTTP says: `Cache-Control: max-age` (or `Expires`) sets how long the keys are used
 *   without asking again, clamped to [minAgeMs, maxAgeMs]; `no-store`/`no-cache` mean the minimum;
 *   without either header `defaultAgeMs` applies.
 * - Keys past their age verify the kids they contain while the set is fetched again in the
 *   background: no request waits for that fetch (Kafka's RefreshingHttpsJwks refreshes in the
 *   background too). When the refresh fails they keep being used for those kids (stale-if-error) until a
 *   fetch succeeds, so a provider outage does not lock every client out; a WARN says so, once per
 *   outage. Not for ever: a key the provider removed (revoked) would be accepted as long as its
 *   fetches fail. Past their expiry plus `maxAgeMs` (one more longest age) the keys are no longer
 *   used: verification fails closed (JwksUnavailableError, 503) until a fetch succeeds, and a WARN
 *   says so, once per outage.
 * - A token naming a kid the set lacks (key rotation) waits for one refresh, unless the last fetch
 *   attempt is younger than `cooldownMs` (made-up kids cannot make the gateway flood the provider);
 *   within the cooldown such a token is not judged: `JwksKeyPendingError` (503 with Retry-After,
 *   the rest of the cooldown), since the key may be a freshly rotated one the set fetched next will
 *   have. Only a kid missing from a set fetched for it is an invalid token (401). A `kid` that is
 *   not a string (RFC 7515 §4.1.4) names no key: an invalid token at once, neither pending (503)
 *   nor a reason to fetch (sechunt hunt 2026-12-07: `"kid": 5` was 503, "fetched again shortly").
 * - Failed attempts are followed by the same cooldown. A set past its age after a successful fetch
 *   is fetched again even within the cooldown (the age is at least `minAgeMs`; with `maxAgeMs` below
 *   the cooldown the set is fetched once per `maxAgeMs`, the operator's bound).
 * - Concurrent callers share one fetch.
 *
 * Ages, expiry and cooldown are measured on the clock's monotonic reading: a step of the host's
 * clock neither keeps keys past their age nor refetches early (an `Expires` header, a wall-clock
 * date, becomes a lifetime when the response arrives).
 */
import { errors, type JWSHeaderParameters } from "jose";
import { messageOf } from "../errors.ts";
import { type Clock, monotonicNow, systemClock } from "./clock.ts";
import { fetchKeySet, JwksUnavailableError, type LocalKeySet, shownJwksUrl } from "./jwks-fetch.ts";

export interface JwksCacheOptions {
  readonly url: URL;
  readonly minAgeMs?: number;
  readonly maxAgeMs?: number;
  readonly defaultAgeMs?: number;
  readonly cooldownMs?: number;
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  readonly fetch?: (url: URL, init: RequestInit) => Promise<Response>;
  /** Told once per outage that keys past their age are used because the set cannot be fetched. */
  readonly warn?: (message: string) => void;
}

/**
 * The least JWKS cooldown (and cache age) either configuration accepts: admin
 * `rest.authentication.bearer.jwks.*` and ingest `ingest.auth.jwt.jwks.*`. With no cooldown every
 * token naming a made-up kid, forged ones too, fetched the JWKS again, the request waiting for it
 * (ingestjwt hunt; review68 for the admin key, which still took 0).
 */
export const MIN_JWKS_COOLDOWN_MS = 1000;

/** The validator of a JWKS cooldown key: why `ms` is refused, or undefined. */
export function jwksCooldownProblem(ms: number | null): string | undefined {
  if (ms === null) return "Value must be non-null";
  if (ms >= MIN_JWKS_COOLDOWN_MS) return undefined;
  return `Value must be at least ${MIN_JWKS_COOLDOWN_MS}: with a shorter cooldown every token naming an unknown key id, forged ones too, makes the gateway fetch the JWKS again`;
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
  private warnedStale = false;
  private warnedRefused = false;
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

  /** Resolves once no fetch is under way (tests await a background refresh). */
  async settled(): Promise<void> {
    await this.inFlight?.catch(() => {});
  }

  /** jose's key resolver: the key for the token's header, refreshing as described above. */
  readonly getKey = async (header: JWSHeaderParameters, token: { payload: unknown; signature: string }) => {
    if (header.kid !== undefined && typeof header.kid !== "string") {
      throw new errors.JWSInvalid('JWS Protected Header "kid" must be a string');
    }
    const now = monotonicNow(this.clock);
    // Stale keys are used one longest age past their expiry at most: then none (fail closed).
    const held = this.entry;
    let entry = held && now < held.expiresAt + this.maxAgeMs ? held : undefined;
    const kidKnown = (e: Entry) => header.kid === undefined || e.kids.has(header.kid);
    const expired = !entry || now >= entry.expiresAt;
    if (entry && !expired && kidKnown(entry)) return entry.set(header, token as never);
    if (this.inFlight || this.mayFetch(now, expired)) {
      // Keys past their age that know the kid go on verifying while the set is fetched again: the
      // requests at the end of every cache age waited for the fetch, up to its timeout with the
      // provider slow or down (security hunt 2026-12-03).
      if (entry && kidKnown(entry)) {
        this.refresh().catch((error: unknown) => {
          this.lastError = error;
        });
        return this.stale(entry, now).set(header, token as never);
      }
      try {
        entry = await this.refresh();
      } catch (error) {
        this.lastError = error;
        // Only keys past their bound are refused: a kid the held keys lack is not (review53).
        if (held && !entry) this.refused(held, now);
        throw error;
      }
      return entry.set(header, token as never);
    }
    if (!entry) {
      if (held && this.lastError !== undefined) this.refused(held, now);
      throw (
        this.lastError ?? new JwksUnavailableError(`the JWKS at ${shownJwksUrl(this.options.url)} is not available yet`)
      );
    }
    if (kidKnown(entry)) return this.stale(entry, now).set(header, token as never);
    // A kid the set lacks within the cooldown: not judged until the set is fetched again (a device
    // presenting a freshly rotated key was told 401, a permanent failure, though the key would be
    // known a few seconds later).
    const retryAfterMs = Math.max(1, this.lastAttemptAt + this.cooldownMs - now);
    throw new JwksKeyPendingError(
      `the token's key id is not in the JWKS at ${shownJwksUrl(this.options.url)} as last fetched; it is fetched again in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
    );
  };

  /** `entry`, with a WARN (once per outage) when it is past its age and the last fetch failed. */
  private stale(entry: Entry, now: number): Entry {
    if (now >= entry.expiresAt && this.lastError !== undefined && !this.warnedStale) {
      this.warnedStale = true;
      this.options.warn?.(
        `The JWKS at ${shownJwksUrl(this.options.url)} cannot be fetched (${messageOf(this.lastError)}): its keys fetched ${Math.round((now - entry.fetchedAt) / 1000)} s ago are still used, until ${Math.round((entry.expiresAt + this.maxAgeMs - now) / 1000)} s from now; then bearer tokens are refused (503) until a fetch succeeds`,
      );
    }
    return entry;
  }

  /**
   * A WARN (once per outage) that `held`, past its expiry plus `maxAgeMs`, is no longer used: every
   * token is refused until a fetch succeeds (nothing said so when the refusals started).
   */
  private refused(held: Entry, now: number): void {
    if (this.warnedRefused) return;
    this.warnedRefused = true;
    this.options.warn?.(
      `The JWKS at ${shownJwksUrl(this.options.url)} cannot be fetched (${messageOf(this.lastError)}): its keys fetched ${Math.round((now - held.fetchedAt) / 1000)} s ago are past their expiry plus the longest cache age (${Math.round(this.maxAgeMs / 1000)} s) and no longer used; bearer tokens are refused (503) until a fetch succeeds`,
    );
  }

  /**
   * Whether a fetch may start now: once the cooldown since the last attempt has passed, or at once
   * for a set past its age after a fetch that succeeded (its age already bounds how often that is).
   */
  private mayFetch(now: number, expired: boolean): boolean {
    if (now - this.lastAttemptAt >= this.cooldownMs) return true;
    return expired && this.entry !== undefined && this.lastError === undefined;
  }

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
    this.warnedStale = false;
    this.warnedRefused = false;
    return this.entry;
  }
}

/**
 * A token names a kid the cached set lacks, and the set cannot be fetched again before
 * `retryAfterMs` (the cooldown): transient, like an unavailable set (503 with Retry-After).
 */
export class JwksKeyPendingError extends JwksUnavailableError {
  override name = "JwksKeyPendingError";

  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** Key-selection errors caused by the token rather than the provider. */
export function isTokenKeyError(error: unknown): boolean {
  return (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported
  );
}
