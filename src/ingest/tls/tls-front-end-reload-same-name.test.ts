/**
 * A reload that adds a CA or a CRL under a name BoringSSL takes for the device's CA's (its canonical
 * compare: case and string type ignored) closes the device's open connection (review-crlreload2
 * P2-1): BoringSSL picks one candidate by name and authority key identifier and verifies its
 * signature only then, so a new handshake may be refused with CERT_SIGNATURE_FAILURE or
 * CRL_SIGNATURE_FAILURE. Which twin it picks may depend on the keys generated: where it does, the
 * test asserts only that the open connection is closed (the conservative side). Scenarios:
 * tls-front-end-reload-support.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type CertAuthority, caDatabase, EC_KEY, selfSignedCert } from "../../../test/support/cert-authority.ts";
import { openssl } from "../../../test/support/command.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { closed, kept, reloadScenarios } from "./tls-front-end-reload-support.ts";

let dir: TempDir;
const { read, gencrl, scenario } = reloadScenarios(() => dir);
const ca: CertAuthority = { name: "ca", cert: "ca.pem", key: "ca.key" };
const authority = (name: string): CertAuthority => ({ name, cert: `${name}.pem`, key: `${name}.key` });

/** A device certificate of the CA with `openssl x509 -req` (no extensions unless `extfile`: no authority key identifier). */
async function device(name: string, serial: string, extfile: string[] = []) {
  await openssl(dir.path, "req", ...EC_KEY, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
  await openssl(
    dir.path,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-set_serial",
    serial,
    "-days",
    "1",
    ...extfile,
    "-out",
    `${name}.pem`,
  );
}

beforeAll(async () => {
  dir = await tempDir("tls-reload-same-name-");
  await selfSignedCert(dir.path, "ca", "device CA", { key: EC_KEY, days: 3 });
  await selfSignedCert(dir.path, "root", "fleet root", { key: EC_KEY, days: 3 });
  await openssl(dir.path, "req", ...EC_KEY, "-subj", "/CN=gateway", "-keyout", "server.key", "-out", "server.csr");
  await Bun.write(dir.file("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await openssl(
    dir.path,
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "root.pem",
    "-CAkey",
    "root.key",
    "-set_serial",
    "1",
    "-days",
    "1",
    "-extfile",
    "server.ext",
    "-out",
    "server.pem",
  );
  await Bun.write(dir.file("server-store.pem"), read("server.key") + read("server.pem"));
  await caDatabase(dir.path, "ca");
  await gencrl(ca, "ca.crl", 3);
  // v1 devices (no authority key identifier), as many IoT devices carry, and one with it.
  await device("v1", "77");
  await Bun.write(dir.file("akid.ext"), "authorityKeyIdentifier=keyid:always\nbasicConstraints=CA:FALSE\n");
  await device("ak", "78", ["-extfile", "akid.ext"]);
  // Other keys under names BoringSSL takes for "device CA": another case, a PrintableString, the same DN.
  await selfSignedCert(dir.path, "upper", "DEVICE CA", { key: EC_KEY, days: 3 });
  await Bun.write(
    dir.file("printable-req.cnf"),
    "[req]\ndistinguished_name=dn\nprompt=no\nstring_mask=default\n[dn]\nCN=device CA\n",
  );
  await openssl(
    dir.path,
    "req",
    "-x509",
    ...EC_KEY,
    "-config",
    "printable-req.cnf",
    "-days",
    "3",
    "-keyout",
    "printable.key",
    "-out",
    "printable.pem",
  );
  await selfSignedCert(dir.path, "noskid", "device CA", {
    key: EC_KEY,
    days: 3,
    extra: ["-addext", "subjectKeyIdentifier=none", "-addext", "authorityKeyIdentifier=none"],
  });
  await selfSignedCert(dir.path, "rekey", "device CA", { key: EC_KEY, days: 3 });
  for (const name of ["upper", "printable"]) {
    await caDatabase(dir.path, name);
    await gencrl(authority(name), `${name}.crl`, 1);
  }
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

const before = () => ({ trust: read("ca.pem"), crl: read("ca.crl") });

describe("TlsFrontEnd reload: a CRL of another key under the CA's name closes the connection", () => {
  test.each([
    ["R1: the name in another case", "upper.crl"],
    ["R1c: the name as a PrintableString (the CA's is a UTF8String)", "printable.crl"],
  ])("%s, newer than the CA's own", async (_, other) => {
    const r = await scenario("v1", "v1.pem", before(), { trust: read("ca.pem"), crl: read("ca.crl") + read(other) });
    expect(r).toEqual(closed("CRL_SIGNATURE_FAILURE"));
  });

  test("R1b: the same with that other CA in the trust store too", async () => {
    const r = await scenario("v1", "v1.pem", before(), {
      trust: read("ca.pem") + read("upper.pem"),
      crl: read("ca.crl") + read("upper.crl"),
    });
    // Which of the two BoringSSL takes as the issuer depends on the keys: either signature check fails.
    const [reason] = Object.keys(r.failures);
    expect(["CERT_SIGNATURE_FAILURE", "CRL_SIGNATURE_FAILURE"]).toContain(reason!);
    expect(r).toEqual(closed(reason!));
  });
});

describe("TlsFrontEnd reload: a CA of the same name and another key in the trust store", () => {
  for (const [twin, what] of [
    ["noskid", "R2/R3: without a subject key identifier"],
    ["rekey", "R4: with its own subject key identifier (a CA key rotation)"],
  ] as const)
    test.each(["first", "last"])(`${what}, listed %s: a device without an authority key id is closed`, async (at) => {
      const trust = at === "first" ? read(`${twin}.pem`) + read("ca.pem") : read("ca.pem") + read(`${twin}.pem`);
      const r = await scenario("v1", "v1.pem", before(), { trust, crl: read("ca.crl") });
      // BoringSSL may try the twin first (CERT_SIGNATURE_FAILURE), depending on the certificates.
      expect(r.reloaded).toBe(true);
      expect(r.openConnection).toBe("closed");
    });

  test.each(["first", "last"])(
    "R5: a device with an authority key id keeps its connection through a key rotation (new CA listed %s)",
    async (at) => {
      const trust = at === "first" ? read("rekey.pem") + read("ca.pem") : read("ca.pem") + read("rekey.pem");
      const r = await scenario("ak", "ak.pem", before(), { trust, crl: read("ca.crl") });
      expect(r).toEqual(kept);
    },
  );
});
