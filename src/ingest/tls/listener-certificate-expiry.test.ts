import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { listenerCertificateWarning } from "./listener-certificate-expiry.ts";

// opshunt2: an expired listener certificate started silently; devices refused it without a word in the log.
describe("listenerCertificateWarning", () => {
  let dir: TempDir;
  let chain: string;
  beforeAll(async () => {
    dir = await tempDir("listener-cert-expiry-");
    const pki = await makeDevicePki(dir.path);
    const dated = await pki.issue("dated", "gateway", { startDate: "20300101000000Z", endDate: "20300111000000Z" });
    chain = readFileSync(dated.cert, "utf8") + readFileSync(pki.caCert, "utf8");
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  const url = "https://127.0.0.1:8443";
  const after =
    "devices refuse it in the TLS handshake once it is not valid: renew the key store (ingest.listeners.https.ssl.keystore.*), read again within ingest.listeners.https.ssl.reload.interval.ms";
  test.each([
    ["2030-01-02T00:00:00Z", undefined],
    [
      "2029-12-31T00:00:00Z",
      `The https ingest listener ${url}: the key store's certificate CN=gateway is not valid before 2030-01-01T00:00:00Z; ${after}`,
    ],
    [
      "2030-01-12T00:00:00Z",
      `The https ingest listener ${url}: the key store's certificate CN=gateway expired on 2030-01-11T00:00:00Z; ${after}`,
    ],
  ])("at %s: %p", (now, warning) => {
    expect(listenerCertificateWarning(chain, url, Date.parse(now))).toBe(warning);
  });
});
