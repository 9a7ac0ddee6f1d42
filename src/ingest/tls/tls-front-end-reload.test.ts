/**
 * The ingest TLS front end reloads its key store and CRL when their files change (asked, or every
 * ssl.reload.interval.ms): new connections get the new material, a broken key store keeps the old.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync } from "node:fs";
import { type DeviceCert, type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { curl, echoFrontEnd } from "./tls-front-end-test-support.ts";

let dir: TempDir;
let pki: DevicePki;
const certs: Record<string, DeviceCert> = {};

beforeAll(async () => {
  dir = await tempDir("ingest-tls-reload-");
  pki = await makeDevicePki(dir.path);
  certs.good = await pki.issue("good", "device-1");
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

const frontEnd = (extra: Record<string, string> = {}) => echoFrontEnd(pki, extra);

describe("TlsFrontEnd reloading on file change", () => {
  test("a CRL updated after start is honoured for new connections", async () => {
    await using fe = await frontEnd();
    const late = await pki.issue("late", "device-late");
    expect((await curl(`${fe.url}/x`, pki, late)).code).toBe(0);
    await pki.revoke(late);
    expect(fe.reloadIfChanged()).toBe(true);
    expect((await curl(`${fe.url}/x`, pki, late)).code).not.toBe(0);
    expect(fe.handshakeFailures.get("CERT_REVOKED")).toBe(1);
  });

  test("a new server certificate is served after the key store file changes", async () => {
    await using fe = await frontEnd();
    const store = pki.serverPem;
    expect(await servedCertificateCn(fe.port)).toBe("localhost");
    const next = await pki.issue("server-2", "localhost-2", { san: "IP:127.0.0.1" });
    await Bun.write(store, (await Bun.file(next.key).text()) + (await Bun.file(next.cert).text()));
    expect(fe.reloadIfChanged()).toBe(true);
    const served = await servedCertificateCn(fe.port);
    expect(served).toBe("localhost-2");
  });

  test("the files are checked every ssl.reload.interval.ms without being asked", async () => {
    await using fe = await frontEnd({ "ingest.listeners.https.ssl.reload.interval.ms": "20" });
    const late = await pki.issue("late-2", "device-late-2");
    await pki.revoke(late);
    // A connection made just before the reload is closed by it (open client-certificate
    // connections are, on a CRL change) and fails curl too: wait for the handshake's refusal.
    await waitFor(
      async () =>
        (await curl(`${fe.url}/x`, pki, late)).code !== 0 && (fe.handshakeFailures.get("CERT_REVOKED") ?? 0) >= 1,
      { what: "the new CRL in use" },
    );
  });

  test("a broken key store keeps the previous certificate", async () => {
    await using fe = await frontEnd();
    const store = pki.serverPem;
    const saved = `${store}.saved`;
    copyFileSync(store, saved);
    await Bun.write(store, "not a key store");
    expect(fe.reloadIfChanged()).toBe(false);
    expect((await curl(`${fe.url}/x`, pki, certs.good)).code).toBe(0);
    copyFileSync(saved, store);
  });
});

/** The CN of the certificate the server presents, read with openssl s_client. */
async function servedCertificateCn(port: number): Promise<string | undefined> {
  const proc = Bun.spawn(
    ["openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-cert", certs.good!.cert, "-key", certs.good!.key],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return /subject=.*CN ?= ?([^,\n/]+)/.exec(out)?.[1]?.trim();
}
