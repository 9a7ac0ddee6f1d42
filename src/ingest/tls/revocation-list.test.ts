/** revocationLists: the CRLs of an ssl.crl.location file as openssl writes them, PEM or DER. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { openssl } from "../../../test/support/command.ts";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { integerHex, revocationId, revocationLists } from "./revocation-list.ts";

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
    const { serial, issuer } = revocationId(new X509Certificate(readFileSync(revoked.cert)).raw);
    for (const file of [pki.crl, dir.file("device-ca.der")]) {
      const [list, ...more] = revocationLists(readFileSync(file));
      expect(more).toEqual([]);
      expect([...list!.revoked]).toEqual([serial]);
      expect([list!.issuer, list!.plain]).toEqual([issuer, true]);
      expect(list!.thisUpdate!.getTime()).toBeLessThanOrEqual(Date.now());
      expect(list!.nextUpdate!.getTime()).toBeGreaterThan(Date.now());
      expect([list!.signedBy(key(pki.caCert)), list!.signedBy(key(pki.otherCaCert))]).toEqual([true, false]);
    }
  });

  test("reads every CRL of a PEM file, one after another", () => {
    const crl = readFileSync(pki.crl, "utf8");
    expect(revocationLists(Buffer.from(crl + crl)).length).toBe(2);
  });

  test("a PEM file read half-written does not load: a CRL block without its END line, or a last line starting one", () => {
    const crl = readFileSync(pki.crl, "utf8");
    const cut = (text: string) => () => revocationLists(Buffer.from(text));
    const noEnd = "a BEGIN X509 CRL block of the CRL file has no END line: the file is being written?";
    expect(cut(crl + crl.slice(0, crl.length / 2))).toThrow(noEnd);
    expect(cut(crl + crl.slice(0, 10))).toThrow(noEnd);
    expect(cut(crl.slice(0, crl.length / 2))).toThrow(noEnd);
    expect(cut(`${crl}-----BEGIN X509`)).toThrow(noEnd);
  });

  // Review-crlreload2 P2-2: any text after the last CRL failed the load, as a file "cut short".
  test("text and other PEM blocks around the CRLs are ignored, as the TLS library ignores them", () => {
    const crl = readFileSync(pki.crl, "utf8");
    const cert = readFileSync(pki.caCert, "utf8");
    for (const text of [
      `text openssl crl -text writes\n${crl}\n`,
      `${crl}# published by pki-sync\n`,
      crl + cert,
      `${crl + crl}end\n-----\n`,
    ])
      expect(revocationLists(Buffer.from(text)).map((list) => list.encoded)).toEqual(
        text.includes(crl + crl) ? [crl.trim(), crl.trim()] : [crl.trim()],
      );
  });

  test("a CRL block that does not parse fails the load, saying which", () => {
    const crl = readFileSync(pki.crl, "utf8");
    const broken = crl.replace(/\n[A-Za-z0-9+/]{8}/, "\nAAAAAAAA");
    expect(() => revocationLists(Buffer.from(crl + broken))).toThrow("CRL 2 of the CRL file is not a CRL: ");
    // A file without a PEM CRL block is read as one DER CRL: a certificate, or two DER CRLs, say so (explore21 F4).
    const caPem = readFileSync(pki.caCert);
    expect(() => revocationLists(Buffer.from(new X509Certificate(caPem).raw))).toThrow(
      "the CRL file (no PEM CRL block, so read as one DER CRL; several CRLs go in a PEM file) is not a CRL: ",
    );
  });
});

describe("integerHex", () => {
  test.each([
    ["a positive serial", "a1", "A1"],
    ["a positive serial with its high bit set", "00a1", "00A1"],
    ["a redundant leading zero", "0001", "01"],
    ["zero", "00", "00"],
    ["a negative serial (-5)", "fb", "FB"],
    ["a redundant leading 0xff (-5)", "fffb", "FB"],
    ["a negative serial whose high bit is clear after its sign byte (-129)", "ff7f", "FF7F"],
  ])("%s", (_, bytes, hex) => {
    expect(integerHex(Buffer.from(bytes, "hex"))).toBe(hex);
  });
});
