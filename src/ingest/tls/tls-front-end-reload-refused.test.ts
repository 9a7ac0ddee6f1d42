/**
 * Which open connections a reload of the CRL or trust store closes, against the real TLS front end
 * (review of crlreload, P1-1 to P3-1): a device's kept-alive connection made under the old material
 * stays open only when a new handshake of the same chain is accepted; every device the new material
 * refuses (BoringSSL's `CERT_REVOKED`, `UNABLE_TO_GET_CRL`, ...) loses it, as before crlreload when
 * every client-certificate connection was closed (scenarios: tls-front-end-reload-support.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync } from "node:fs";
import {
  type CertAuthority,
  EC_KEY,
  issueCert,
  opensslCa,
  selfSignedCert,
} from "../../../test/support/cert-authority.ts";
import { openssl } from "../../../test/support/command.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { closed, kept, reloadScenarios, stamp } from "./tls-front-end-reload-support.ts";

let dir: TempDir;
const { read, gencrl, scenario } = reloadScenarios(() => dir);
const root: CertAuthority = { name: "root", cert: "root.pem", key: "root.key" };
const inter: CertAuthority = { name: "inter", cert: "inter.pem", key: "inter.key" };
const ca: CertAuthority = { name: "ca", cert: "ca.pem", key: "ca.key" };
const caExt = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"];

/** Adds the CRL extension section `name` to the CA `ca`'s openssl configuration. */
const crlExtensions = (name: string, ...lines: string[]) =>
  appendFileSync(dir.file("ca.cnf"), `\n[${name}]\n${lines.join("\n")}\n`);

beforeAll(async () => {
  dir = await tempDir("tls-reload-refused-");
  await selfSignedCert(dir.path, "ca", "device CA", { key: EC_KEY, days: 3 });
  await selfSignedCert(dir.path, "root", "fleet root", { key: EC_KEY, days: 3 });
  await issueCert(dir.path, root, "server", "gateway", {
    key: EC_KEY,
    addext: ["subjectAltName=DNS:localhost,IP:127.0.0.1"],
  });
  await Bun.write(dir.file("server-store.pem"), read("server.key") + read("server.pem"));
  for (const device of ["d1", "d2", "d3", "d4"]) await issueCert(dir.path, ca, device, device, { key: EC_KEY });
  await gencrl(ca, "ca-old.crl", 3);
  await opensslCa(dir.path, ca, "-revoke", "d1.pem");
  await gencrl(ca, "ca-new.crl", 2);
  crlExtensions("crlext_crit", "1.2.3.4.5.6.7=critical,ASN1:NULL");
  await gencrl(ca, "ca-crit.crl", 2, "-crlexts", "crlext_crit");
  crlExtensions("crlext_onlyca", "issuingDistributionPoint=critical,@idp_ca", "[idp_ca]", "onlyCA=TRUE");
  await gencrl(ca, "ca-onlyca.crl", 2, "-crlexts", "crlext_onlyca");
  crlExtensions("crlext_indirect", "issuingDistributionPoint=critical,@idp_ind", "[idp_ind]", "indirectCRL=TRUE");
  await gencrl(ca, "ca-indirect.crl", 2, "-crlexts", "crlext_indirect");
  crlExtensions(
    "crlext_reasons",
    "issuingDistributionPoint=critical,@idp_r",
    "[idp_r]",
    "onlysomereasons=keyCompromise",
  );
  await gencrl(ca, "ca-reasons.crl", 2, "-crlexts", "crlext_reasons");
  crlExtensions("crlext_delta", "2.5.29.27=critical,DER:02:01:01");
  await gencrl(ca, "ca-delta.crl", 2, "-crlexts", "crlext_delta");
  await opensslCa(dir.path, ca, "-revoke", "d2.pem");
  await gencrl(ca, "ca-d2.crl", 1);
  // What a CA's usual CRL carries: CRL number, authority key identifier, entries with a reason and an invalidity date.
  await opensslCa(dir.path, ca, "-revoke", "d4.pem", "-crl_compromise", stamp(-5));
  crlExtensions("crlext_plain", "authorityKeyIdentifier=keyid:always");
  await gencrl(ca, "ca-d4.crl", 1, "-crlexts", "crlext_plain");
  await opensslCa(
    dir.path,
    ca,
    "-gencrl",
    "-crl_lastupdate",
    "20200101000000Z",
    "-crl_nextupdate",
    "20200102000000Z",
    "-out",
    "ca-expired.crl",
  );
  // A certificate with a negative serial number (-5): BoringSSL accepts it and revokes it by its bytes.
  await openssl(dir.path, "req", ...EC_KEY, "-subj", "/CN=neg", "-keyout", "neg.key", "-out", "neg.csr");
  await openssl(
    dir.path,
    "x509",
    "-req",
    "-in",
    "neg.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-set_serial",
    "-5",
    "-days",
    "1",
    "-out",
    "neg.pem",
  );
  await opensslCa(dir.path, ca, "-revoke", "neg.pem");
  await gencrl(ca, "ca-neg.crl", 1);
  // Root → intermediate → device.
  await issueCert(dir.path, root, "inter", "fleet intermediate", { key: EC_KEY, addext: caExt });
  await issueCert(dir.path, inter, "leaf", "leaf", { key: EC_KEY });
  await Bun.write(dir.file("leaf-chain.pem"), read("leaf.pem") + read("inter.pem"));
  await gencrl(root, "root.crl", 2);
  await gencrl(inter, "inter.crl", 2);
  await opensslCa(dir.path, root, "-revoke", "inter.pem");
  await gencrl(root, "root-revoked-inter.crl", 1);
  // The root re-issued, same name and key, allowing no intermediate below it.
  await openssl(
    dir.path,
    "req",
    "-x509",
    "-key",
    "root.key",
    "-subj",
    "/CN=fleet root",
    "-addext",
    "basicConstraints=critical,CA:TRUE,pathlen:0",
    "-days",
    "1",
    "-out",
    "root-pathlen0.pem",
  );
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

const trustCa = () => read("ca.pem");

describe("TlsFrontEnd reload of the CRL: a device the new CRL refuses loses its open connection", () => {
  test("the new CRL revokes the device", async () => {
    const r = await scenario(
      "d1",
      "d1.pem",
      { trust: trustCa(), crl: read("ca-old.crl") },
      { trust: trustCa(), crl: read("ca-new.crl") },
    );
    expect(r).toEqual(closed("CERT_REVOKED"));
  });

  // Review P1-1: the first CRL of the CA in the file decided; BoringSSL uses the newest current one.
  test.each([
    ["the old CRL first, the new one revoking the device second", ["ca-old.crl", "ca-new.crl"]],
    ["the new CRL revoking the device first, the old one second", ["ca-new.crl", "ca-old.crl"]],
  ])("two CRLs of the device's CA: %s", async (_, files) => {
    const crl = files.map(read).join("");
    const r = await scenario("d1", "d1.pem", { trust: trustCa(), crl: read("ca-old.crl") }, { trust: trustCa(), crl });
    expect(r).toEqual(closed("CERT_REVOKED"));
  });

  test.each([
    ["a delta CRL", "ca-delta.crl"],
    ["a CRL partitioned by reason", "ca-reasons.crl"],
  ])("%s first, then the full CRL revoking the device", async (_, first) => {
    const crl = read(first) + read("ca-d2.crl");
    const r = await scenario("d2", "d2.pem", { trust: trustCa(), crl: read("ca-old.crl") }, { trust: trustCa(), crl });
    expect(r).toEqual(closed("CERT_REVOKED"));
  });

  // Review P2-1: the CRL's extensions and scope were not read.
  test.each([
    ["has an unknown critical extension", "ca-crit.crl", "UNSPECIFIED"],
    ["is scoped to CA certificates (IDP onlyCA)", "ca-onlyca.crl", "UNSPECIFIED"],
    ["is indirect (IDP indirectCRL)", "ca-indirect.crl", "UNABLE_TO_GET_CRL"],
    ["is partitioned by reason (IDP onlysomereasons)", "ca-reasons.crl", "UNABLE_TO_GET_CRL"],
    ["is a delta CRL", "ca-delta.crl", "UNSPECIFIED"],
  ])("the only CRL of the device's CA, not listing it, %s", async (_, file, reason) => {
    const r = await scenario(
      "d3",
      "d3.pem",
      { trust: trustCa(), crl: read("ca-old.crl") },
      { trust: trustCa(), crl: read(file) },
    );
    expect(r).toEqual(closed(reason));
  });

  // Review P2-2: -5 is FB in the CRL and "-05" in node:crypto's serialNumber.
  test("a certificate with a negative serial number the new CRL revokes", async () => {
    const r = await scenario(
      "neg",
      "neg.pem",
      { trust: trustCa(), crl: read("ca-old.crl") },
      { trust: trustCa(), crl: read("ca-neg.crl") },
    );
    expect(r).toEqual(closed("CERT_REVOKED"));
  });
});

describe("TlsFrontEnd reload with an intermediate CA in the trust store: the chain is checked up to the root", () => {
  // Review P1-2: a trust store CA that is not self-signed ended the check.
  test("the root revokes the intermediate", async () => {
    const trust = read("root.pem") + read("inter.pem");
    const r = await scenario(
      "leaf",
      "leaf-chain.pem",
      { trust, crl: read("root.crl") + read("inter.crl") },
      { trust, crl: read("root-revoked-inter.crl") + read("inter.crl") },
    );
    expect(r).toEqual(closed("CERT_REVOKED"));
  });

  // Not in the review: the trust store's certificates themselves were taken on trust.
  test("the root is replaced by one of the same name and key that allows no intermediate below it", async () => {
    const crl = read("root.crl") + read("inter.crl");
    const r = await scenario(
      "leaf",
      "leaf-chain.pem",
      { trust: read("root.pem"), crl },
      { trust: read("root-pathlen0.pem"), crl },
    );
    expect(r).toEqual(closed("PATH_LENGTH_EXCEEDED"));
  });

  test("the root is taken out of the trust store, the intermediate left", async () => {
    const crl = read("root.crl") + read("inter.crl");
    const r = await scenario(
      "leaf",
      "leaf-chain.pem",
      { trust: read("root.pem") + read("inter.pem"), crl },
      { trust: read("inter.pem"), crl },
    );
    expect(r).toEqual(closed("UNABLE_TO_GET_CRL"));
  });
});

describe("TlsFrontEnd reload: a device the new material accepts keeps its open connection", () => {
  test("the new CRL, with a CRL number, an authority key id and reasons, revokes another device", async () => {
    const r = await scenario(
      "d3",
      "d3.pem",
      { trust: trustCa(), crl: read("ca-old.crl") },
      { trust: trustCa(), crl: read("ca-d4.crl") },
    );
    expect(r).toEqual(kept);
  });

  // Review P3-1: the first CRL of the CA decided, so an expired one closed every connection of the CA.
  test("an expired CRL of the device's CA first, a current one second", async () => {
    const crl = read("ca-expired.crl") + read("ca-old.crl");
    const r = await scenario("d3", "d3.pem", { trust: trustCa(), crl: read("ca-old.crl") }, { trust: trustCa(), crl });
    expect(r).toEqual(kept);
  });

  // Review-crlreload2 P2-2: text after the last CRL was taken for a half-written file, and no reload loaded.
  test("a CRL file with a comment and a certificate after its CRL is loaded", async () => {
    const r = await scenario(
      "d3",
      "d3.pem",
      { trust: trustCa(), crl: read("ca-old.crl") },
      { trust: trustCa(), crl: `${read("ca-d4.crl")}# published by pki-sync\n${read("ca.pem")}end\n` },
    );
    expect(r).toEqual(kept);
  });

  // Review P2-3: the complete first CRL loaded alone, and the intermediate's devices were closed.
  test("a CRL file of two CRLs read half-written (the second cut short) is not loaded: the previous CRLs stay", async () => {
    const full = read("root.crl") + read("inter.crl");
    const half = full.slice(0, read("root.crl").length + Math.floor(read("inter.crl").length / 2));
    const r = await scenario(
      "leaf",
      "leaf-chain.pem",
      { trust: read("root.pem"), crl: full },
      { trust: read("root.pem"), crl: half },
    );
    expect(r).toEqual({ ...kept, reloaded: false });
  });
});
