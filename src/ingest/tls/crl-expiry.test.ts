/**
 * An expired CRL of the https ingest listener is visible in the log (explore2 G2): a WARN when one
 * is loaded or reloaded, a WARN once when the CRL in use expires, and refused handshakes WARNed at
 * most once a minute. Real openssl-made CRLs; the listener's clock is driven by the test.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { LogManager } from "../../util/logger.ts";
import { CRL_REFUSALS_LOG_INTERVAL_MS, crlNextUpdate } from "./crl-expiry.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { revocationLists } from "./revocation-list.ts";
import { startTlsFrontEnd } from "./tls-front-end.ts";
import { curl, ingestTlsSettings } from "./tls-front-end-test-support.ts";

let dir: TempDir;
let pki: DevicePki;
let device: DeviceCert;
let expired: string;

beforeAll(async () => {
  dir = await tempDir("ingest-crl-expiry-");
  pki = await makeDevicePki(dir.path);
  device = await pki.issue("device", "device-1");
  expired = await pki.expiredCrl("expired");
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

const EXPIRED_AT = "2020-01-02T00:00:00.000Z";

/** A front end whose CRL is `crl` (copied, so it can be replaced), its WARN lines and its clock. */
function frontEnd(crl: string, clock: { now: number }) {
  const location = join(dir.path, `in-use-${crypto.randomUUID()}.crl`);
  copyFileSync(crl, location);
  const warnings: string[] = [];
  // The test PKI's server certificate expires within 7 days, itself a WARN (listener-certificate-expiry.ts).
  const crlWarning = (line: string) => line.includes("WARN") && !line.includes("WARN The https ingest listener");
  const logs = new LogManager({ sink: (line) => crlWarning(line) && warnings.push(line) });
  const props = ingestTlsSettings(pki, { "ingest.listeners.https.ssl.crl.location": location });
  const fe = startTlsFrontEnd({
    host: "127.0.0.1",
    port: 0,
    handler: () => new Response("ok"),
    load: () => loadIngestTls(props),
    logger: logs.get("ingest.tls"),
    now: () => clock.now,
  });
  return Object.assign(fe, { location, warnings, [Symbol.asyncDispose]: () => fe.stop() });
}

describe("crlNextUpdate", () => {
  test("reads the nextUpdate openssl wrote", async () => {
    const proc = Bun.spawn(["openssl", "crl", "-in", pki.crl, "-noout", "-nextupdate"], { stdout: "pipe" });
    const text = (await new Response(proc.stdout).text()).replace("nextUpdate=", "").trim();
    expect(crlNextUpdate(revocationLists(readFileSync(pki.crl)))).toEqual(new Date(text));
    expect(crlNextUpdate(revocationLists(readFileSync(expired)))).toEqual(new Date(EXPIRED_AT));
  });
});

describe("TlsFrontEnd with an expired CRL", () => {
  test("warns at start, naming the file and the time", async () => {
    await using fe = frontEnd(expired, { now: Date.now() });
    expect(fe.warnings).toHaveLength(1);
    expect(fe.warnings[0]).toContain(`The CRL ${fe.location} expired at ${EXPIRED_AT}`);
    expect(fe.warnings[0]).toContain("every client certificate it covers is refused until it is renewed");
  });

  test("warns when a reload brings one", async () => {
    await using fe = frontEnd(pki.crl, { now: Date.now() });
    expect(fe.warnings).toEqual([]);
    await Bun.write(fe.location, Bun.file(expired));
    expect(fe.reloadIfChanged()).toBe(true);
    expect(fe.warnings).toHaveLength(1);
    expect(fe.warnings[0]).toContain(`The CRL ${fe.location} expired at ${EXPIRED_AT}`);
  });

  test("refused handshakes are warned at most once a minute, with their count", async () => {
    const clock = { now: Date.now() };
    await using fe = frontEnd(expired, clock);
    fe.warnings.length = 0;
    for (let i = 0; i < 3; i++) expect((await curl(`${fe.url}/x`, pki, device)).code).not.toBe(0);
    expect(fe.handshakeFailures.get("CRL_HAS_EXPIRED")).toBe(3);
    expect(fe.warnings).toHaveLength(1);
    expect(fe.warnings[0]).toContain(`1 TLS handshake(s) on ${fe.url} refused because the CRL ${fe.location} expired`);

    clock.now += CRL_REFUSALS_LOG_INTERVAL_MS;
    expect((await curl(`${fe.url}/x`, pki, device)).code).not.toBe(0);
    expect(fe.warnings).toHaveLength(2);
    expect(fe.warnings[1]).toContain(`3 TLS handshake(s) on ${fe.url} refused since the last such warning`);
  });
});

// opsfix2 item 6: the next update as a gauge, so operators can alert before it passes.
describe("TlsFrontEnd.crlNextUpdate", () => {
  test("is the CRL in use's next update, read again when a reload brings another", async () => {
    const next = crlNextUpdate(revocationLists(readFileSync(pki.crl)))!;
    await using fe = frontEnd(pki.crl, { now: Date.now() });
    expect(fe.crlNextUpdate()).toEqual(next);
    await Bun.write(fe.location, Bun.file(expired));
    expect(fe.reloadIfChanged()).toBe(true);
    expect(fe.crlNextUpdate()).toEqual(new Date(EXPIRED_AT));
  });

  test("is undefined without a CRL", async () => {
    const { "ingest.listeners.https.ssl.crl.location": _crl, ...props } = ingestTlsSettings(pki);
    const fe = startTlsFrontEnd({
      host: "127.0.0.1",
      port: 0,
      handler: () => new Response("ok"),
      load: () => loadIngestTls(props),
    });
    try {
      expect(fe.crlNextUpdate()).toBeUndefined();
    } finally {
      await fe.stop();
    }
  });
});

describe("TlsFrontEnd with a CRL that expires while it runs", () => {
  test("warns once when its nextUpdate passes", async () => {
    const next = crlNextUpdate(revocationLists(readFileSync(pki.crl)))!;
    await using fe = frontEnd(pki.crl, { now: next.getTime() - 5 });
    expect(fe.warnings).toEqual([]);
    await waitFor(() => fe.warnings.length > 0, { what: "the expiry warning" });
    expect(fe.warnings).toHaveLength(1);
    expect(fe.warnings[0]).toContain(
      `The CRL ${fe.location} has expired: its nextUpdate ${next.toISOString()} has passed`,
    );
  });
});
