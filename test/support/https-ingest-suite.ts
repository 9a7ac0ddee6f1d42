/**
 * One gateway for a test file whose ingest listener is https (`ingest.listeners=https://127.0.0.1:0`),
 * its server certificate from a device PKI made with openssl in the suite's directory
 * (makeDevicePki); `worker` adds keys (ingest.listeners.https.* bounds). Read `pki` and `port`
 * inside tests and later hooks, as the suite's other fields.
 */
import { type DevicePki, makeDevicePki } from "./device-pki.ts";
import { type SuiteGateway, suiteGateway } from "./suite-gateway.ts";

export interface HttpsIngestSuite extends SuiteGateway {
  readonly pki: DevicePki;
  /** The https ingest listener's port. */
  readonly port: number;
}

export function httpsIngestSuite(worker: Readonly<Record<string, string>> = {}): HttpsIngestSuite {
  let pki: DevicePki | undefined;
  const suite = suiteGateway(async (dir) => {
    pki = await makeDevicePki(dir.path);
    return {
      "ingest.listeners": "https://127.0.0.1:0",
      "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
      ...worker,
    };
  });
  return Object.defineProperties(suite as HttpsIngestSuite, {
    pki: { get: () => pki! },
    port: { get: () => Number(new URL(suite.ingest).port) },
  });
}
