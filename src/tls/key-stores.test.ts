import { describe, expect, test } from "bun:test";
import { openssl } from "../../test/support/command.ts";
import { makeDevicePki } from "../../test/support/device-pki.ts";
import { tempDir } from "../../test/support/temp-dir.ts";
import { ConfigError } from "../errors.ts";
import { loadTlsMaterial } from "./key-stores.ts";

async function keytool(...args: string[]): Promise<void> {
  const proc = Bun.spawn(["keytool", ...args], { stdout: "pipe", stderr: "pipe" });
  if ((await proc.exited) !== 0) throw new Error(`keytool failed: ${await new Response(proc.stdout).text()}`);
}

describe("loadTlsMaterial", () => {
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
