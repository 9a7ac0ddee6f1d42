import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { makeDevicePki } from "../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { clientCertificateRefusal, clientCertificateWarning } from "./client-certificate-expiry.ts";

// opshunt2: an expired client certificate made every request of an HTTP connector fail with
// ECONNRESET and no word about the certificate.
describe("clientCertificateWarning", () => {
  let dir: TempDir;
  let cert: string;
  beforeAll(async () => {
    dir = await tempDir("client-cert-expiry-");
    const pki = await makeDevicePki(dir.path);
    cert = readFileSync(
      (await pki.issue("dated", "dated-client", { startDate: "20300101000000Z", endDate: "20300111000000Z" })).cert,
      "utf8",
    );
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  const after =
    "an endpoint that requires client certificates refuses it once it is not valid (the connection closes during or right after the TLS handshake): replace the files and restart the task";

  test.each([
    ["2030-01-02T00:00:00Z", undefined],
    [
      "2030-01-09T12:00:00Z",
      `security.cert.client: the key store's certificate CN=dated-client expires on 2030-01-11T00:00:00Z (in 1 day); ${after}`,
    ],
    [
      "2030-01-12T00:00:00Z",
      `security.cert.client: the key store's certificate CN=dated-client expired on 2030-01-11T00:00:00Z; ${after}`,
    ],
  ])("at %s: %p", (now, warning) => {
    const tls = { cert, key: "unused", rejectUnauthorized: true };
    expect(clientCertificateWarning(tls, "security.cert.client", Date.parse(now))).toBe(warning);
  });

  test("none without a client certificate", () => {
    expect(clientCertificateWarning(undefined, "security.cert.client", Date.parse("2031-01-01T00:00:00Z"))).toBe(
      undefined,
    );
    expect(
      clientCertificateWarning(
        { rejectUnauthorized: true },
        "security.cert.client",
        Date.parse("2031-01-01T00:00:00Z"),
      ),
    ).toBe(undefined);
  });

  test.each([
    ["2030-01-02T00:00:00Z", undefined],
    [
      "2030-01-12T00:00:00Z",
      "the key store's certificate CN=dated-client expired on 2030-01-11T00:00:00Z, which an endpoint that requires client certificates refuses",
    ],
  ])("the refusal a closed connection may be at %s: %p", (now, refusal) => {
    expect(clientCertificateRefusal({ cert, key: "unused", rejectUnauthorized: true }, Date.parse(now))).toBe(refusal);
    expect(clientCertificateRefusal({ rejectUnauthorized: true }, Date.parse(now))).toBe(undefined);
  });
});
