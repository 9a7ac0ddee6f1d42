import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { issueCert } from "../../test/support/cert-authority.ts";
import { openssl } from "../../test/support/command.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { makeCertOfKeyType, pkcs8Der, TEST_CA } from "../../test/support/tls.ts";
import { type ClientStores, makeClientStores } from "../../test/support/tls-stores.ts";
import { unboundedFiles } from "../../test/support/unbounded-files.ts";
import { ConfigError } from "../errors.ts";
import { TLS_FILE_MAX_BYTES } from "../util/bounded-file.ts";
import { HttpClient } from "./http-client.ts";
import { loadPemFiles, loadTlsMaterial } from "./tls-material.ts";

let dir: TempDir;
let s: ClientStores;
beforeAll(async () => {
  dir = await tempDir();
  s = await makeClientStores(dir.path);
});
afterAll(() => dir[Symbol.asyncDispose]());

/** An https server on 127.0.0.1 that requires a client certificate of the test CA, answering "ok". */
function mtlsServer() {
  return Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: {
      cert: Bun.file(s.serverCert),
      key: Bun.file(s.serverKey),
      ca: Bun.file(s.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    },
    fetch: () => new Response("ok"),
  });
}

function keyErrors(run: () => unknown): Record<string, readonly string[]> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).errors);
  }
  throw new Error("expected a ConfigError");
}

describe("loadTlsMaterial", () => {
  describe.each(["JKS", "PKCS12", "PEM"] as const)("with %s stores", (type) => {
    const trust = () => ({ JKS: s.trustJks, PKCS12: s.trustP12, PEM: s.caCert })[type];
    const keys = () => ({ JKS: s.clientJks, PKCS12: s.clientP12, PEM: s.clientPem })[type];

    test("an mTLS server accepts the client and the client trusts the server", async () => {
      const material = loadTlsMaterial({
        truststore: { location: trust(), password: s.password },
        keystore: { location: keys(), password: s.password },
      });
      expect(material.rejectUnauthorized).toBe(true);
      using server = mtlsServer();
      const res = await new HttpClient({ tls: material }).request({
        method: "GET",
        url: `https://127.0.0.1:${server.port}/`,
      });
      expect(res.status).toBe(200);
    });
  });

  test.each([
    ["JKS", () => s.trustJks],
    ["PKCS12", () => s.trustP12],
  ])("a wrong %s trust store password names the password key", (_type, location) => {
    expect(keyErrors(() => loadTlsMaterial({ truststore: { location: location(), password: "wrong-pass" } }))).toEqual({
      "http.ssl.truststore.password": [expect.stringContaining("wrong password")],
    });
  });

  test("a wrong JKS key store password names the password key, with the given prefix", () => {
    expect(
      keyErrors(() => loadTlsMaterial({ keystore: { location: s.clientJks, password: "nope-nope" } }, "https.ssl.")),
    ).toEqual({ "https.ssl.keystore.password": [expect.stringContaining("wrong password")] });
  });

  test("a missing file names the location key", () => {
    expect(
      keyErrors(() => loadTlsMaterial({ truststore: { location: dir.file("absent.jks"), password: "x" } })),
    ).toEqual({
      "http.ssl.truststore.location": [expect.stringContaining("cannot read")],
    });
  });

  // Read at config/validate too (bounded-file.ts): a FIFO would block the gateway, a device grow its memory.
  test("a FIFO, a device or a file over 16 MiB names the location key, at once, the store and the sink's PEM files alike", async () => {
    for (const [path, reason] of await unboundedFiles(dir.path, TLS_FILE_MAX_BYTES, "16 MiB")) {
      const message = `cannot read ${path}: ${reason}`;
      expect(keyErrors(() => loadTlsMaterial({ truststore: { location: path, type: "PEM" } }))).toEqual({
        "http.ssl.truststore.location": [message],
      });
      const pem = { serverCerts: { key: "security.cert.server", paths: [path] }, allowSelfSigned: false };
      expect(keyErrors(() => loadPemFiles(pem))).toEqual({ "security.cert.server": [message] });
    }
  });

  // opshunt2: an empty file (one truncated while being replaced) was taken for a PKCS12 store and
  // refused for its password; an encrypted PEM key without a password was said to have a wrong one.
  test("an empty file names the location key and says it is empty, the store and the sink's PEM files alike", () => {
    const empty = dir.file("empty.pem");
    writeFileSync(empty, "");
    expect(keyErrors(() => loadTlsMaterial({ truststore: { location: empty } }))).toEqual({
      "http.ssl.truststore.location": [`${empty} is empty`],
    });
    const pem = { serverCerts: { key: "security.cert.server", paths: [empty] }, allowSelfSigned: false };
    expect(keyErrors(() => loadPemFiles(pem))).toEqual({ "security.cert.server": [`${empty} is empty`] });
  });

  test("an encrypted PEM key without any password names the password keys, not a wrong password", async () => {
    await openssl(dir.path, "pkcs8", "-topk8", "-in", s.clientKey, "-passout", "pass:key-pass-123", "-out", "enc.key");
    const store = dir.file("enc-store.pem");
    writeFileSync(store, readFileSync(dir.file("enc.key"), "utf8") + readFileSync(s.clientCert, "utf8"));
    expect(keyErrors(() => loadTlsMaterial({ keystore: { location: store } }))).toEqual({
      "http.ssl.key.password": [
        "cannot decrypt the PEM private key: it is encrypted and neither http.ssl.key.password nor http.ssl.keystore.password is set",
      ],
    });
    expect(keyErrors(() => loadTlsMaterial({ keystore: { location: store }, keyPassword: "not-it" }))).toEqual({
      "http.ssl.key.password": ["cannot decrypt the PEM private key (wrong password)"],
    });
  });

  // opshunt2 review: `http.ssl.key.password=` is read as not set; a key encrypted with an empty
  // password loaded before that and was then refused as having none.
  test("a PEM key encrypted with an empty password loads without a password set", async () => {
    await openssl(dir.path, "pkcs8", "-topk8", "-in", s.clientKey, "-passout", "pass:", "-out", "empty-pass.key");
    const store = dir.file("empty-pass-store.pem");
    writeFileSync(store, readFileSync(dir.file("empty-pass.key"), "utf8") + readFileSync(s.clientCert, "utf8"));
    expect(readFileSync(store, "utf8")).toContain("ENCRYPTED PRIVATE KEY");
    using server = mtlsServer();
    for (const keyPassword of [undefined, ""]) {
      const material = loadTlsMaterial({
        truststore: { location: s.caCert },
        keystore: { location: store },
        keyPassword,
      });
      const res = await new HttpClient({ tls: material }).request({
        method: "GET",
        url: `https://127.0.0.1:${server.port}/`,
      });
      expect(res.status).toBe(200);
    }
  });

  test("a corrupt store names the location key", () => {
    writeFileSync(dir.file("garbage.jks"), Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 9, 1, 2]));
    expect(
      Object.keys(
        keyErrors(() => loadTlsMaterial({ truststore: { location: dir.file("garbage.jks"), password: "x" } })),
      ),
    ).toEqual(["http.ssl.truststore.location"]);
  });

  // explore15 F4: refused with "a JKS store needs its password", where Java's KeyStore.load(in, null) reads it.
  test("a JKS trust store without its password is read as Java reads it (no integrity check) and trusted", async () => {
    const material = loadTlsMaterial({
      truststore: { location: s.trustJks },
      keystore: { location: s.clientJks, password: s.password },
    });
    using server = mtlsServer();
    const res = await new HttpClient({ tls: material }).request({
      method: "GET",
      url: `https://127.0.0.1:${server.port}/`,
    });
    expect(res.status).toBe(200);
  });

  test("a JKS trust store holding a key pair gives its certificates without its password", () => {
    expect(loadTlsMaterial({ truststore: { location: s.clientJks } }).ca?.length).toBeGreaterThan(0);
  });

  test.each([
    ["a JKS key store", { keystore: { location: () => s.clientJks } }, "http.ssl.keystore.password"],
    ["a PKCS12 trust store", { truststore: { location: () => s.trustP12 } }, "http.ssl.truststore.password"],
  ])("%s without its password is an error on the password key", (_what, stores, key) => {
    const settings = Object.fromEntries(
      Object.entries(stores).map(([store, { location }]) => [store, { location: location() }]),
    );
    expect(keyErrors(() => loadTlsMaterial(settings))).toEqual({
      [key]: [expect.stringContaining("needs its password")],
    });
  });

  test("a PEM key store whose key is not its first certificate's names the location key, with the path only", () => {
    // Bun opens no TLS socket with such a pair and says only "FailedToOpenSocket" at every request.
    const store = dir.file("mismatched-store.pem");
    writeFileSync(store, readFileSync(s.serverKey, "utf8") + readFileSync(s.clientCert, "utf8"));
    const errors = keyErrors(() => loadTlsMaterial({ keystore: { location: store } }));
    expect(errors).toEqual({
      "http.ssl.keystore.location": [`${store} holds a private key that is not the one of its first certificate`],
    });
  });

  // review-sec6 P3-4: reported as "not the one of its first certificate" before.
  test("a PEM key store of a key type Bun cannot use (Ed448) says so on the location key", async () => {
    await makeCertOfKeyType(dir.path, "ed448", "ed448", "ED448");
    const store = dir.file("ed448-store.pem");
    writeFileSync(store, readFileSync(dir.file("ed448.key"), "utf8") + readFileSync(dir.file("ed448.pem"), "utf8"));
    expect(keyErrors(() => loadTlsMaterial({ keystore: { location: store } }))).toEqual({
      "http.ssl.keystore.location": [
        `the private key in ${store} is of key type Ed448, which this gateway's TLS stack does not support (RSA, Ed25519 and EC keys on P-256, P-384 and P-521 are)`,
      ],
    });
  });

  test("a trust store without a key store gives only CA certificates; verification can be turned off", () => {
    const material = loadTlsMaterial({ truststore: { location: s.trustJks, password: s.password }, verify: false });
    expect(material.ca?.length).toBe(1);
    expect(material.ca?.[0]).toStartWith("-----BEGIN CERTIFICATE-----");
    expect(material.key).toBeUndefined();
    expect(material.rejectUnauthorized).toBe(false);
  });
});

// testdup: the HTTP sink's client key file (security.key.client, Flink's http.client.key) holding an
// RSA-PSS or Ed448 key was refused as "no readable unencrypted PKCS8 private key". It is PKCS8, but
// Bun reads neither type, nor opens a TLS connection with one: refused for its type, named.
describe("loadPemFiles with a client key of a type Bun's TLS cannot use", () => {
  test.each([
    ["RSA-PSS", ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048", "-nodes"]],
    ["Ed448", ["-newkey", "ed448", "-nodes"]],
    // review-testdup P2-2: named "EC", a type said to be supported, before.
    ["EC (curve secp256k1)", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-nodes"]],
    // small3: node:crypto reads P-224 keys, so they passed here and failed only at each request.
    ["EC (curve P-224)", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-224", "-nodes"]],
  ])(
    "%s: refused on the key's config key naming its type, PEM or DER; Bun's fetch opens no connection with it",
    async (type, key) => {
      const name = `${type.replace(/\W+/g, "-").toLowerCase()}-client`;
      const issued = await issueCert(dir.path, TEST_CA, name, name, { key });
      for (const path of [issued.key, await pkcs8Der(dir.path, issued.key, `${name}.key.der`)]) {
        const files = {
          serverCerts: { key: "security.cert.server", paths: [s.caCert] },
          clientCert: { key: "security.cert.client", path: issued.cert },
          clientKey: { key: "security.key.client", path },
          allowSelfSigned: false,
        };
        expect(keyErrors(() => loadPemFiles(files))).toEqual({
          "security.key.client": [
            `${path} is of key type ${type}, which this gateway's TLS stack does not support (RSA, Ed25519 and EC keys on P-256, P-384 and P-521 are)`,
          ],
        });
      }
      // Why: a server that requires a client certificate of the CA that issued it answers the RSA
      // client, while with this one Bun's fetch fails before connecting.
      using server = mtlsServer();
      const read = (path: string) => readFileSync(path, "utf8");
      const get = (cert: string, key: string) =>
        fetch(`https://127.0.0.1:${server.port}/`, { tls: { ca: read(s.caCert), cert: read(cert), key: read(key) } });
      expect((await get(s.clientCert, s.clientKey)).status).toBe(200);
      await expect(get(issued.cert, issued.key)).rejects.toMatchObject({ code: "FailedToOpenSocket" });
    },
  );
});
