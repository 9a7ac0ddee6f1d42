/**
 * How the HttpIngestSource authentication keys (`ingest.auth.*`, declared in ingest-auth-config.ts)
 * combine: `validateIngestAuth` gives the cross-key problems (jwt without a key source or with two, or without an algorithm,
 * a plain-http JWKS URL off loopback, basic without a credentials file) for PUT …/config/validate
 * and connector start, and `jwtWarnings` what a jwt configuration leaves open (no audience, no
 * issuer, a loopback http JWKS), which `ingestAuthenticatorFrom` logs as WARN at connector start.
 * Pure functions of a parsed config: no I/O.
 */
import { isPlainHttpElsewhere, PLAIN_HTTP_JWKS_REFUSED, plainHttpJwksWarning } from "../../util/plain-http-jwks.ts";
import type { IngestAuthConfig } from "./ingest-auth-config.ts";

/** Cross-key checks for PUT …/config/validate (descriptor `validate`). */
export function validateIngestAuth(config: IngestAuthConfig): { key: string; message: string }[] {
  const methods = new Set(config["ingest.auth.methods"]);
  const out: { key: string; message: string }[] = [];
  const jwks = config["ingest.auth.jwt.jwks.url"];
  const pem = config["ingest.auth.jwt.public.key.location"];
  if (methods.has("jwt") && !jwks && !pem) {
    out.push({
      key: "ingest.auth.jwt.jwks.url",
      message: "jwt needs ingest.auth.jwt.jwks.url or ingest.auth.jwt.public.key.location",
    });
  }
  if (methods.has("jwt") && jwks && pem) {
    out.push({
      key: "ingest.auth.jwt.public.key.location",
      message: "set either a JWKS URL or a public key, not both",
    });
  }
  if (methods.has("jwt") && jwks && isPlainHttpElsewhere(jwks)) {
    out.push({ key: "ingest.auth.jwt.jwks.url", message: PLAIN_HTTP_JWKS_REFUSED });
  }
  // No algorithm accepts no token: every one was 401 "alg not allowed", as if the devices' tokens
  // were bad (the admin API refuses its empty rest.authentication.bearer.algorithms) (ingestjwt hunt).
  if (methods.has("jwt") && config["ingest.auth.jwt.algorithms"].length === 0) {
    out.push({ key: "ingest.auth.jwt.algorithms", message: "jwt needs at least one algorithm" });
  }
  if (methods.has("basic") && !config["ingest.auth.basic.credentials.file"]) {
    out.push({ key: "ingest.auth.basic.credentials.file", message: "basic needs a credentials file" });
  }
  return out;
}

/**
 * What a jwt configuration leaves open, for a WARN at connector start (security review
 * 2026-12-01, P2.9). Not refused: Kafka's OAUTHBEARER validation leaves expected audience and
 * issuer optional too, and a dedicated identity provider needs neither; a shared one does.
 */
export function jwtWarnings(config: IngestAuthConfig): string[] {
  if (!config["ingest.auth.methods"].includes("jwt")) return [];
  const out: string[] = [];
  if (!config["ingest.auth.jwt.audience"]?.length)
    out.push(
      "ingest.auth.jwt.audience is not set: tokens are accepted whatever their aud claim, so with an identity provider shared by other services their tokens are accepted too; set it to this gateway's audience",
    );
  if (!config["ingest.auth.jwt.issuer"])
    out.push(
      "ingest.auth.jwt.issuer is not set: tokens are accepted whatever their iss claim; set it to the identity provider's issuer",
    );
  const jwks = config["ingest.auth.jwt.jwks.url"];
  if (jwks?.startsWith("http:")) out.push(plainHttpJwksWarning("ingest.auth.jwt.jwks.url"));
  return out;
}
