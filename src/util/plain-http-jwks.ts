/**
 * The one rule for a JSON Web Key Set fetched over plain http, for the admin API's
 * `rest.authentication.bearer.jwks.url` (rest/auth/auth-config.ts) and an ingest connector's
 * `ingest.auth.jwt.jwks.url` (ingest/auth/ingest-auth-checks.ts): whoever can alter the response
 * can replace the keys and sign any token, so `http://` is refused unless the host is this host's
 * loopback (a key set served beside the gateway), which is accepted with a WARN.
 */
import { isLoopbackHost } from "../listener.ts";

/** Why an `http://` JWKS URL off loopback is refused (the key's error message). */
export const PLAIN_HTTP_JWKS_REFUSED =
  "a plain http:// JWKS URL lets anyone on the network path replace the keys and forge tokens; use https:// (http is accepted only for a loopback address)";

/** The key docs' words on it: `(https; plain http only to a loopback address, …)`. */
export const JWKS_URL_SCHEMES_DOC =
  "https; plain http only to a loopback address, with a warning, since whoever can alter the response can forge tokens";

/** An http: URL whose host is not a loopback address (security review 2026-12-01, P3.19; explore4 J2). */
export function isPlainHttpElsewhere(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname);
}

/** The start-time WARN for an accepted (loopback) http JWKS URL under `key`. */
export function plainHttpJwksWarning(key: string): string {
  return `${key} is plain http (loopback only): use https unless the key set is served on this host`;
}
