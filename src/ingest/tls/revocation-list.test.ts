/** revocationLists: the CRLs of an ssl.crl.location file as openssl writes them, PEM or DER. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { openssl } from "../../../test/support/command.ts";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { revocationLists, serialHex } from "./revocation-list.ts";

let dir: TempDir;
let pki: DevicePki;
let revoked: DeviceCert;

beforeAll(async () => {
  dir = await tempDir("revocation-list-");
  pki = await makeDevicePki(dir.path);
  revoked = await pki.issue("revoked", "device-2");
  await pki.revoke(revoked);
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

const key = (pem: string) => new X509Certificate(readFileSync(pem)).publicKey;

describe("revocationLists", () => {
  test("reads the serials a CRL revokes, its update times and its signer, PEM and DER alike", async () => {
    await openssl(dir.path, "crl", "-in", pki.crl, "-outform", "DER", "-out", "device-ca.der");
    const serial = serialHex(new X509Certificate(readFileSync(revoked.cert)).serialNumber);
    for (const file of [pki.crl, dir.file("device-ca.der")]) {
      const [list, ...more] = revocationLists(readFileSync(file));
      expect(more).toEqual([]);
      expect([...list!.revoked]).toEqual([serial]);
      expect(list!.thisUpdate!.getTime()).toBeLessThanOrEqual(Date.now());
      expect(list!.nextUpdate!.getTime()).toBeGreaterThan(Date.now());
      expect([list!.signedBy(key(pki.caCert)), list!.signedBy(key(pki.otherCaCert))]).toEqual([true, false]);
    }
  });

  test("reads every CRL of a PEM file, one after another", () => {
    const crl = readFileSync(pki.crl, "utf8");
    expect(revocationLists(Buffer.from(crl + crl)).length).toBe(2);
  });

  test("serial numbers compare without leading zeros, in any case", () => {
    expect(serialHex("00a1")).toBe("A1");
    expect(serialHex("0")).toBe("0");
  });
});
