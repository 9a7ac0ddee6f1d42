import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { ConfigError } from "../../errors.ts";
import { loadIngestTls, MAX_TIMER_MS } from "./ingest-tls-config.ts";

let dir: TempDir;
let pki: DevicePki;
let store: string;
let fifo: string;
let oversized: string;

beforeAll(async () => {
  dir = await tempDir("ingest-tls-config-");
  pki = await makeDevicePki(dir.path);
  store = pki.serverPem;
  fifo = dir.file("fifo.crl");
  expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
  oversized = dir.file("oversized.crl");
  // Sparse: 16 MiB and one byte without writing them.
  writeFileSync(oversized, "");
  truncateSync(oversized, 16 * 1024 * 1024 + 1);
});
afterAll(() => dir[Symbol.asyncDispose]());

const P = "ingest.listeners.https.";

function errorOf(props: Record<string, string>): { keys: string[]; message: string } {
  try {
    loadIngestTls(props, "https://:8443");
  } catch (error) {
    if (error instanceof ConfigError) return { keys: [...(error.errors?.keys() ?? [])], message: error.message };
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadIngestTls", () => {
  test("reads the stores with the listeners' shared code: protocols and Java cipher names", () => {
    const settings = loadIngestTls({
      [`${P}ssl.keystore.location`]: store,
      [`${P}ssl.truststore.location`]: pki.caCert,
      [`${P}ssl.client.auth`]: "required",
      [`${P}ssl.enabled.protocols`]: "TLSv1.3",
      [`${P}ssl.crl.location`]: pki.crl,
    });
    expect(settings.server.protocols.minVersion).toBe("TLSv1.3");
    expect(settings.server.clientAuth).toBe("required");
    expect(settings.files).toEqual([store, pki.caCert, pki.crl]);
    expect(settings.crl?.length).toBeGreaterThan(0);
  });

  test("every .ms key takes the largest timer delay (2^31 - 1 ms), which Bun does not turn into 1 ms", () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
    const limits = loadIngestTls({
      [`${P}ssl.keystore.location`]: store,
      [`${P}write.stall.timeout.ms`]: String(MAX_TIMER_MS),
    }).limits;
    expect(limits.writeStallTimeoutMs).toBe(MAX_TIMER_MS);
  });

  test("a connection whose answers do not move is closed after 30 s by default; 0 disables it", () => {
    const base = { [`${P}ssl.keystore.location`]: store };
    expect(loadIngestTls(base).limits.writeStallTimeoutMs).toBe(30_000);
    expect(loadIngestTls({ ...base, [`${P}write.stall.timeout.ms`]: "0" }).limits.writeStallTimeoutMs).toBe(0);
  });

  test.each([
    ["requested without a trust store", { [`${P}ssl.client.auth`]: "requested" }, `${P}ssl.truststore.location`],
    ["required without a trust store", { [`${P}ssl.client.auth`]: "required" }, `${P}ssl.truststore.location`],
    ["a CRL without client certificates", { [`${P}ssl.crl.location`]: "CRL" }, `${P}ssl.crl.location`],
    [
      "an unreadable CRL",
      {
        [`${P}ssl.client.auth`]: "required",
        [`${P}ssl.truststore.location`]: "TRUST",
        [`${P}ssl.crl.location`]: "/nonexistent.crl",
      },
      `${P}ssl.crl.location`,
    ],
    [
      "a CRL file holding no CRL",
      {
        [`${P}ssl.client.auth`]: "required",
        [`${P}ssl.truststore.location`]: "TRUST",
        [`${P}ssl.crl.location`]: "TRUST",
      },
      `${P}ssl.crl.location`,
    ],
    ["TLS 1.1", { [`${P}ssl.enabled.protocols`]: "TLSv1.1" }, `${P}ssl.enabled.protocols`],
    ["a negative write stall deadline", { [`${P}write.stall.timeout.ms`]: "-1" }, `${P}write.stall.timeout.ms`],
    ...[
      "ssl.reload.interval.ms",
      "handshake.timeout.ms",
      "idle.timeout.ms",
      "request.headers.timeout.ms",
      "request.body.timeout.ms",
      "write.stall.timeout.ms",
    ].map(
      (k) => [`${k} above the largest timer delay`, { [`${P}${k}`]: String(MAX_TIMER_MS + 1) }, `${P}${k}`] as const,
    ),
  ])("%s is a config error naming the key", (_what, extra, key) => {
    const props: Record<string, string> = { [`${P}ssl.keystore.location`]: store, ...extra };
    for (const [k, v] of Object.entries(props)) {
      if (v === "TRUST") props[k] = pki.caCert;
      if (v === "CRL") props[k] = pki.crl;
    }
    expect(errorOf(props).keys).toEqual([key]);
  });

  // Task tidy5: a CRL path the gateway reads at start and at every reload must not block it or grow its memory.
  test.each([
    ["a FIFO (no writer: a blocking read would never return)", () => fifo, "not a regular file"],
    ["/dev/zero", () => "/dev/zero", "not a regular file"],
    ["a file over 16 MiB", () => oversized, "larger than 16 MiB"],
  ])("%s as the CRL file is refused at once, naming the key and why", (_what, path, reason) => {
    const error = errorOf({
      [`${P}ssl.keystore.location`]: store,
      [`${P}ssl.client.auth`]: "required",
      [`${P}ssl.truststore.location`]: pki.caCert,
      [`${P}ssl.crl.location`]: path(),
    });
    expect(error.keys).toEqual([`${P}ssl.crl.location`]);
    expect(error.message).toContain(`cannot read ${path()}: ${reason}`);
  });

  // Review of crlreload P2-3: the complete first CRL loaded alone and the second CA's devices were refused.
  test("a CRL file read half-written (its second CRL cut short) is a config error saying so", () => {
    const crl = readFileSync(pki.crl, "utf8");
    writeFileSync(dir.file("half.crl"), crl + crl.slice(0, crl.length / 2));
    const error = errorOf({
      [`${P}ssl.keystore.location`]: store,
      [`${P}ssl.client.auth`]: "required",
      [`${P}ssl.truststore.location`]: pki.caCert,
      [`${P}ssl.crl.location`]: dir.file("half.crl"),
    });
    expect(error.keys).toEqual([`${P}ssl.crl.location`]);
    expect(error.message).toContain(
      "a BEGIN X509 CRL block of the CRL file has no END line: the file is being written?",
    );
  });

  // Review-crlreload2 P2-2: text after the last CRL stopped the gateway from starting.
  test("a CRL file with a comment and a CA certificate after its CRL loads its CRL", () => {
    const crl = readFileSync(pki.crl, "utf8");
    writeFileSync(dir.file("bundle.crl"), `${crl}# published by pki-sync\n${readFileSync(pki.caCert, "utf8")}`);
    const settings = loadIngestTls({
      [`${P}ssl.keystore.location`]: store,
      [`${P}ssl.client.auth`]: "required",
      [`${P}ssl.truststore.location`]: pki.caCert,
      [`${P}ssl.crl.location`]: dir.file("bundle.crl"),
    });
    expect(settings.crls?.map((list) => list.encoded)).toEqual([crl.trim()]);
  });
});
