/**
 * JWS/JWT checks shared by REST bearer and ingest JWT authentication. The asymmetric JWS
 * algorithms are the only ones a JWKS or a public key can verify: listing only these keeps
 * `alg: none` and HMAC tokens out (and a public key is never used as an HMAC secret, the HS/RS
 * confusion attack).
 */
import { errors, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify } from "jose";

export const ASYMMETRIC_JWS_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

/**
 * The rejection reason for a token whose `iat` is later than now plus the clock tolerance (a token
 * cannot have been issued in the future), or null. jose checks `iat` only against a maximum token
 * age; Kafka's own OAUTHBEARER validation (OAuthBearerValidationUtils.validateIssuedAt) refuses a
 * future `iat` beyond the allowed clock skew, and so do REST bearer and ingest JWT authentication.
 */
export function futureIssuedAtReason(
  payload: { readonly iat?: unknown },
  nowSeconds: number,
  toleranceSeconds: number,
): string | null {
  if (typeof payload.iat !== "number" || payload.iat <= nowSeconds + toleranceSeconds) return null;
  return 'Invalid token: "iat" claim timestamp check failed (it should be in the past)';
}

/**
 * `jwtVerify`, trying each key when the key set has several for the token (no `kid`, several keys of
 * its algorithm: a provider publishing its next key beside the current one), as jose documents for
 * JWKSMultipleMatchingKeys; ingest JWT authentication refused every such token before (security
 * hunt 2026-12-03). A key whose signature does not check out is passed over; the key that does
 * check it decides.
 */
export async function jwtVerifyEachKey(
  token: string,
  getKey: JWTVerifyGetKey,
  opts: JWTVerifyOptions,
): Promise<{ payload: JWTPayload }> {
  try {
    return await jwtVerify(token, getKey, opts);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return await jwtVerify(token, key, opts);
      } catch (other) {
        if (!(other instanceof errors.JWSSignatureVerificationFailed)) throw other;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}
