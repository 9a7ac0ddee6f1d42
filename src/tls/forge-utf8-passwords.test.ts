import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import forge from "node-forge";
import { runCommand } from "../../test/support/command.ts";
import { makeRsaCert } from "../../test/support/pkcs12-stores.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { loadTlsMaterial } from "./key-stores.ts";

const PASSWORD = "pässwörd-秘密";

describe("PBES2 with the password's UTF-8 bytes", () => {
  let dir: TempDir;
  let ownKey: string;
  beforeAll(async () => {
    dir = await tempDir("pbes2-utf8-");
    await makeRsaCert(dir.path, "server", "127.0.0.1");
    ownKey = forge.pki.privateKeyToPem(forge.pki.privateKeyFromPem(await Bun.file(dir.file("server.key")).text()));
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  /** `server.key` encrypted as PKCS#8 by openssl with `scheme` (`-v2 <cipher>` or `-v1 <PBE>`). */
  async function encryptedKey(out: string, password: string, ...scheme: string[]): Promise<string> {
    await runCommand(dir.path, [
      "env",
      "LC_ALL=C.UTF-8",
      "openssl",
      "pkcs8",
      "-topk8",
      ...scheme,
      "-in",
      "server.key",
      "-out",
      out,
      "-passout",
      `pass:${password}`,
    ]);
    return Bun.file(dir.file(out)).text();
  }

  const inline = async (pem: string, password: string) =>
    loadTlsMaterial({
      "ssl.keystore.certificate.chain": await Bun.file(dir.file("server.pem")).text(),
      "ssl.keystore.key": pem,
      "ssl.key.password": password,
    });

  test.each([
    { scheme: ["-v2", "aes-256-cbc"], label: "PBES2 AES-256 (OpenSSL 3's default)" },
    { scheme: ["-v2", "des3"], label: "PBES2 3DES" },
    { scheme: ["-v1", "PBE-SHA1-3DES"], label: "PKCS#12 PBE 3DES (BMPString password)" },
  ])("an encrypted PEM key made by openssl with $label and a non-ASCII password decrypts", async (c) => {
    const pem = await encryptedKey(`key-${c.scheme.join("-")}.pem`, PASSWORD, ...c.scheme);
    expect(pem).toStartWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    expect((await inline(pem, PASSWORD)).key).toBe(ownKey);
    await expect(inline(pem, "pässwörd-秘")).rejects.toThrow(
      "Invalid value for configuration ssl.keystore.key: cannot decrypt the private key (check ssl.key.password)",
    );
  });

  test("an ASCII password still decrypts a PBES2 PEM key", async () => {
    const pem = await encryptedKey("key-ascii.pem", "key-pass-1", "-v2", "aes-128-cbc");
    expect((await inline(pem, "key-pass-1")).key).toBe(ownKey);
  });

  // Why the PKCS12 table in forge-native-kdf.test.ts has no non-ASCII keytool store: Java 17's
  // keytool cannot make one (its PBE key factory takes printable ASCII only).
  test("keytool refuses a non-ASCII PKCS12 store password", async () => {
    const proc = Bun.spawn(
      ["keytool", "-genkeypair", "-storetype", "PKCS12", "-storepass", PASSWORD, "-keystore", dir.file("k.p12")].concat(
        ["-alias", "s", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=x", "-noprompt"],
      ),
      { env: { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" }, stdout: "pipe", stderr: "pipe" },
    );
    const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    expect({ code, refused: out.includes("Password is not ASCII") }).toEqual({ code: 1, refused: true });
  });
});
