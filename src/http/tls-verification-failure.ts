/**
 * Why an HTTP request's server certificate failed verification, in words naming the server (its
 * host and port, never the URL's path, query or user info), from the code Bun's fetch gives the
 * failure: Bun words a certificate for another host only as `ERR_TLS_CERT_ALTNAME_INVALID fetching
 * "<url>"`, and OpenSSL's texts for the others name no server. HttpClient calls it for every
 * request of both HTTP connectors (their retry WARNs, traces and `SSLHandshakeException` causes).
 * Which codes are verification failures, and of what kind: tls/verify-codes.ts.
 */
import { brokenRule, verifyFailureOf } from "../tls/verify-codes.ts";

/** OpenSSL's codes of a chain no trusted certificate authority vouches for. */
const UNTRUSTED_ISSUER = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
]);

/**
 * The failure of a TLS handshake with `url`'s server whose certificate did not verify (`code`:
 * the runtime error's), or undefined for a code that is no verification failure, or an unknown one.
 */
export function tlsVerificationFailure(code: string, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // Not a URL: fetch would not have got as far as TLS.
  }
  const server = parsed.host;
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (verifyFailureOf(code) === "wrong-host")
    return `the certificate of ${server} is not for ${hostname} (hostname verification)`;
  if (code === "CERT_HAS_EXPIRED") return `the certificate of ${server} has expired`;
  if (code === "CERT_NOT_YET_VALID") return `the certificate of ${server} is not valid yet`;
  if (code === "DEPTH_ZERO_SELF_SIGNED_CERT") return `the certificate of ${server} is self-signed and not trusted`;
  if (code === "SELF_SIGNED_CERT_IN_CHAIN")
    return `the certificate chain of ${server} ends in a self-signed certificate that is not trusted`;
  if (UNTRUSTED_ISSUER.has(code))
    return `the certificate of ${server} is not signed by a trusted certificate authority`;
  switch (verifyFailureOf(code)) {
    case "untrusted":
      return `the certificate of ${server} is not trusted (${code})`;
    case "revocation":
      return `the certificate of ${server} is revoked or its revocation could not be checked (${code})`;
    case "invalid-chain":
      return `the certificate chain of ${server} is invalid (${brokenRule(code)})`;
    default:
      return undefined; // the "out-of-date" codes are both worded above
  }
}
