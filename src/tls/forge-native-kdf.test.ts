import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import forge from "node-forge";
import { makePkcs12Stores, makeRsaCert, type Pkcs12Maker } from "../../test/support/pkcs12-stores.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { withForgeJavaScriptKdf } from "./forge-native-kdf.ts";
import { loadTlsMaterial } from "./key-stores.ts";
import "./store-formats.ts";

type Kdf = (...args: unknown[]) => unknown;
const pbkdf2 = () => forge.pkcs5.pbkdf2 as unknown as Kdf;
const pbeKey = () => (forge as unknown as { pbe: { generatePkcs12Key: Kdf } }).pbe.generatePkcs12Key;
const macKey = () => (forge.pkcs12 as unknown as { generateKey: Kdf }).generateKey;

/** A deterministic binary string of `length` bytes. */
function bytes(length: number, seed = 11): string {
  return String.fromCharCode(...Array.from({ length }, (_, i) => (i * 37 + seed) & 0xff));
}

/** What a call returns (as hex for forge's binary strings and buffers) or the message it throws. */
function outcome(fn: () => unknown): { value: unknown } | { error: string } {
  try {
    const value = fn();
    if (typeof value === "string") return { value: forge.util.bytesToHex(value) };
    if (value instanceof forge.util.ByteStringBuffer) return { value: value.toHex() };
    return { value };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The call's outcome with the installed derivations and with forge's own (the reference). */
function both(fn: () => unknown) {
  return { native: outcome(fn), forge: withForgeJavaScriptKdf(() => outcome(fn)) };
}

const DIGESTS = ["md5", "sha1", "sha256", "sha384", "sha512"] as const;
const createMd = (name: (typeof DIGESTS)[number]) => forge.md[name].create();

describe("installForgeNativeKdf", () => {
  test("replaces forge's PBKDF2 and PKCS#12 key derivations (forge's own are kept for the reference)", () => {
    const installed = [pbkdf2(), pbeKey(), macKey()];
    const own = withForgeJavaScriptKdf(() => [pbkdf2(), pbeKey(), macKey()]);
    for (const [i, fn] of installed.entries()) expect(fn).not.toBe(own[i]);
    expect([pbkdf2(), pbeKey(), macKey()]).toEqual(installed);
  });

  describe("PBKDF2 (forge.pkcs5.pbkdf2)", () => {
    const cases = DIGESTS.flatMap((digest) =>
      [
        { password: bytes(12), salt: bytes(8, 3), iterations: 1, keyBytes: 32 },
        { password: bytes(200), salt: bytes(20, 5), iterations: 7, keyBytes: 100 },
        { password: "", salt: "", iterations: 3, keyBytes: 1 },
        { password: "pässwörd", salt: bytes(16), iterations: 2, keyBytes: 24 },
        // U+20AC is not one byte: forge's own JavaScript runs (same result by construction).
        { password: "pässwörd€", salt: bytes(16), iterations: 2, keyBytes: 32 },
      ].map((c) => ({ digest, ...c })),
    );
    test.each(cases)("$digest, $iterations iterations, $keyBytes bytes", (c) => {
      const result = both(() => pbkdf2()(c.password, c.salt, c.iterations, c.keyBytes, createMd(c.digest)));
      expect("value" in result.native).toBe(true);
      expect(result.native).toEqual(result.forge);
    });

    test("a digest name, a missing digest and a zero count behave as forge's", () => {
      for (const args of [
        [bytes(10), bytes(8), 5, 20, "sha256"],
        [bytes(10), bytes(8), 5, 20],
        [bytes(10), bytes(8), 0, 20, createMd("sha256")],
      ]) {
        const result = both(() => pbkdf2()(...args));
        expect(result.native).toEqual(result.forge);
      }
    });
  });

  describe("PKCS#12 key derivation (RFC 7292 B.2)", () => {
    const passwords = [null, undefined, "", "store-pass", "pässwörd€", "𝄞 surrogate pair", "x".repeat(70)];
    const cases = DIGESTS.flatMap((digest) =>
      passwords.map((password, i) => ({
        digest,
        password,
        label: JSON.stringify(password) ?? "undefined",
        salt: bytes([0, 8, 20, 65][i % 4] as number, i),
        id: (i % 3) + 1,
        iterations: (i % 3) + 1,
        keyBytes: [5, 8, 20, 24, 32, 64, 100][i] as number,
      })),
    );
    test.each(cases)("$digest, password $label, id $id, $keyBytes bytes", (c) => {
      for (const kdf of [pbeKey, macKey]) {
        const result = both(() =>
          kdf()(c.password, forge.util.createBuffer(c.salt), c.id, c.iterations, c.keyBytes, createMd(c.digest)),
        );
        expect("value" in result.native).toBe(true);
        expect(result.native).toEqual(result.forge);
      }
    });

    test("no digest means SHA-1, and fewer than one iteration fails with forge's message", () => {
      const salt = () => forge.util.createBuffer(bytes(8));
      const sha1 = both(() => macKey()("pw", salt(), 3, 2048, 20));
      expect(sha1.native).toEqual(sha1.forge);
      const zero = both(() => macKey()("pw", salt(), 3, 0, 20));
      expect(zero.native).toEqual({ error: "PKCS#12 key derivation iteration count must be >= 1." });
      expect(zero.native).toEqual(zero.forge);
    });
  });
});

describe("PKCS12 stores through loadTlsMaterial", () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir("pkcs12-kdf-");
    await makeRsaCert(dir.path, "server", "127.0.0.1");
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  const load = (location: string, password: string, trust: boolean) =>
    loadTlsMaterial(
      trust
        ? { "ssl.truststore.location": location, "ssl.truststore.password": password }
        : { "ssl.keystore.location": location, "ssl.keystore.password": password },
    );

  // Java 17's keytool refuses PKCS12 passwords that are not ASCII or shorter than 6 characters
  // (see makePkcs12Stores).
  const stores: { maker: Pkcs12Maker; password: string }[] = [
    { maker: "keytool", password: "store-pass-1" },
    { maker: "openssl", password: "store-pass-1" },
    { maker: "openssl", password: "pässwörd" },
    { maker: "openssl", password: "pässwörd-秘密" },
    { maker: "openssl", password: "𝄞 surrogate pair" },
    { maker: "openssl", password: "" },
    { maker: "openssl-legacy", password: "store-pass-1" },
    { maker: "openssl-legacy", password: "pässwörd" },
    { maker: "openssl-legacy", password: "pässwörd-秘密" },
    { maker: "openssl-legacy", password: "" },
  ];

  test.each(stores)("$maker with password '$password': opens, same PEM and errors as forge's own", async (s) => {
    const made = await makePkcs12Stores(dir.path, s.maker, s.password, {
      prefix: `${s.maker}-${stores.indexOf(s)}`,
      certName: "server",
      caCert: dir.file("server.pem"),
    });
    const key = both(() => load(made.keyStore, s.password, false));
    const trust = both(() => load(made.trustStore, s.password, true));
    expect(key.native).toEqual(key.forge);
    expect(trust.native).toEqual(trust.forge);
    // PBES2 bags (OpenSSL 3's default, keytool's) open with any password: their key comes from the
    // password's UTF-8 bytes, as OpenSSL derived it (forge-utf8-passwords.ts).
    if (!("value" in key.native && "value" in trust.native)) throw new Error(JSON.stringify([key, trust]));
    const material = key.native.value as { key: string; cert: string };
    expect(material.key).toStartWith("-----BEGIN RSA PRIVATE KEY-----");
    expect(material.cert).toStartWith("-----BEGIN CERTIFICATE-----");
    if (s.maker !== "keytool") {
      // The very key and certificate that openssl exported.
      const ownKey = forge.pki.privateKeyFromPem(await Bun.file(dir.file("server.key")).text());
      expect(material.key).toBe(forge.pki.privateKeyToPem(ownKey));
      expect(material.cert.replaceAll("\r\n", "\n").trim()).toBe(
        (await Bun.file(dir.file("server.pem")).text()).trim(),
      );
    }
    expect((trust.native.value as { ca: string[] }).ca).toHaveLength(1);

    const wrongKey = both(() => load(made.keyStore, "wrong-pass", false));
    const wrongTrust = both(() => load(made.trustStore, "wrong-pass", true));
    expect(wrongKey.native).toEqual({
      error: `Invalid value for configuration ssl.keystore.location: cannot open the PKCS12 store ${made.keyStore} (wrong password or not PKCS12): PKCS#12 MAC could not be verified. Invalid password?`,
    });
    expect(wrongKey.native).toEqual(wrongKey.forge);
    expect(wrongTrust.native).toEqual(wrongTrust.forge);
  });
});
