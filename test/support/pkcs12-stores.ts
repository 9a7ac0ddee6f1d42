/**
 * PKCS12 key and trust stores made at test time the ways users make them: Java's keytool (PBES2
 * with PBKDF2-HMAC-SHA256 and AES-256, HmacPBESHA256 MAC, 10,000 iterations each), `openssl pkcs12
 * -export` (OpenSSL 3: PBES2/AES-256, SHA-256 MAC, 2,048 iterations) and `openssl pkcs12 -export
 * -legacy` (3DES for the key, 40-bit RC2 for the certificates, SHA-1 MAC: the PKCS#12 key
 * derivation). Keys are RSA: node-forge reads only RSA private keys out of PKCS12.
 * Used by src/tls/forge-native-kdf.test.ts and bench/pkcs12-load.ts.
 */
import { join } from "node:path";
import { runCommand } from "./command.ts";

export { makeRsaCert } from "./tls.ts";

export type Pkcs12Maker = "keytool" | "openssl" | "openssl-legacy";

export interface Pkcs12Stores {
  /** Private key (RSA 2048) and its self-signed certificate. */
  readonly keyStore: string;
  /** Only the CA certificate (a trusted-certificate entry for keytool). */
  readonly trustStore: string;
}

/** Non-ASCII arguments reach keytool (Java) and openssl as UTF-8. */
const UTF8 = { LC_ALL: "C.UTF-8", LANG: "C.UTF-8" };

function keytool(dir: string, ...args: string[]): Promise<string> {
  return runCommand(dir, ["env", `LC_ALL=${UTF8.LC_ALL}`, `LANG=${UTF8.LANG}`, "keytool", ...args]);
}

/**
 * Makes `<prefix>-key.p12` and `<prefix>-trust.p12` in `dir` with `maker` and `password`; the trust
 * store holds `caCert` (a PEM file in `dir`). keytool generates its own key pair (it cannot import a
 * PEM key); openssl exports `<certName>.pem`/`.key` (see makeRsaCert).
 */
export async function makePkcs12Stores(
  dir: string,
  maker: Pkcs12Maker,
  password: string,
  options: { readonly prefix: string; readonly certName: string; readonly caCert: string },
): Promise<Pkcs12Stores> {
  const keyStore = join(dir, `${options.prefix}-key.p12`);
  const trustStore = join(dir, `${options.prefix}-trust.p12`);
  if (maker === "keytool") {
    // Java 17's keytool refuses a PKCS12 password that is not printable ASCII ("Password is not
    // ASCII") or is shorter than 6 characters, so non-ASCII stores come from openssl only.
    const common = ["-storetype", "PKCS12", "-storepass", password, "-noprompt"];
    await keytool(
      dir,
      "-genkeypair",
      "-alias",
      "server",
      "-keyalg",
      "RSA",
      "-keysize",
      "2048",
      "-validity",
      "2",
      "-dname",
      "CN=127.0.0.1",
      "-keystore",
      keyStore,
      ...common,
    );
    await keytool(dir, "-importcert", "-alias", "ca", "-file", options.caCert, "-keystore", trustStore, ...common);
  } else {
    const legacy = maker === "openssl-legacy" ? ["-legacy"] : [];
    const pkcs12Export = (...args: string[]) =>
      runCommand(dir, [
        "env",
        `LC_ALL=${UTF8.LC_ALL}`,
        "openssl",
        "pkcs12",
        "-export",
        ...legacy,
        ...args,
        "-passout",
        `pass:${password}`,
      ]);
    await pkcs12Export(
      "-in",
      `${options.certName}.pem`,
      "-inkey",
      `${options.certName}.key`,
      "-name",
      "server",
      "-out",
      keyStore,
    );
    await pkcs12Export("-nokeys", "-in", options.caCert, "-out", trustStore);
  }
  return { keyStore, trustStore };
}
