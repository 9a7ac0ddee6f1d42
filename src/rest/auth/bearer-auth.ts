/**
 * Bearer token authentication (RFC 6750) for the REST API: a JWT signed by a key of the
 * identity provider's JWKS, checked with jose's `jwtVerify` for signature, algorithm, issuer,
 * audience and time claims. `auth-config.ts` builds it; `auth-middleware.ts` calls `verify`.
 *
 * Keys come from `util/jwks-cache.ts`, the cache ingest JWT authentication uses too: fetched on
 * first use, kept for the lifetime the JWKS response announces (Cache-Control max-age) but never
 * longer than `jwksCacheMaxAgeMs` (nor, unless that is shorter, less than `jwksCooldownMs`), then
 * fetched again in the background while the keys it has go on verifying (and are kept while that
 * fetch fails); a token naming an unknown `kid` (key rotation) waits for a refetch, at most one per
 * `jwksCooldownMs`, and within the cooldown is answered "unavailable" (503), not judged.
 *
 * Time claims: `exp` and `nbf` as jose checks them, and an `iat` later than now plus the clock
 * tolerance is refused too (a token cannot have been issued in the future; jose checks `iat` only
 * for a maximum token age).
 *
 * Outcomes keep two failures apart: a token that is not valid (the client's fault, 401) and keys
 * that cannot be fetched (the identity provider's, 503). Reasons are jose's messages, which
 * describe the failed check without quoting the token; the token is scrubbed from them anyway.
 */
import { errors, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { messageOf } from "../../errors.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import { isTokenKeyError, JwksCache, JwksKeyPendingError } from "../../util/jwks-cache.ts";
import { futureIssuedAtReason, jwtVerifyEachKey } from "../../util/jws.ts";

export interface BearerAuthenticatorOptions {
  readonly jwksUrl: URL;
  /** The required `iss`; null: not checked. */
  readonly issuer: string | null;
  /** Accepted `aud` values (any one suffices); empty: not checked. */
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  /** Minimum time between JWKS refetches caused by an unknown kid (default 30 s). */
  readonly jwksCooldownMs?: number;
  /** The longest fetched keys are used before a refetch (default 10 min); shorter when the JWKS says so. */
  readonly jwksCacheMaxAgeMs?: number;
  /** Timeout of one JWKS request (default 5 s). */
  readonly jwksTimeoutMs?: number;
  readonly clock?: Clock;
  /** A WARN (once per outage) that keys past their age are used because the JWKS cannot be fetched. */
  readonly warn?: (message: string) => void;
}

export type BearerVerification =
  | { readonly outcome: "authenticated"; readonly subject: string; readonly claims: JWTPayload }
  | { readonly outcome: "rejected"; readonly reason: string }
  | {
      readonly outcome: "unavailable";
      readonly reason: string;
      /** The token's key id is not in the set yet; it is looked for again after this many seconds. */
      readonly keyPendingSeconds?: number;
    };

export interface BearerAuthenticator {
  verify(token: string): Promise<BearerVerification>;
  /** The key set's cache (tests await its background refresh). */
  readonly keys: JwksCache;
}

/** The JWKS could not be fetched or used; wraps jose's or fetch's error as the cause. */
export class KeySetUnavailableError extends Error {
  override name = "KeySetUnavailableError";
}

function scrub(message: string, token: string): string {
  let out = message;
  for (const secret of [token, ...token.split(".")]) {
    if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join("[hidden]");
  }
  return out;
}

export function bearerAuthenticator(options: BearerAuthenticatorOptions): BearerAuthenticator {
  const clock = options.clock ?? systemClock;
  const maxAgeMs = options.jwksCacheMaxAgeMs ?? 600_000;
  const cooldownMs = options.jwksCooldownMs ?? 30_000;
  const keys = new JwksCache({
    url: options.jwksUrl,
    maxAgeMs,
    defaultAgeMs: maxAgeMs,
    minAgeMs: cooldownMs,
    cooldownMs,
    ...(options.jwksTimeoutMs !== undefined ? { timeoutMs: options.jwksTimeoutMs } : {}),
    clock,
    ...(options.warn ? { warn: options.warn } : {}),
  });
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await keys.getKey(header, token);
    } catch (error) {
      if (isTokenKeyError(error)) throw error;
      throw new KeySetUnavailableError(messageOf(error), { cause: error });
    }
  };
  const verifyOptions = {
    algorithms: [...options.algorithms],
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: ["exp", "sub"],
    ...(options.issuer !== null ? { issuer: options.issuer } : {}),
    ...(options.audience.length > 0 ? { audience: [...options.audience] } : {}),
  };

  return {
    keys,
    async verify(token) {
      try {
        const now = clock.now();
        const { payload } = await jwtVerifyEachKey(token, getKey, { ...verifyOptions, currentDate: new Date(now) });
        const future = futureIssuedAtReason(payload, now / 1000, options.clockToleranceSeconds);
        if (future !== null) return { outcome: "rejected", reason: future };
        // Not blank either (review45), as Kafka's ClaimValidationUtils.validateSubject (trims).
        if (typeof payload.sub !== "string" || payload.sub.trim() === "") {
          return { outcome: "rejected", reason: 'Invalid token: "sub" claim must be a non-empty string' };
        }
        return { outcome: "authenticated", subject: payload.sub, claims: payload };
      } catch (error) {
        if (error instanceof KeySetUnavailableError) {
          const pending =
            error.cause instanceof JwksKeyPendingError ? Math.ceil(error.cause.retryAfterMs / 1000) : null;
          const reason = scrub(error.message, token);
          return pending === null
            ? { outcome: "unavailable", reason }
            : { outcome: "unavailable", reason, keyPendingSeconds: pending };
        }
        const reason = error instanceof errors.JOSEError ? error.message : "token verification failed";
        return { outcome: "rejected", reason: `Invalid token: ${scrub(reason, token)}` };
      }
    },
  };
}
