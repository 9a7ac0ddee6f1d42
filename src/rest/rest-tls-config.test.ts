/**
 * Every worker key an https listener reads is declared (docs/worker-config.md, the unknown-key
 * check): the keys read are recorded while the listeners' TLS settings are loaded, from key stores
 * of every kind, under each prefix. Regression (leftovers22): `listeners.https.ssl.*`,
 * `admin.listeners.https.ssl.*` and `ssl.client.auth` were read but not declared.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { type ClientStores, makeClientStores } from "../../test/support/tls-stores.ts";
import { INGEST_TLS_PREFIX, loadIngestTls } from "../ingest/tls/ingest-tls-config.ts";
import { restListenerTlsPrefix, serverTls } from "../tls/server-tls.ts";
import { unknownWorkerKeys } from "../unknown-worker-keys.ts";
import { loadWorkerConfig, workerConfigDef } from "../worker-config.ts";

let dir: TempDir;
let stores: ClientStores;

beforeAll(async () => {
  dir = await tempDir("rest-tls-config-");
  stores = await makeClientStores(dir.path);
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

/** The TLS settings under one (or no) prefix, from each kind of key store and trust store. */
function settings(prefix: string): Record<string, string>[] {
  const p = (entries: Record<string, string>) =>
    Object.fromEntries(Object.entries(entries).map(([k, v]) => [`${prefix}${k}`, v]));
  const common = { "ssl.client.auth": "required", "ssl.enabled.protocols": "TLSv1.2,TLSv1.3", "ssl.protocol": "TLS" };
  return [
    p({ ...common, "ssl.keystore.location": stores.serverPem, "ssl.truststore.location": stores.caCert }),
    p({
      ...common,
      "ssl.keystore.location": stores.serverP12,
      "ssl.keystore.type": "PKCS12",
      "ssl.keystore.password": stores.password,
      "ssl.key.password": stores.password,
      "ssl.truststore.location": stores.trustJks,
      "ssl.truststore.type": "JKS",
      "ssl.truststore.password": stores.password,
      "ssl.cipher.suites":
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256",
    }),
    p({
      ...common,
      "ssl.keystore.certificate.chain": readFileSync(stores.serverCert, "utf8"),
      "ssl.keystore.key": readFileSync(stores.serverKey, "utf8"),
      "ssl.truststore.certificates": readFileSync(stores.caCert, "utf8"),
    }),
  ];
}

/** The keys `load` reads from `props`. */
function keysRead(props: Record<string, string>, load: (props: Record<string, string>) => unknown): string[] {
  const read = new Set<string>();
  const recording = new Proxy(props, {
    get(target, name, receiver) {
      if (typeof name === "string") read.add(name);
      return Reflect.get(target, name, receiver);
    },
  });
  load(recording);
  return [...read];
}

describe("the https listeners' worker keys", () => {
  test.each([
    ["listeners.https.", false],
    ["admin.listeners.https.", true],
  ] as const)("every key read under %s is declared", (prefix, admin) => {
    for (const props of settings(prefix)) {
      const read = keysRead(props, (p) => serverTls(p, restListenerTlsPrefix(p, admin), "https://:8443"));
      expect(read.length).toBeGreaterThan(5);
      expect(read.filter((k) => !workerConfigDef.has(k))).toEqual([]);
    }
  });

  test("every key read at the top level (no listener prefix set) is a worker or Kafka client key", () => {
    for (const props of settings("")) {
      const read = keysRead(props, (p) => serverTls(p, restListenerTlsPrefix(p, false), "https://:8443"));
      expect(read).toContain("ssl.client.auth");
      expect(unknownWorkerKeys(Object.fromEntries(read.map((k) => [k, ""])))).toEqual([]);
    }
  });

  test("every key the https ingest listener reads is declared", () => {
    for (const props of settings(INGEST_TLS_PREFIX)) {
      const read = keysRead(props, (p) => loadIngestTls(p, "https://:8443"));
      expect(read.filter((k) => !workerConfigDef.has(k))).toEqual([]);
    }
  });

  test("ssl.client.auth takes Connect's values only, at the top level and under a listener prefix", () => {
    for (const k of ["ssl.client.auth", "listeners.https.ssl.client.auth", "admin.listeners.https.ssl.client.auth"]) {
      expect(() => loadWorkerConfig({ [k]: "optional" })).toThrow(
        `Invalid value optional for configuration ${k}: String must be one of: required, requested, none`,
      );
      const parsed = loadWorkerConfig({ [k]: "requested" }) as unknown as Readonly<Record<string, unknown>>;
      expect(parsed[k]).toBe("requested");
    }
  });

  test("a misspelled listener TLS key is warned about; Connect's other ssl.* keys are not", () => {
    expect(
      unknownWorkerKeys({
        "listeners.https.ssl.keystore.locaton": "/k.pem",
        "admin.listeners.https.ssl.trustore.location": "/t.pem",
        "listeners.https.ssl.provider": "SunJSSE",
        "admin.listeners.https.ssl.keymanager.algorithm": "PKIX",
        "listeners.https.ssl.keystore.location": "/k.pem",
        "admin.listeners.https.ssl.client.auth": "required",
        "ssl.client.auth": "required",
      }),
    ).toEqual(["listeners.https.ssl.keystore.locaton", "admin.listeners.https.ssl.trustore.location"]);
  });
});
