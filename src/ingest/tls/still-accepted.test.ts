/**
 * stillAccepted: whether an open connection's client certificate survives a reload of the trust
 * store or CRL (crlreload: a reload closed every client-certificate connection). Real openssl
 * material: the device PKI's CA and CRL, and a root → intermediate → device chain.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { DetailedPeerCertificate } from "node:tls";
import {
  type CertAuthority,
  EC_KEY,
  issueCert,
  opensslCa,
  selfSignedCert,
} from "../../../test/support/cert-authority.ts";
import { openssl } from "../../../test/support/command.ts";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { peerChain as peer } from "../../../test/support/peer-chain.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { revocationLists } from "./revocation-list.ts";
import { stillAccepted } from "./still-accepted.ts";

let dir: TempDir;
let pki: DevicePki;
const certs: Record<string, DeviceCert> = {};
let validCrl: Buffer;
const read = (path: string) => readFileSync(path, "utf8");

beforeAll(async () => {
  dir = await tempDir("still-accepted-");
  pki = await makeDevicePki(dir.path);
  certs.good = await pki.issue("good", "device-1");
  certs.revoked = await pki.issue("revoked", "device-2");
  certs.other = await pki.issue("other", "device-3", { otherCa: true });
  certs.expired = await pki.issue("expired", "device-4", { startDate: "20200101000000Z", endDate: "20200102000000Z" });
  await pki.revoke(certs.revoked);
  validCrl = readFileSync(pki.crl);
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

describe("stillAccepted", () => {
  const good = () => peer(read(certs.good!.cert), read(pki.caCert));
  const material = (crl: Buffer | undefined, trustStore = [read(pki.caCert)]) => ({
    trustStore,
    crls: crl ? revocationLists(crl) : undefined,
    now: Date.now(),
  });

  test.each([
    ["a certificate of the CA, not revoked", "good", true],
    ["a certificate the CRL revokes", "revoked", false],
    ["a certificate of a CA not in the trust store", "other", false],
    ["a certificate past its validity window", "expired", false],
  ] as const)("%s: %p", (_, name, accepted) => {
    const ca = name === "other" ? pki.otherCaCert : pki.caCert;
    expect(stillAccepted(peer(read(certs[name]!.cert), read(ca)), material(validCrl))).toBe(accepted);
  });

  test("without a CRL, a certificate of a trusted CA is accepted, even one revoked elsewhere", () => {
    expect(stillAccepted(peer(read(certs.revoked!.cert), read(pki.caCert)), material(undefined))).toBe(true);
  });

  test("a CA taken out of the trust store keeps none of its certificates", () => {
    expect(stillAccepted(good(), material(validCrl, [read(pki.otherCaCert)]))).toBe(false);
  });

  test("a CRL past its nextUpdate accepts nothing (OpenSSL: CRL_HAS_EXPIRED)", async () => {
    const expired = readFileSync(await pki.expiredCrl("past"));
    expect(stillAccepted(good(), material(expired))).toBe(false);
  });

  test("no CRL of the certificate's CA in the file accepts nothing (OpenSSL: UNABLE_TO_GET_CRL)", async () => {
    await opensslCa(
      pki.dir,
      { name: "other-ca", cert: "other-ca.pem", key: "other-ca.key" },
      "-gencrl",
      "-out",
      "other.crl",
    );
    const otherCrl = readFileSync(`${pki.dir}/other.crl`);
    expect(stillAccepted(good(), material(otherCrl))).toBe(false);
  });

  // Review of crlreload: the gateway keeps a connection only when it is certain a new handshake accepts it.
  describe("what it cannot tell keeps no connection", () => {
    test("a CRL of the CA's name its key did not sign (OpenSSL: CRL_SIGNATURE_FAILURE)", () => {
      const forged = { ...revocationLists(validCrl)[0]!, signedBy: () => false };
      expect(stillAccepted(good(), { ...material(undefined), crls: [forged] })).toBe(false);
      expect(stillAccepted(good(), { ...material(undefined), crls: [...revocationLists(validCrl), forged] })).toBe(
        false,
      );
    });

    test("a CRL the CA's key signed under another name is no CRL of the CA (OpenSSL finds CRLs by issuer name)", () => {
      const renamed = { ...revocationLists(validCrl)[0]!, issuer: "3000" };
      expect(stillAccepted(good(), { ...material(undefined), crls: [renamed] })).toBe(false);
    });

    test("a CRL of another CA that is not plain (a delta, a partition) in the file", () => {
      const other = { ...revocationLists(validCrl)[0]!, issuer: "3000", signedBy: () => false, plain: false };
      expect(stillAccepted(good(), { ...material(undefined), crls: [...revocationLists(validCrl), other] })).toBe(
        false,
      );
    });

    test("two certificates of the trust store that could each have issued the device's (which one would OpenSSL pick?)", async () => {
      await openssl(
        pki.dir,
        "req",
        "-x509",
        "-key",
        "device-ca.key",
        "-subj",
        "/CN=device CA",
        "-days",
        "1",
        "-out",
        "ca-twin.pem",
      );
      expect(stillAccepted(good(), material(validCrl, [read(pki.caCert), read(`${pki.dir}/ca-twin.pem`)]))).toBe(false);
    });

    test("a trust store CA replaced by another certificate of its name and key (its constraints never checked on this chain)", () => {
      expect(stillAccepted(good(), material(validCrl, [read(`${pki.dir}/ca-twin.pem`)]))).toBe(false);
    });

    test("a chain reported without the trust store CA it was verified with (another of its name and key may have been)", () => {
      expect(stillAccepted(peer(read(certs.good!.cert)), material(validCrl))).toBe(false);
    });
  });

  describe("with an intermediate CA (the trust store holds the root, devices send the intermediate)", () => {
    const root: CertAuthority = { name: "root", cert: "root.pem", key: "root.key" };
    const inter: CertAuthority = { name: "inter", cert: "inter.pem", key: "inter.key" };
    const f = (name: string) => `${dir.path}/${name}`;
    let chain: DetailedPeerCertificate;
    const fleet = (rootCrl: string) =>
      material(Buffer.from(read(f(rootCrl)) + read(f("inter.crl"))), [read(f("root.pem"))]);

    beforeAll(async () => {
      await selfSignedCert(dir.path, "root", "fleet root", { key: EC_KEY, days: 3 });
      const caExt = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"];
      await issueCert(dir.path, root, "inter", "fleet intermediate", { key: EC_KEY, addext: caExt });
      await issueCert(dir.path, inter, "leaf", "device-5", { key: EC_KEY });
      await opensslCa(dir.path, root, "-gencrl", "-out", "root.crl");
      await opensslCa(dir.path, inter, "-gencrl", "-out", "inter.crl");
      await opensslCa(dir.path, root, "-revoke", "inter.pem");
      await opensslCa(dir.path, root, "-gencrl", "-out", "root-revoked-inter.crl");
      chain = peer(read(f("leaf.pem")), read(f("inter.pem")), read(f("root.pem")));
    }, 60_000);

    test("a device of the intermediate is accepted with both CRLs current", () => {
      expect(stillAccepted(chain, fleet("root.crl"))).toBe(true);
    });

    test("once the root revoked the intermediate, its devices are not", () => {
      expect(stillAccepted(chain, fleet("root-revoked-inter.crl"))).toBe(false);
    });

    test("a device that did not send the intermediate is not", () => {
      expect(stillAccepted(peer(read(f("leaf.pem"))), fleet("root.crl"))).toBe(false);
    });
  });
});
