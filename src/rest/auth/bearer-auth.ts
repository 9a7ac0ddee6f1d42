/**
 * Bearer token authentication (RFC 6750) for the REST API: a JWT signed by a key of the
 * identity provider's JWKS, checked with jose's `jwtVerify` for signature, algorithm, issuer,
 * audience and time claims. `auth-config.ts` builds it; `auth-middleware.ts` calls `verify`.
 *
 * Keys come from `jwks-cache.ts`: fetched on first use, kept for the lifetime the JWKS response
 * announces (Cache-Control max-age) but never longer than `jwksCacheMaxAgeMs`, and refetched
 * early when a token names an unknown `kid` (key rotation). Fetches, failed ones too, are at
 * least `jwksCooldownMs` apart (a set announced no-cache is kept that long), so that neither
 * tokens with made-up kids nor a provider that is down or says no-cache flood the provider; only a
 * set that reached `jwksCacheMaxAgeMs` is fetched again within it.
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
import { futureIssuedAtReason, jwtVerifyEachKey } from "../../util/jws.ts";
import { jwksKeySource } from "./jwks-cache.ts";

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
}

export type BearerVerification =
  | { readonly outcome: "authenticated"; readonly subject: string; readonly claims: JWTPayload }
  | { readonly outcome: "rejected"; readonly reason: string }
  | { readonly outcome: "unavailable"; readonly reason: string };

export interface BearerAuthenticator {
  verify(token: string): Promise<BearerVerification>;
}

/** The JWKS could not be fetched or used; wraps jose's or fetch's error as the cause. */
export class KeySetUnavailableError extends Error {
  override name = "KeySetUnavailableError";
}

/** Errors of key selection that the token causes; every other key-set failure is the provider's. */
function isTokenKeyError(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported
  );
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
  const jwks = jwksKeySource({
    url: options.jwksUrl,
    maxAgeMs: options.jwksCacheMaxAgeMs ?? 600_000,
    cooldownMs: options.jwksCooldownMs ?? 30_000,
    ...(options.jwksTimeoutMs !== undefined ? { timeoutMs: options.jwksTimeoutMs } : {}),
    clock,
  });
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await jwks(header, token);
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
    async verify(token) {
      try {
        const now = clock.now();
        const { payload } = await jwtVerifyEachKey(token, getKey, { ...verifyOptions, currentDate: new Date(now) });
        const future = futureIssuedAtReason(payload, now / 1000, options.clockToleranceSeconds);
        if (future !== null) return { outcome: "rejected", reason: future };
        if (typeof payload.sub !== "string" || payload.sub === "") {
          return { outcome: "rejected", reason: 'Invalid token: "sub" claim must be a non-empty string' };
        }
        return { outcome: "authenticated", subject: payload.sub, claims: payload };
      } catch (error) {
        if (error instanceof KeySetUnavailableError) {
          return { outcome: "unavailable", reason: scrub(error.message, token) };
        }
        const reason = error instanceof errors.JOSEError ? error.message : "token verification failed";
        return { outcome: "rejected", reason: `Invalid token: ${scrub(reason, token)}` };
      }
    },
  };
}
