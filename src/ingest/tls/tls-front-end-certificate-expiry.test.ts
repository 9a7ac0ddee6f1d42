/**
 * The https ingest listener WARNs when its own certificate expires while it runs (opshunt2 review:
 * it checked only at start and at a reload after a file change, so a listener running for weeks never
 * warned). Real openssl-made certificates; the listener's clock is set just before the certificate's
 * end, as crl-expiry.test.ts does for a CRL's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { certificateValidity } from "../../tls/certificate-validity.ts";
import { LogManager } from "../../util/logger.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { startTlsFrontEnd } from "./tls-front-end.ts";
import { ingestTlsSettings } from "./tls-front-end-test-support.ts";

let dir: TempDir;
let pki: DevicePki;
beforeAll(async () => {
  dir = await tempDir("ingest-listener-cert-expiry-");
  pki = await makeDevicePki(dir.path);
}, 60_000);
afterAll(() => dir[Symbol.asyncDispose]());

describe("TlsFrontEnd with a certificate that expires while it runs", () => {
  test("warns at start that it expires within a day, then once when it has expired", async () => {
    const end = certificateValidity(readFileSync(pki.serverCert, "utf8"))!.notAfter;
    // The listener's clock reads 500 ms before the end from its first reading on (at its start).
    let offset: number | undefined;
    const now = () => {
      offset ??= end.getTime() - 500 - Date.now();
      return Date.now() + offset;
    };
    const warnings: string[] = [];
    const logs = new LogManager({
      sink: (line) => line.includes("WARN The https ingest listener") && warnings.push(line),
    });
    const fe = startTlsFrontEnd({
      host: "127.0.0.1",
      port: 0,
      handler: () => new Response("ok"),
      load: () => loadIngestTls(ingestTlsSettings(pki)),
      logger: logs.get("ingest.tls"),
      now,
    });
    try {
      const at = end.toISOString().replace(/\.\d{3}Z$/, "Z");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        `The https ingest listener ${fe.url}: the key store's certificate CN=localhost expires on ${at} (within a day)`,
      );
      await waitFor(() => warnings.length > 1, { what: "the WARN at the certificate's end" });
      expect(warnings[1]).toContain(
        `The https ingest listener ${fe.url}: the key store's certificate CN=localhost expired on ${at}; clients refuse it`,
      );
      expect(warnings).toHaveLength(2);
    } finally {
      await fe.stop();
    }
  });
});
