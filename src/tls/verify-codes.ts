/**
 * The codes Bun gives a TLS client's error when the peer's certificate did not verify, sorted into
 * what an operator has to fix. Retrying cannot cure any of them: the same chain fails again.
 * Callers: the Kafka adapters' refusal classification (`kafka/access-errors.ts`: Java's
 * SslAuthenticationException, fatal) and the outbound HTTP client (`http/http-errors.ts`,
 * `http/tls-verification-failure.ts`: Java's SSLHandshakeException, which Connect's HTTP plugins
 * retry as the IOException it is; only its name and wording come from here).
 *
 * The codes are BoringSSL's `X509_V_ERR_*` names without the prefix. Bun 1.4.5 (BoringSSL), checked
 * with openssl-made chains against a node:tls server (verify-codes.test.ts keeps that check):
 * - an issuer with basicConstraints CA:FALSE, without basicConstraints, or a v1 certificate:
 *   INVALID_PURPOSE (BoringSSL checks the CA purpose before the CA flag; OpenSSL says INVALID_CA);
 * - a CA with pathlen:0 that issued an intermediate: PATH_LENGTH_EXCEEDED;
 * - a server certificate with extendedKeyUsage=clientAuth only: INVALID_PURPOSE;
 * - a tampered signature: CERT_SIGNATURE_FAILURE;
 * - not yet valid / expired: CERT_NOT_YET_VALID / CERT_HAS_EXPIRED;
 * - an issuer whose keyUsage lacks keyCertSign: UNABLE_TO_VERIFY_LEAF_SIGNATURE (it is not taken as
 *   the issuer at all);
 * - a name constraint violated, an unhandled critical extension: node:tls (the Kafka clients) says
 *   UNSPECIFIED, its catch-all for the codes outside Node's list, with OpenSSL's fixed text as the
 *   message ("permitted subtree violation", "unhandled critical extension": verifierText); fetch says
 *   PERMITTED_VIOLATION, UNHANDLED_CRITICAL_EXTENSION.
 * OUT_OF_MEM is a failure of the verifier, not of the certificate: not listed, so it stays
 * retriable. The verifier's other failures, INVALID_CALL and STORE_LOOKUP, are outside Node's list:
 * node:tls says UNSPECIFIED for them too ("invalid certificate verification context", "issuer
 * certificate lookup error"), so for the Kafka clients they are fatal, as every failure of Java's
 * verifier is (a CertificateException). Not listed: fetch's HTTP client retries them as any TLS failure.
 */

/** What is wrong with a certificate that did not verify, as the operator has to fix it. */
export type VerifyFailure =
  /** No trusted certificate authority vouches for the chain (or a signature in it does not verify). */
  | "untrusted"
  /** Outside its validity period. */
  | "out-of-date"
  /** The certificate does not name the host (or address) connected to. */
  | "wrong-host"
  /** Revoked, or its revocation could not be checked (a CRL missing, expired, or not verifying). */
  | "revocation"
  /** A chain the trust store may reach but that breaks X.509's rules: an issuer that is no CA, a path too long, a wrong purpose. */
  | "invalid-chain";

const GROUPS: Readonly<Record<VerifyFailure, readonly string[]>> = {
  untrusted: [
    "UNABLE_TO_GET_ISSUER_CERT",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "CERT_UNTRUSTED",
    "CERT_REJECTED",
    "CERT_SIGNATURE_FAILURE",
    "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
    "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
    "CERT_CHAIN_TOO_LONG",
    "SUBJECT_ISSUER_MISMATCH",
    "AKID_SKID_MISMATCH",
    "AKID_ISSUER_SERIAL_MISMATCH",
  ],
  "out-of-date": ["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"],
  "wrong-host": ["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH", "IP_ADDRESS_MISMATCH", "EMAIL_MISMATCH"],
  revocation: [
    "CERT_REVOKED",
    "UNABLE_TO_GET_CRL",
    "UNABLE_TO_GET_CRL_ISSUER",
    "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
    "CRL_SIGNATURE_FAILURE",
    "CRL_NOT_YET_VALID",
    "CRL_HAS_EXPIRED",
    "ERROR_IN_CRL_LAST_UPDATE_FIELD",
    "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
    "KEYUSAGE_NO_CRL_SIGN",
    "UNHANDLED_CRITICAL_CRL_EXTENSION",
    "DIFFERENT_CRL_SCOPE",
    "CRL_PATH_VALIDATION_ERROR",
  ],
  "invalid-chain": [
    "INVALID_CA",
    "INVALID_NON_CA",
    "PATH_LENGTH_EXCEEDED",
    "PROXY_PATH_LENGTH_EXCEEDED",
    "PROXY_CERTIFICATES_NOT_ALLOWED",
    "INVALID_PURPOSE",
    "KEYUSAGE_NO_CERTSIGN",
    "KEYUSAGE_NO_DIGITAL_SIGNATURE",
    "ERROR_IN_CERT_NOT_BEFORE_FIELD",
    "ERROR_IN_CERT_NOT_AFTER_FIELD",
    "UNHANDLED_CRITICAL_EXTENSION",
    "INVALID_EXTENSION",
    "INVALID_POLICY_EXTENSION",
    "NO_EXPLICIT_POLICY",
    "UNSUPPORTED_EXTENSION_FEATURE",
    "UNNESTED_RESOURCE",
    "PERMITTED_VIOLATION",
    "EXCLUDED_VIOLATION",
    "SUBTREE_MINMAX",
    "UNSUPPORTED_CONSTRAINT_TYPE",
    "UNSUPPORTED_CONSTRAINT_SYNTAX",
    "UNSUPPORTED_NAME_SYNTAX",
    "NAME_CONSTRAINTS_WITHOUT_SANS",
    "APPLICATION_VERIFICATION",
    // node:tls's name for every code outside Node's list (a name constraint violated, an unhandled critical extension).
    "UNSPECIFIED",
  ],
};

const GROUP_OF: ReadonlyMap<string, VerifyFailure> = new Map(
  (Object.entries(GROUPS) as [VerifyFailure, readonly string[]][]).flatMap(([group, codes]) =>
    codes.map((code) => [code, group] as const),
  ),
);

/** What is wrong with the peer's certificate when `code` is a verification failure, else undefined. */
export function verifyFailureOf(code: string): VerifyFailure | undefined {
  return GROUP_OF.get(code);
}

/** True when `code` says the peer's certificate did not verify. */
export function isVerifyFailure(code: string): boolean {
  return GROUP_OF.has(code);
}

/** The rule of X.509 the chain broke, for the codes of an invalid chain Bun can give (else undefined). */
const BROKEN_RULE: Readonly<Record<string, string>> = {
  INVALID_CA: "an issuer in it is no CA",
  INVALID_NON_CA: "an issuer in it is no CA",
  INVALID_PURPOSE:
    "a certificate in it is not for its use (an issuer without basicConstraints CA:TRUE, or a server certificate whose extendedKeyUsage lacks serverAuth)",
  PATH_LENGTH_EXCEEDED: "it is longer than a CA's pathlen allows",
  KEYUSAGE_NO_CERTSIGN: "an issuer's keyUsage lacks keyCertSign",
  PERMITTED_VIOLATION: "a name in it is outside a CA's name constraints",
  EXCLUDED_VIOLATION: "a name in it is excluded by a CA's name constraints",
  UNHANDLED_CRITICAL_EXTENSION: "a certificate in it has a critical extension the client does not know",
};

/**
 * Why an invalid chain (`code`) is invalid, in words (no certificate contents); for a code without a
 * rule of its own (node:tls's UNSPECIFIED) the verifier's `text` (verifierText), else the code alone.
 */
export function brokenRule(code: string, text?: string): string {
  const rule = BROKEN_RULE[code] ?? text;
  return rule === undefined ? code : `${code}: ${rule}`;
}

/**
 * OpenSSL's fixed reason for a verification failure (X509_verify_cert_error_string: "permitted subtree
 * violation"), read off the message of the error that carries the code: its last `: ` part (kafkajs
 * words it `Connection error: <reason>`). Those reasons never hold certificate contents; a part that
 * is not such a phrase (two words or more, at most 100 characters: no `=`, `/`, `.` or `:`, not a
 * lone name or code) is not taken.
 */
export function verifierText(message: string): string | undefined {
  const text = message.slice(message.lastIndexOf(": ") + 1).trim();
  return text.length <= 100 && /^[A-Za-z][A-Za-z0-9',-]*( [A-Za-z0-9',-]+)+$/.test(text) ? text : undefined;
}
