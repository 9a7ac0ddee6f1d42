import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPrivateKey } from "node:crypto";
import forge from "node-forge";
import { runCommand } from "../../test/support/command.ts";
import { makeRsaCert } from "../../test/support/pkcs12-stores.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { loadTlsMaterial as loadHttpTlsMaterial } from "../http/tls-material.ts";
import { loadTlsMaterial } from "./key-stores.ts";

const PASSWORD = "pässwörd-秘密";

describe("forge key decryption with the password's UTF-8 bytes", () => {
  let dir: TempDir;
  let ownKey: string;
  beforeAll(async () => {
    dir = await tempDir("utf8-passwords-");
    await makeRsaCert(dir.path, "server", "127.0.0.1");
    ownKey = forge.pki.privateKeyToPem(forge.pki.privateKeyFromPem(await Bun.file(dir.file("server.key")).text()));
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  /** `server.key` encrypted as PKCS#8 by openssl with `scheme` (`-v2 <cipher>` or `-v1 <PBE>`). */
  async function encryptedKey(out: string, password: string, ...scheme: string[]): Promise<string> {
    return encryptedKeyOf("server.key", out, password, ...scheme);
  }

  /** `key` (a file of `dir`) encrypted as PKCS#8 by openssl with `scheme`. */
  async function encryptedKeyOf(key: string, out: string, password: string, ...scheme: string[]): Promise<string> {
    await runCommand(dir.path, [
      "env",
      "LC_ALL=C.UTF-8",
      "openssl",
      "pkcs8",
      "-topk8",
      ...scheme,
      "-in",
      key,
      "-out",
      out,
      "-passout",
      `pass:${password}`,
    ]);
    return Bun.file(dir.file(out)).text();
  }

  /** A key store of `pem` (the key of `certificate`, a file of `dir`) with `password`. */
  const inline = async (pem: string, password: string, certificate = "server.pem") =>
    loadTlsMaterial({
      "ssl.keystore.certificate.chain": await Bun.file(dir.file(certificate)).text(),
      "ssl.keystore.key": pem,
      "ssl.key.password": password,
    });

  // Kafka's PEM key store reads encrypted PKCS#8 EC keys (what openssl and keytool make for EC);
  // forge reads RSA keys only, so node:crypto decrypts the others (tlshunt: they were refused).
  test.each(["ec-pass-1", PASSWORD])(
    "an encrypted EC key decrypts (password %p); a wrong password is refused as such",
    async (password) => {
      await runCommand(dir.path, ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"]);
      const pem = await encryptedKeyOf("ec.pem", "ec-enc.pem", password, "-v2", "aes-256-cbc");
      const plain = createPrivateKey(await Bun.file(dir.file("ec.pem")).text());
      // Its own certificate: a key store whose key is not its certificate's is refused (key-stores.test.ts).
      await runCommand(dir.path, [
        "openssl",
        "req",
        "-x509",
        "-key",
        "ec.pem",
        "-subj",
        "/CN=ec",
        "-out",
        "ec-cert.pem",
      ]);
      const { key } = await inline(pem, password, "ec-cert.pem");
      expect(createPrivateKey(key ?? "").export({ format: "jwk" })).toEqual(plain.export({ format: "jwk" }));
      await expect(inline(pem, "not-the-password", "ec-cert.pem")).rejects.toThrow(
        "Invalid value for configuration ssl.keystore.key: Invalid PEM keystore configs: cannot decrypt the private key (wrong password",
      );
    },
  );

  test.each([
    { scheme: ["-v2", "aes-256-cbc"], label: "PBES2 AES-256 (OpenSSL 3's default)" },
    { scheme: ["-v2", "des3"], label: "PBES2 3DES" },
    { scheme: ["-v1", "PBE-SHA1-3DES"], label: "PKCS#12 PBE 3DES (BMPString password)" },
  ])("an encrypted PEM key made by openssl with $label and a non-ASCII password decrypts", async (c) => {
    const pem = await encryptedKey(`key-${c.scheme.join("-")}.pem`, PASSWORD, ...c.scheme);
    expect(pem).toStartWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    expect((await inline(pem, PASSWORD)).key).toBe(ownKey);
    await expect(inline(pem, "pässwörd-秘")).rejects.toThrow(
      "Invalid value for configuration ssl.keystore.key: Invalid PEM keystore configs: cannot decrypt the private key (wrong password",
    );
  });

  test("an ASCII password still decrypts a PBES2 PEM key", async () => {
    const pem = await encryptedKey("key-ascii.pem", "key-pass-1", "-v2", "aes-128-cbc");
    expect((await inline(pem, "key-pass-1")).key).toBe(ownKey);
  });

  /** `server.key` as a traditional `Proc-Type: 4,ENCRYPTED` PEM key, encrypted by openssl. */
  async function traditionalKey(out: string, password: string, cipher: string): Promise<string> {
    await runCommand(dir.path, [
      "env",
      "LC_ALL=C.UTF-8",
      "openssl",
      "rsa",
      "-in",
      "server.key",
      `-${cipher}`,
      "-traditional",
      "-out",
      out,
      "-passout",
      `pass:${password}`,
    ]);
    return Bun.file(dir.file(out)).text();
  }

  describe("a traditional encrypted PEM key (EVP_BytesToKey) made by openssl", () => {
    const cases = [
      { cipher: "aes256", dek: "AES-256-CBC", password: PASSWORD },
      { cipher: "des3", dek: "DES-EDE3-CBC", password: "pässwörd" },
      { cipher: "aes128", dek: "AES-128-CBC", password: "key-pass-1" },
    ];

    test.each(cases)("$dek with password '$password' decrypts inline", async (c) => {
      const pem = await traditionalKey(`trad-${c.cipher}.pem`, c.password, c.cipher);
      expect(pem).toStartWith("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n");
      expect(pem).toContain(`DEK-Info: ${c.dek},`);
      expect((await inline(pem, c.password)).key).toBe(ownKey);
      await expect(inline(pem, `${c.password}x`)).rejects.toThrow(
        "Invalid value for configuration ssl.keystore.key: Invalid PEM keystore configs: cannot decrypt the private key (wrong password",
      );
    });

    test.each(cases)("$dek with password '$password' decrypts from a PEM key store file", async (c) => {
      const pem = await traditionalKey(`trad-file-${c.cipher}.pem`, c.password, c.cipher);
      const store = dir.file(`trad-store-${c.cipher}.pem`);
      await Bun.write(store, `${pem}${await Bun.file(dir.file("server.pem")).text()}`);
      const listener = loadTlsMaterial({ "ssl.keystore.location": store, "ssl.key.password": c.password });
      expect(listener.key).toBe(ownKey);
      const outbound = loadHttpTlsMaterial({ keystore: { location: store, type: "PEM" }, keyPassword: c.password });
      expect(outbound.key).toBe(ownKey);
      expect(() => loadHttpTlsMaterial({ keystore: { location: store }, keyPassword: "pässwörd-x" })).toThrow(
        "Invalid value for configuration http.ssl.key.password: cannot decrypt the PEM private key (wrong password",
      );
    });
  });
});
