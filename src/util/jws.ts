/**
 * The asymmetric JWS algorithms, the only ones a JWKS or a public key can verify: listing only
 * these keeps `alg: none` and HMAC tokens out (and a public key is never used as an HMAC secret,
 * the HS/RS confusion attack). Shared by REST bearer and ingest JWT authentication.
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
