import { describe, expect, test } from "bun:test";
import { openssl } from "../../test/support/command.ts";
import { makeDevicePki } from "../../test/support/device-pki.ts";
import { tempDir } from "../../test/support/temp-dir.ts";
import { makeCertOfKeyType, makeRsaCert } from "../../test/support/tls.ts";
import { makeMismatchedKeyStores } from "../../test/support/tls-stores.ts";
import { unboundedFiles } from "../../test/support/unbounded-files.ts";
import { ConfigError } from "../errors.ts";
import { TLS_FILE_MAX_BYTES } from "../util/bounded-file.ts";
import { loadTlsMaterial } from "./key-stores.ts";

async function keytool(...args: string[]): Promise<void> {
  const proc = Bun.spawn(["keytool", ...args], { stdout: "pipe", stderr: "pipe" });
  if ((await proc.exited) !== 0) throw new Error(`keytool failed: ${await new Response(proc.stdout).text()}`);
}

describe("loadTlsMaterial", () => {
  // Read at config/validate too: a FIFO would block the gateway until a writer came, a device or a
  // huge file would grow memory without limit (bounded-file.ts); a CA bundle of any real size fits.
  test("a FIFO, a device or a store over 16 MiB is refused naming the key and the reason, at once", async () => {
    await using dir = await tempDir("store-limits-");
    for (const [location, reason] of await unboundedFiles(dir.path, TLS_FILE_MAX_BYTES, "16 MiB")) {
      expect(() => loadTlsMaterial({ "ssl.truststore.location": location, "ssl.truststore.type": "PEM" })).toThrow(
        `ssl.truststore.location: cannot read ${location}: ${reason}`,
      );
    }
  });

  describe("with JKS stores made by keytool", () => {
    test("reads the key entry of a key store and the certificates of a trust store", async () => {
      await using dir = await tempDir("jks-");
      const pki = await makeDevicePki(dir.path);
      await openssl(
        dir.path,
        "pkcs12",
        "-export",
        "-in",
        pki.serverCert,
        "-inkey",
        pki.serverKey,
        "-name",
        "server",
        "-out",
        "server.p12",
        "-passout",
        "pass:store-pass",
      );
      await keytool(
        "-importkeystore",
        "-srckeystore",
        dir.file("server.p12"),
        "-srcstoretype",
        "PKCS12",
        "-srcstorepass",
        "store-pass",
        "-destkeystore",
        dir.file("server.jks"),
        "-deststoretype",
        "JKS",
        "-deststorepass",
        "store-pass",
        "-noprompt",
      );
      await keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        pki.caCert,
        "-keystore",
        dir.file("trust.jks"),
        "-storetype",
        "JKS",
        "-storepass",
        "trust-pass",
      );
      const material = loadTlsMaterial({
        "ssl.keystore.location": dir.file("server.jks"),
        "ssl.keystore.password": "store-pass",
        "ssl.truststore.location": dir.file("trust.jks"),
        "ssl.truststore.password": "trust-pass",
      });
      const pem = (text: string) => text.replace(/\s+/g, "");
      expect(pem(material.cert ?? "")).toContain(
        pem(await Bun.file(pki.serverCert).text()).replace(/^.*?-----BEGIN/, "-----BEGIN"),
      );
      expect(material.key).toContain("PRIVATE KEY");
      expect(material.ca?.map(pem)).toEqual([pem(await Bun.file(pki.caCert).text())]);

      const wrong = () =>
        loadTlsMaterial({ "ssl.truststore.location": dir.file("trust.jks"), "ssl.truststore.password": "nope" });
      expect(wrong).toThrow(ConfigError);
      expect(wrong).toThrow(
        /ssl.truststore.location: cannot open the JKS store .*trust.jks \(wrong password or damaged file\)/,
      );
    }, 30_000);
  });
});

// explore4 J6: a key store whose key is not its certificate's was taken; the client's TLS context then
// failed at every connection (KEY_VALUES_MISMATCH), reported as "Kafka … is not reachable" for ever.
describe("a key store whose private key is not the key of its first certificate", () => {
  test("is refused in every format, naming the key and never showing the key", async () => {
    await using dir = await tempDir("key-mismatch-");
    await makeRsaCert(dir.path, "own", "own");
    await makeRsaCert(dir.path, "other", "other");
    const cert = await Bun.file(dir.file("own.pem")).text();
    const otherKey = await Bun.file(dir.file("other.key")).text();
    const mixed = await makeMismatchedKeyStores(dir.path, cert, otherKey, "store-pass");
    const refusal = (props: Record<string, string>): ConfigError => {
      try {
        loadTlsMaterial(props, "producer.");
      } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
      }
      throw new Error("the key store was taken");
    };
    const inline = refusal({
      "producer.ssl.keystore.certificate.chain": cert,
      "producer.ssl.keystore.key": otherKey,
    });
    expect(inline.message).toBe(
      "Invalid value for configuration producer.ssl.keystore.key: the private key is not the key of the first certificate in producer.ssl.keystore.certificate.chain",
    );
    expect([...inline.errors.keys()]).toEqual(["producer.ssl.keystore.key"]);
    const stores: Record<string, string>[] = [
      { "producer.ssl.keystore.location": mixed.pem },
      { "producer.ssl.keystore.location": mixed.pkcs12, "producer.ssl.keystore.password": "store-pass" },
      { "producer.ssl.keystore.location": mixed.jks, "producer.ssl.keystore.password": "store-pass" },
    ];
    for (const store of stores) {
      const error = refusal(store);
      const location = store["producer.ssl.keystore.location"];
      expect(error.message).toBe(
        `Invalid value for configuration producer.ssl.keystore.location: the private key in the key store ${location} is not the key of its first certificate`,
      );
      expect([...error.errors.keys()]).toEqual(["producer.ssl.keystore.location"]);
    }
    expect(inline.message).not.toContain("PRIVATE KEY");
    // The matching pair is taken.
    const own = await Bun.file(dir.file("own.key")).text();
    expect(loadTlsMaterial({ "ssl.keystore.certificate.chain": cert, "ssl.keystore.key": own }).key).toBeDefined();
  }, 30_000);
});

// review-sec6 P3-4: a key of a type BoringSSL cannot read (RSA-PSS, Ed448), which it cannot use for
// TLS either, was reported as "not the key of its first certificate", sending the operator after
// the wrong cause.
describe("a key store whose key type the gateway's TLS stack does not support", () => {
  const unsupported = (type: string) =>
    `is of key type ${type}, which this gateway's TLS stack does not support (RSA, Ed25519 and EC keys on P-256, P-384 and P-521 are)`;
  const refusal = (props: Record<string, string>): string => {
    try {
      loadTlsMaterial(props);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error("the key store was taken");
  };

  test.each([
    ["RSA-PSS", [], "RSA-PSS"],
    ["ED448", [], "Ed448"],
    // review-testdup P2-2: "of key type EC, which this gateway's TLS stack does not support (RSA, EC … are)".
    ["EC", ["-pkeyopt", "ec_paramgen_curve:secp256k1"], "EC (curve secp256k1)"],
    // small3: node:crypto reads P-224 keys, so they passed and failed only when TLS started.
    ["EC", ["-pkeyopt", "ec_paramgen_curve:P-224"], "EC (curve P-224)"],
  ])("a key of type %s %p with its certificate is refused naming the key type", async (algorithm, options, type) => {
    await using dir = await tempDir("key-type-");
    await makeCertOfKeyType(dir.path, "own", "own", algorithm, ...options);
    const cert = await Bun.file(dir.file("own.pem")).text();
    const key = await Bun.file(dir.file("own.key")).text();
    expect(refusal({ "ssl.keystore.certificate.chain": cert, "ssl.keystore.key": key })).toBe(
      `Invalid value for configuration ssl.keystore.key: the private key ${unsupported(type)}`,
    );
    const store = dir.file("store.pem");
    await Bun.write(store, key + cert);
    expect(refusal({ "ssl.keystore.location": store })).toBe(
      `Invalid value for configuration ssl.keystore.location: the private key in the key store ${store} ${unsupported(type)}`,
    );
  });

  test("an RSA key under a certificate of an RSA-PSS key names the certificate's key type", async () => {
    await using dir = await tempDir("key-type-");
    await makeCertOfKeyType(dir.path, "pss", "pss", "RSA-PSS");
    await makeRsaCert(dir.path, "rsa", "rsa");
    const cert = await Bun.file(dir.file("pss.pem")).text();
    const key = await Bun.file(dir.file("rsa.key")).text();
    expect(refusal({ "ssl.keystore.certificate.chain": cert, "ssl.keystore.key": key })).toBe(
      `Invalid value for configuration ssl.keystore.certificate.chain: the public key of the first certificate in ssl.keystore.certificate.chain ${unsupported("RSA-PSS")}`,
    );
  });
});

describe("ssl.endpoint.identification.algorithm", () => {
  test.each([
    [undefined, true],
    ["https", true],
    [" HTTPS ", true],
    ["ldaps", true],
    ["", false],
    ["  ", false],
  ])("%p verifies the host name: %p", (value, verify) => {
    const props: Record<string, string> = value === undefined ? {} : { "ssl.endpoint.identification.algorithm": value };
    expect(loadTlsMaterial(props).verifyHostname).toBe(verify);
  });

  // Java's trust manager fails the handshake for an unknown name ("Unknown identification
  // algorithm"); a typo must not turn host name verification off (tlshunt: it did).
  test.each(["htps", "http", "none", "https,"])("%p is an error on the key, not verification off", (value) => {
    let error: unknown;
    try {
      loadTlsMaterial({ "producer.ssl.endpoint.identification.algorithm": value }, "producer.");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...(error as ConfigError).errors.keys()]).toEqual(["producer.ssl.endpoint.identification.algorithm"]);
  });

  // review25: Connect's listeners (SSLUtils' server-side factory) never read the key; a listener
  // refused to start on a value its Java counterpart ignores.
  test("a listener ignores it, as Connect's", () => {
    const props = { "listeners.https.ssl.endpoint.identification.algorithm": "htps" };
    expect(loadTlsMaterial(props, "listeners.https.", "server").verifyHostname).toBe(false);
  });
});

// opshunt2: an encrypted PEM key without its password said "wrong password; check ssl.key.password",
// naming neither the password key under the listener's prefix nor that none was set.
describe("an encrypted PEM key store under a prefix", () => {
  test.each([
    [undefined, "the private key is encrypted and ingest.listeners.https.ssl.key.password is not set"],
    ["not-the-password", "wrong password; check ingest.listeners.https.ssl.key.password"],
  ])("with ssl.key.password %p: names the prefixed password key, never the password", async (password, reason) => {
    await using dir = await tempDir("encrypted-pem-");
    await makeRsaCert(dir.path, "server", "localhost");
    await openssl(dir.path, "pkcs8", "-topk8", "-in", "server.key", "-passout", "pass:key-pass-123", "-out", "enc.key");
    const store = dir.file("store.pem");
    await Bun.write(
      store,
      (await Bun.file(dir.file("enc.key")).text()) + (await Bun.file(dir.file("server.pem")).text()),
    );
    const prefix = "ingest.listeners.https.";
    const props: Record<string, string> = {
      [`${prefix}ssl.keystore.location`]: store,
      [`${prefix}ssl.keystore.type`]: "PEM",
      ...(password === undefined ? {} : { [`${prefix}ssl.key.password`]: password }),
    };
    expect(() => loadTlsMaterial(props, prefix, "server")).toThrow(
      new ConfigError(
        `Invalid value for configuration ${prefix}ssl.keystore.location: Failed to load PEM SSL keystore ${store}: Invalid PEM keystore configs: cannot decrypt the private key (${reason})`,
      ),
    );
  });
});
