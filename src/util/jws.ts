/**
 * JWS/JWT checks shared by REST bearer and ingest JWT authentication. The asymmetric JWS
 * algorithms are the only ones a JWKS or a public key can verify: listing only these keeps
 * `alg: none` and HMAC tokens out (and a public key is never used as an HMAC secret, the HS/RS
 * confusion attack).
 */
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
