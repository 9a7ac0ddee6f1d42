import { describe, expect, test } from "bun:test";
import { accessFailure, refusalReason, tlsFailure } from "./access-errors.ts";

const ADMIN = "Failed to connect the admin client";

/** A socket error as Bun gives a failed handshake, with its code (and OpenSSL's text for it). */
function socketError(code: string, message = `handshake: ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

// opswalk-b: the stop said "credentials, or certificate" whatever the broker refused; opswalk-c: any other TLS failure
// (a protocol version or cipher the broker does not share, an expired certificate) said "not trusted by the trust store".
describe("refusalReason", () => {
  const UNTRUSTED = "Kafka's certificate is not trusted by the worker's trust store";
  const REFUSED_CERTIFICATE = "Kafka refused the worker's certificate";
  test.each([
    ["SELF_SIGNED_CERT_IN_CHAIN", UNTRUSTED],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", UNTRUSTED],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", UNTRUSTED],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", UNTRUSTED],
    ["CERT_UNTRUSTED", UNTRUSTED],
    ["CERT_SIGNATURE_FAILURE", UNTRUSTED],
    ["CERT_HAS_EXPIRED", "Kafka's certificate has expired or is not yet valid"],
    ["CERT_NOT_YET_VALID", "Kafka's certificate has expired or is not yet valid"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "Kafka's certificate does not name the host the worker connected to"],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", REFUSED_CERTIFICATE],
    ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", REFUSED_CERTIFICATE],
    ["ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED", REFUSED_CERTIFICATE],
    ["ERR_SSL_TLSV1_ALERT_ACCESS_DENIED", REFUSED_CERTIFICATE],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "Kafka did not answer the worker in TLS"],
    [
      "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
      "the TLS handshake with Kafka failed (ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION)",
    ],
    [
      "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
      "the TLS handshake with Kafka failed (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE)",
    ],
    ["CERT_REVOKED", "Kafka's certificate is revoked or its revocation could not be checked (CERT_REVOKED)"],
    ["CRL_HAS_EXPIRED", "Kafka's certificate is revoked or its revocation could not be checked (CRL_HAS_EXPIRED)"],
    ["CERT_CHAIN_TOO_LONG", UNTRUSTED],
    // tlscodes: these were retried forever (no SslAuthenticationException), so no stop at all.
    ["INVALID_CA", "Kafka's certificate chain is invalid (INVALID_CA: an issuer in it is no CA)"],
    [
      "INVALID_PURPOSE",
      "Kafka's certificate chain is invalid (INVALID_PURPOSE: a certificate in it is not for its use (an issuer without basicConstraints CA:TRUE, or a server certificate whose extendedKeyUsage lacks serverAuth))",
    ],
    [
      "PATH_LENGTH_EXCEEDED",
      "Kafka's certificate chain is invalid (PATH_LENGTH_EXCEEDED: it is longer than a CA's pathlen allows)",
    ],
    [
      "KEYUSAGE_NO_CERTSIGN",
      "Kafka's certificate chain is invalid (KEYUSAGE_NO_CERTSIGN: an issuer's keyUsage lacks keyCertSign)",
    ],
    ["ERROR_IN_CERT_NOT_AFTER_FIELD", "Kafka's certificate chain is invalid (ERROR_IN_CERT_NOT_AFTER_FIELD)"],
    ["UNSPECIFIED", "Kafka's certificate chain is invalid (UNSPECIFIED)"],
  ])("a TLS handshake failed with %s: %s", (code, reason) => {
    expect(refusalReason(tlsFailure(ADMIN, socketError(code)))).toBe(reason);
  });

  // tlscodes-b: node:tls says UNSPECIFIED for a name constraint violated or an unhandled critical extension; the stop
  // named no rule. OpenSSL's fixed text is taken (from the socket's error, or kafkajs' `Connection error: <text>`),
  // anything else in its place is not.
  test.each([
    ["permitted subtree violation", "UNSPECIFIED: permitted subtree violation"],
    ["Connection error: unhandled critical extension", "UNSPECIFIED: unhandled critical extension"],
    ["Connection error: CN=broker.internal", "UNSPECIFIED"],
  ])("UNSPECIFIED with the message %p: the text beside the code", (message, named) => {
    const refusal = tlsFailure(ADMIN, new Error("network error", { cause: socketError("UNSPECIFIED", message) }));
    expect(refusalReason(refusal)).toBe(`Kafka's certificate chain is invalid (${named})`);
  });

  test("the refusal is read off the adapter's classification, also as the cause of a wrapper", () => {
    const refusal = tlsFailure(ADMIN, socketError("CERT_HAS_EXPIRED"));
    expect(refusalReason(new Error("wrapper", { cause: refusal }))).toBe(
      "Kafka's certificate has expired or is not yet valid",
    );
  });

  test.each(["SASL_AUTHENTICATION_FAILED", "UNSUPPORTED_SASL_MECHANISM", "ILLEGAL_SASL_STATE"])(
    "the broker answered %s: the worker's credentials",
    (kafkaError) => {
      expect(refusalReason(accessFailure(ADMIN, kafkaError, "Authentication failed", new Error("library error")))).toBe(
        "Kafka refused the worker's credentials",
      );
    },
  );

  test.each(["CLUSTER_AUTHORIZATION_FAILED", "TOPIC_AUTHORIZATION_FAILED", "GROUP_AUTHORIZATION_FAILED"])(
    "the broker answered %s: the worker's access, named",
    (kafkaError) => {
      expect(refusalReason(accessFailure(ADMIN, kafkaError, "Not authorized", new Error("library error")))).toBe(
        `Kafka denied the worker access (${kafkaError})`,
      );
    },
  );
});

// tlscodes: a certificate-verification failure is Java's SslAuthenticationException (fatal); a failure of the
// verifier itself (OUT_OF_MEM) or of the connection is no TLS refusal, so the adapters retry it.
describe("tlsFailure", () => {
  // node:tls gives the verifier's own failures (BoringSSL's INVALID_CALL, STORE_LOOKUP) only as UNSPECIFIED with
  // OpenSSL's text: fatal, as a failure of Java's certificate verifier is.
  test.each(["invalid certificate verification context", "issuer certificate lookup error"])(
    "UNSPECIFIED (%s) is an SslAuthenticationException naming the text",
    (text) => {
      const refusal = tlsFailure(ADMIN, socketError("UNSPECIFIED", text));
      expect([refusal?.javaClass, refusal?.tlsCode, refusal?.tlsText, refusalReason(refusal)]).toEqual([
        "org.apache.kafka.common.errors.SslAuthenticationException",
        "UNSPECIFIED",
        text,
        `Kafka's certificate chain is invalid (UNSPECIFIED: ${text})`,
      ]);
    },
  );

  test.each(["INVALID_CA", "INVALID_PURPOSE", "PATH_LENGTH_EXCEEDED", "CRL_SIGNATURE_FAILURE", "UNSPECIFIED"])(
    "%s, also inside a library's error, is an SslAuthenticationException",
    (code) => {
      const wrapped = Object.assign(new Error("connection failed"), { errors: [socketError(code)] });
      const refusal = tlsFailure(ADMIN, new Error("network error", { cause: wrapped }));
      expect([refusal?.javaClass, refusal?.tlsCode, refusal?.message]).toEqual([
        "org.apache.kafka.common.errors.SslAuthenticationException",
        code,
        `${ADMIN}: SSL handshake failed (${code}: handshake: ${code})`,
      ]);
    },
  );

  test.each(["OUT_OF_MEM", "ECONNRESET", "ECONNREFUSED"])("%s is no TLS refusal", (code) => {
    expect(tlsFailure(ADMIN, socketError(code))).toBeUndefined();
  });
});
