import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { DEFAULT_TLS12_CIPHERS, secureOptionsFor, tlsProtocolSettings } from "./tls-protocols.ts";

const P = "listeners.https.";

describe("tlsProtocolSettings", () => {
  test("defaults to TLS 1.2 and 1.3 with forward-secret AEAD suites only", () => {
    const settings = tlsProtocolSettings({}, P);
    expect(settings).toEqual({
      minVersion: "TLSv1.2",
      maxVersion: "TLSv1.3",
      ciphers: DEFAULT_TLS12_CIPHERS.join(":"),
    });
    for (const cipher of settings.ciphers.split(":")) expect(cipher).toMatch(/^ECDHE-.*(GCM|CHACHA20-POLY1305)/);
    expect(secureOptionsFor(settings)).toBe(0);
  });

  test.each([
    ["TLSv1.3", { minVersion: "TLSv1.3", maxVersion: "TLSv1.3" }, 0x08000000],
    ["TLSv1.2", { minVersion: "TLSv1.2", maxVersion: "TLSv1.2" }, 0x20000000],
    ["TLSv1.3, TLSv1.2", { minVersion: "TLSv1.2", maxVersion: "TLSv1.3" }, 0],
  ])("ssl.enabled.protocols=%s", (protocols, range, secureOptions) => {
    const settings = tlsProtocolSettings({ [`${P}ssl.enabled.protocols`]: protocols }, P);
    expect(settings).toMatchObject(range);
    expect(secureOptionsFor(settings)).toBe(secureOptions);
  });

  test("maps Java suite names to OpenSSL names and keeps OpenSSL names", () => {
    const settings = tlsProtocolSettings(
      {
        "ssl.cipher.suites":
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ECDHE-RSA-CHACHA20-POLY1305, TLS_RSA_WITH_AES_128_CBC_SHA",
      },
      "",
    );
    // No TLS 1.3 suite listed: as in Java, TLS 1.3 cannot be negotiated.
    expect(settings).toEqual({
      minVersion: "TLSv1.2",
      maxVersion: "TLSv1.2",
      ciphers: "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:AES128-SHA",
    });
  });

  test("only TLS 1.3 suites (all three) switch TLS 1.2 off", () => {
    const settings = tlsProtocolSettings(
      { "ssl.cipher.suites": "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256" },
      "",
    );
    expect(settings).toMatchObject({ minVersion: "TLSv1.3", maxVersion: "TLSv1.3" });
  });

  test.each([
    [{ [`${P}ssl.enabled.protocols`]: "TLSv1.1,TLSv1.2" }, `${P}ssl.enabled.protocols`, "TLSv1.1 is not supported"],
    [{ [`${P}ssl.cipher.suites`]: "TLS_DHE_RSA_WITH_DES_CBC_SHA" }, `${P}ssl.cipher.suites`, "unknown or unsupported"],
    [
      { [`${P}ssl.cipher.suites`]: "TLS_AES_256_GCM_SHA384" },
      `${P}ssl.cipher.suites`,
      "TLS 1.3 suites cannot be restricted",
    ],
    [
      { [`${P}ssl.enabled.protocols`]: "TLSv1.3", [`${P}ssl.cipher.suites`]: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
      `${P}ssl.cipher.suites`,
      "no cipher suite is left",
    ],
  ])("refuses %j naming %s", (props, key, reason) => {
    let error: unknown;
    try {
      tlsProtocolSettings(props, P);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...(error as ConfigError).errors.keys()]).toEqual([key]);
    expect((error as ConfigError).message).toContain(reason);
  });
});

// tlshunt: ssl.protocol was ignored (TLS 1.3 was used with ssl.protocol=TLSv1.2; a name Java has no
// SSLContext for was accepted).
describe("ssl.protocol", () => {
  test("TLSv1.2 keeps TLS 1.3 off, as Kafka documents; TLS and TLSv1.3 allow both", () => {
    expect(tlsProtocolSettings({ "ssl.protocol": "TLSv1.2" }).maxVersion).toBe("TLSv1.2");
    expect(tlsProtocolSettings({ "ssl.protocol": "tlsv1.2" }).maxVersion).toBe("TLSv1.2");
    for (const protocol of ["TLS", "TLSv1.3", "", "SSL", "ssl"])
      expect(tlsProtocolSettings({ "ssl.protocol": protocol })).toEqual(tlsProtocolSettings({}));
  });

  test.each([
    [{ "ssl.protocol": "TLSv1.9" }],
    [{ "ssl.protocol": "TLSv1.1" }],
    [{ "ssl.protocol": "SSLv3" }],
    [{ "ssl.protocol": "TLSv1.2", "ssl.enabled.protocols": "TLSv1.3" }],
  ])("%p is an error on ssl.protocol", (props) => {
    let error: unknown;
    try {
      tlsProtocolSettings(props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([...(error as ConfigError).errors.keys()]).toEqual(["ssl.protocol"]);
  });

  // review25: a Java server's SSLContext does not limit what it accepts (JDK 17: a TLSv1.2, TLSv1.1 or
  // SSLv3 context with ssl.enabled.protocols=TLSv1.2,TLSv1.3 negotiates TLS 1.3), and SSL is Java's
  // alias of TLS; the listeners turned TLS 1.3 off, or refused to start, and clients refused SSL.
  test("a listener's ssl.protocol names a Java SSLContext but does not limit the protocols", () => {
    for (const protocol of ["TLSv1.2", "tlsv1.1", "TLSv1", "SSLv3", "SSL", "TLS"])
      expect(tlsProtocolSettings({ [`${P}ssl.protocol`]: protocol }, P, "server")).toEqual(tlsProtocolSettings({}, P));
    expect(() => tlsProtocolSettings({ [`${P}ssl.protocol`]: "TLSv1.9" }, P, "server")).toThrow(ConfigError);
  });
});
