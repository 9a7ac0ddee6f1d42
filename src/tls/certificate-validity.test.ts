import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { openssl } from "../../test/support/command.ts";
import { makeDevicePki } from "../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import {
  type CertificateValidity,
  certificateNotice,
  certificateValidity,
  expiryNotice,
  validityProblem,
} from "./certificate-validity.ts";

// explore4 J4: the window of a key store's certificate, said when a broker refuses it and warned
// about at start.
describe("certificateValidity", () => {
  let dir: TempDir;
  let validity: CertificateValidity;
  beforeAll(async () => {
    dir = await tempDir("cert-validity-");
    const pki = await makeDevicePki(dir.path);
    const cert = await pki.issue("dated", "dated-client", { startDate: "20300101000000Z", endDate: "20300111000000Z" });
    // The chain's first certificate is the key store's own; the CA after it is not.
    const chain = readFileSync(cert.cert, "utf8") + readFileSync(pki.caCert, "utf8");
    validity = certificateValidity(chain)!;
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  test("reads the first certificate of the chain", () => {
    expect(validity).toEqual({
      subject: "CN=dated-client",
      notBefore: new Date("2030-01-01T00:00:00Z"),
      notAfter: new Date("2030-01-11T00:00:00Z"),
    });
    expect(certificateValidity("no certificate")).toBeUndefined();
  });

  test.each([
    ["2029-12-31T23:59:59Z", "the key store's certificate CN=dated-client is not valid before 2030-01-01T00:00:00Z"],
    ["2030-01-02T00:00:00Z", undefined],
    ["2030-01-11T00:00:01Z", "the key store's certificate CN=dated-client expired on 2030-01-11T00:00:00Z"],
  ])("at %s: %p", (now, problem) => {
    expect(validityProblem(validity, Date.parse(now))).toBe(problem);
  });

  test.each([
    ["2030-01-03T00:00:00Z", undefined],
    ["2030-01-04T00:00:00Z", "the key store's certificate CN=dated-client expires on 2030-01-11T00:00:00Z (in 7 days)"],
    ["2030-01-09T12:00:00Z", "the key store's certificate CN=dated-client expires on 2030-01-11T00:00:00Z (in 1 day)"],
    [
      "2030-01-10T12:00:00Z",
      "the key store's certificate CN=dated-client expires on 2030-01-11T00:00:00Z (within a day)",
    ],
    ["2030-01-12T00:00:00Z", "the key store's certificate CN=dated-client expired on 2030-01-11T00:00:00Z"],
  ])("the notice at start at %s: %p", (now, notice) => {
    expect(expiryNotice(validity, Date.parse(now), 7)).toBe(notice);
  });
});

// opshunt2 review: Bun gives no subject for an empty one; the validity was dropped (no WARN, no hint).
describe("certificateValidity of a certificate with an empty subject", () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir("cert-validity-empty-subject-");
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  /** A self-signed certificate with an empty subject, valid for 3 days. */
  async function emptySubject(name: string, ...extra: string[]): Promise<string> {
    const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`];
    await openssl(dir.path, "req", "-x509", ...key, "-out", `${name}.pem`, "-subj", "/", "-days", "3", ...extra);
    return readFileSync(dir.file(`${name}.pem`), "utf8");
  }

  test.each([
    ["with-san", ["-addext", "subjectAltName=DNS:gw.example,IP:127.0.0.1"], "DNS:gw.example"],
    ["without-san", [], "(no subject)"],
  ])("%s: named, and warned about", async (name, extra, subject) => {
    const cert = await emptySubject(name, ...extra);
    expect(certificateValidity(cert)?.subject).toBe(subject);
    expect(certificateNotice(cert, Date.now())).toStartWith(`the key store's certificate ${subject} expires on `);
  });
});
