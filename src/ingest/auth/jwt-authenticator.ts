/**
 * Bearer JWT verification for device ingest: the signature against the provider's JWKS
 * (`util/jwks-cache.ts`: HTTP cache headers, one refresh on an unknown kid, rate-limited) or one static
 * public key; `iss`, `aud`, `exp` (required) and `nbf` with a small clock skew, and an `iat` later
 * than now plus that skew refused (util/jws.ts); the identity from a configurable claim (`sub` by
 * default), which must be a non-empty string.
 *
 * Algorithm safety: only asymmetric algorithms can be configured (a JWKS or a public key has no
 * shared secret), so `alg: none` and HS256 tokens fail jose's algorithm allow-list before any key
 * is looked at, and a public key is never used as an HMAC secret (the HS/RS confusion attack).
 *
 * Outcomes keep the client's fault (invalid token: 401) apart from the provider's (keys cannot be
 * fetched, or the token's key cannot be imported: 503). Reasons are jose's messages and never quote the token. Claims become identity
 * attributes `claim.<name>` (strings, numbers, booleans; arrays joined with ",", and each of their values
 * in `multiValued`, which ACL conditions test one by one) for ACL rules.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { errors, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { messageOf } from "../../errors.ts";
import { isTokenKeyError, type JwksCache, JwksKeyPendingError } from "../../util/jwks-cache.ts";
import { JwksUnavailableError } from "../../util/jwks-fetch.ts";
import { ASYMMETRIC_JWS_ALGORITHMS, futureIssuedAtReason, jwtVerifyEachKey } from "../../util/jws.ts";
import type { IngestIdentity } from "../request-context.ts";

export interface JwtAuthenticatorOptions {
  /** Exactly one of `jwks` and `publicKey`. */
  readonly jwks?: JwksCache;
  /** A PEM public key (SPKI) or certificate. */
  readonly publicKey?: string;
  readonly issuer: string | null;
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockSkewSeconds: number;
  readonly identityClaim: string;
  /** Current time for exp, nbf and iat, seconds (tests drive it). */
  readonly nowSeconds?: () => number;
}

export type JwtVerification =
  | { readonly outcome: "authenticated"; readonly identity: IngestIdentity }
  | { readonly outcome: "rejected"; readonly reason: string }
  | {
      readonly outcome: "unavailable";
      readonly reason: string;
      /** Set when the token's key id is not in the set yet and is looked for again after this long. */
      readonly keyPendingSeconds?: number;
    };

export interface JwtAuthenticator {
  verify(token: string): Promise<JwtVerification>;
}

/** Claims as attributes; an array claim of two or more values keeps each one for ACL conditions. */
function claimAttributes(payload: JWTPayload): Pick<IngestIdentity, "attributes" | "multiValued"> {
  const attributes: Record<string, string> = {};
  const multiValued: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      attributes[`claim.${name}`] = String(value);
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number")) {
      attributes[`claim.${name}`] = value.join(",");
      if (value.length > 1) multiValued[`claim.${name}`] = value.map(String);
    }
  }
  return Object.keys(multiValued).length > 0 ? { attributes, multiValued } : { attributes };
}

export function staticKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.type !== "public") throw new Error("not a public key");
  return key;
}

export function jwtAuthenticator(options: JwtAuthenticatorOptions): JwtAuthenticator {
  const bad = options.algorithms.filter((a) => !(ASYMMETRIC_JWS_ALGORITHMS as readonly string[]).includes(a));
  if (bad.length > 0) throw new Error(`not asymmetric JWS algorithms: ${bad.join(", ")}`);
  if ((options.jwks === undefined) === (options.publicKey === undefined)) {
    throw new Error("exactly one of a JWKS and a public key is needed");
  }
  const publicKey = options.publicKey === undefined ? undefined : staticKey(options.publicKey);
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (publicKey) return publicKey;
    try {
      return await options.jwks!.getKey(header, token);
    } catch (error) {
      if (error instanceof JwksUnavailableError || isTokenKeyError(error)) throw error;
      // The provider's key for the token cannot be used (key data WebCrypto refuses, a private
      // key): its fault, as for the admin API (bearer-auth.ts), not the token's; it answered 401
      // "token verification failed", logged at DEBUG only (ingestjwt hunt).
      throw new JwksUnavailableError(`a key of the JWKS cannot be used: ${messageOf(error)}`);
    }
  };
  const verifyOptions = {
    algorithms: [...options.algorithms],
    clockTolerance: options.clockSkewSeconds,
    requiredClaims: ["exp", ...(options.identityClaim === "sub" ? ["sub"] : [])],
    ...(options.issuer !== null ? { issuer: options.issuer } : {}),
    ...(options.audience.length > 0 ? { audience: [...options.audience] } : {}),
  };

  return {
    async verify(token) {
      try {
        const nowSeconds = options.nowSeconds ? options.nowSeconds() : Date.now() / 1000;
        const opts = { ...verifyOptions, currentDate: new Date(nowSeconds * 1000) };
        const { payload } = await jwtVerifyEachKey(token, getKey, opts);
        const future = futureIssuedAtReason(payload, nowSeconds, options.clockSkewSeconds);
        if (future !== null) return { outcome: "rejected", reason: future };
        const principal = payload[options.identityClaim];
        // A string, as the admin API's `sub`, RFC 7519's StringOrURI and Kafka's OAUTHBEARER validation
        // (jose4j's getStringClaimValue) require: a numeric one was accepted here only (ingestp3).
        // Not blank either (review45: spaces only were accepted), as Kafka's ClaimValidationUtils (trims).
        if (typeof principal !== "string" || principal.trim() === "") {
          return {
            outcome: "rejected",
            reason: `Invalid token: the "${options.identityClaim}" claim must be a non-empty string`,
          };
        }
        return {
          outcome: "authenticated",
          identity: { principal, source: "jwt", ...claimAttributes(payload) },
        };
      } catch (error) {
        if (error instanceof JwksKeyPendingError)
          return {
            outcome: "unavailable",
            reason: error.message,
            keyPendingSeconds: Math.ceil(error.retryAfterMs / 1000),
          };
        if (error instanceof JwksUnavailableError) return { outcome: "unavailable", reason: error.message };
        const reason = error instanceof errors.JOSEError ? error.message : "token verification failed";
        return { outcome: "rejected", reason: `Invalid token: ${reason}` };
      }
    },
  };
}
