import { describe, expect, test } from "bun:test";
import { accessFailure, refusalReason, tlsFailure } from "./access-errors.ts";

const ADMIN = "Failed to connect the admin client";

/** A socket error as Bun gives a failed handshake, with its code. */
function socketError(code: string): Error {
  return Object.assign(new Error(`handshake: ${code}`), { code });
}

// opswalk-b: the stop said "credentials, or certificate" whatever the broker refused.
describe("refusalReason", () => {
  test.each([
    ["SELF_SIGNED_CERT_IN_CHAIN", "Kafka's certificate is not trusted by the worker's trust store"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "Kafka's certificate is not trusted by the worker's trust store"],
    ["CERT_HAS_EXPIRED", "Kafka's certificate is not trusted by the worker's trust store"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "Kafka's certificate does not name the host the worker connected to"],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "Kafka refused the worker's certificate"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "Kafka did not answer the worker in TLS"],
  ])("a TLS handshake failed with %s: %s", (code, reason) => {
    expect(refusalReason(tlsFailure(ADMIN, socketError(code)))).toBe(reason);
  });

  test.each(["SASL_AUTHENTICATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED"])(
    "the broker answered %s: the worker's credentials",
    (kafkaError) => {
      expect(refusalReason(accessFailure(ADMIN, kafkaError, "Authentication failed", new Error("library error")))).toBe(
        "Kafka refused the worker's credentials",
      );
    },
  );
});
