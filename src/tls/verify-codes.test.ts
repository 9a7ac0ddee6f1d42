import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  BROKEN_CHAINS,
  clientVerdict,
  type InvalidChains,
  makeInvalidChains,
  serveChain,
} from "../../test/support/invalid-chains.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { brokenRule, isVerifyFailure, verifierText, verifyFailureOf } from "./verify-codes.ts";

describe("the codes Bun reports for a server chain that does not verify", () => {
  let dir: TempDir;
  let pki: InvalidChains;
  beforeAll(async () => {
    dir = await tempDir("verify-codes-");
    pki = await makeInvalidChains(dir.path);
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  test("a valid chain verifies (the broken ones below fail for their one reason)", async () => {
    await using server = await serveChain(pki.chains.valid);
    expect(await clientVerdict(server.port, pki.root)).toEqual({ code: "OK", message: "" });
  });

  // The list in verify-codes.ts's header: what a node:tls client (the Kafka clients') says of each, and
  // OpenSSL's fixed text it gives (the rule node:tls's UNSPECIFIED does not name).
  const EXPECTED: Record<(typeof BROKEN_CHAINS)[number], [string, string, string]> = {
    "issuer-not-ca": ["INVALID_PURPOSE", "invalid-chain", "unsupported certificate purpose"],
    "issuer-without-basic-constraints": ["INVALID_PURPOSE", "invalid-chain", "unsupported certificate purpose"],
    "path-length-exceeded": ["PATH_LENGTH_EXCEEDED", "invalid-chain", "path length constraint exceeded"],
    "client-auth-only": ["INVALID_PURPOSE", "invalid-chain", "unsupported certificate purpose"],
    "tampered-signature": ["CERT_SIGNATURE_FAILURE", "untrusted", "certificate signature failure"],
    "not-yet-valid": ["CERT_NOT_YET_VALID", "out-of-date", "certificate is not yet valid"],
    expired: ["CERT_HAS_EXPIRED", "out-of-date", "certificate has expired"],
    "name-constraints-violated": ["UNSPECIFIED", "invalid-chain", "permitted subtree violation"],
    "unhandled-critical-extension": ["UNSPECIFIED", "invalid-chain", "unhandled critical extension"],
  };
  test.each(BROKEN_CHAINS)("%s", async (chain) => {
    await using server = await serveChain(pki.chains[chain]);
    const { code, message } = await clientVerdict(server.port, pki.root);
    expect([code, verifyFailureOf(code), verifierText(message)]).toEqual(EXPECTED[chain]);
  });
});

describe("verifyFailureOf", () => {
  test.each([
    ["INVALID_CA", "invalid-chain"],
    ["INVALID_PURPOSE", "invalid-chain"],
    ["PATH_LENGTH_EXCEEDED", "invalid-chain"],
    ["KEYUSAGE_NO_CERTSIGN", "invalid-chain"],
    ["ERROR_IN_CERT_NOT_BEFORE_FIELD", "invalid-chain"],
    ["ERROR_IN_CERT_NOT_AFTER_FIELD", "invalid-chain"],
    ["PERMITTED_VIOLATION", "invalid-chain"],
    ["UNSPECIFIED", "invalid-chain"],
    ["CERT_CHAIN_TOO_LONG", "untrusted"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "untrusted"],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "untrusted"],
    ["CERT_REVOKED", "revocation"],
    ["CRL_HAS_EXPIRED", "revocation"],
    ["CRL_NOT_YET_VALID", "revocation"],
    ["CRL_SIGNATURE_FAILURE", "revocation"],
    ["ERROR_IN_CRL_LAST_UPDATE_FIELD", "revocation"],
    ["ERROR_IN_CRL_NEXT_UPDATE_FIELD", "revocation"],
    ["UNABLE_TO_GET_CRL", "revocation"],
    ["CERT_HAS_EXPIRED", "out-of-date"],
    ["HOSTNAME_MISMATCH", "wrong-host"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "wrong-host"],
  ])("%s: %s", (code, group) => {
    expect(verifyFailureOf(code)).toBe(group as ReturnType<typeof verifyFailureOf>);
  });

  // INVALID_CALL, STORE_LOOKUP: fetch's names for failures of the verifier (node:tls says UNSPECIFIED, fatal).
  test.each(["OUT_OF_MEM", "INVALID_CALL", "STORE_LOOKUP", "ECONNRESET", "ERR_SSL_WRONG_VERSION_NUMBER", ""])(
    "%s is no certificate verification failure",
    (code) => {
      expect([isVerifyFailure(code), verifyFailureOf(code)]).toEqual([false, undefined]);
    },
  );
});

describe("brokenRule", () => {
  test("names the rule for a code it knows, and the code alone for another", () => {
    expect([brokenRule("PATH_LENGTH_EXCEEDED"), brokenRule("SUBTREE_MINMAX")]).toEqual([
      "PATH_LENGTH_EXCEEDED: it is longer than a CA's pathlen allows",
      "SUBTREE_MINMAX",
    ]);
  });

  // tlscodes-b: node:tls's UNSPECIFIED (a name constraint violated) named no rule.
  test("takes the verifier's text for a code without a rule of its own, never over a rule", () => {
    expect([
      brokenRule("UNSPECIFIED", "permitted subtree violation"),
      brokenRule("PATH_LENGTH_EXCEEDED", "path length constraint exceeded"),
    ]).toEqual([
      "UNSPECIFIED: permitted subtree violation",
      "PATH_LENGTH_EXCEEDED: it is longer than a CA's pathlen allows",
    ]);
  });
});

describe("verifierText", () => {
  test.each([
    ["permitted subtree violation", "permitted subtree violation"],
    ["Connection error: unhandled critical extension", "unhandled critical extension"],
    ["format error in certificate's notBefore field", "format error in certificate's notBefore field"],
    ["Connection error: CN=broker.internal", undefined],
    [
      "Hostname/IP does not match certificate's altnames: Host: kafka.example. is not in the cert's altnames",
      undefined,
    ],
    [`Connection error: ${"x ".repeat(50)}x`, undefined],
    ["Connection error: broker-1", undefined],
    ["handshake: UNSPECIFIED", undefined],
    ["", undefined],
  ])("%p: %p", (message, text) => {
    expect(verifierText(message)).toBe(text as string | undefined);
  });
});
