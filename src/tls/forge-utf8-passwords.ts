/**
 * node-forge's password-based decryption of keys with the password's UTF-8 bytes, as OpenSSL and
 * Java derive the key. Installed once by `store-formats.ts`, so it holds for:
 * - PBES2 (PKCS #5 v2, PBKDF2): every PKCS12 bag (`openssl pkcs12 -export` in OpenSSL 3 and keytool
 *   both write PBES2/AES bags) and every encrypted PKCS#8 PEM key (`BEGIN ENCRYPTED PRIVATE KEY`,
 *   `openssl pkcs8 -topk8 -v2 aes-256-cbc`);
 * - OpenSSL's traditional encrypted PEM keys (`Proc-Type: 4,ENCRYPTED` with `DEK-Info`, from
 *   `openssl genrsa -aes256` or `openssl rsa -aes256 -traditional`), whose key is EVP_BytesToKey
 *   (MD5) of the password and the IV's first 8 bytes (forge's `pbe.opensslDeriveBytes`).
 *
 * Why: forge hands the JavaScript string to PBKDF2 and to EVP_BytesToKey as a binary string (one
 * byte per character, the low 8 bits), so a password with a character outside ASCII derived a
 * different key from the one OpenSSL used and the key did not open. OpenSSL takes the password
 * bytes as given (UTF-8 from a UTF-8 terminal or argument); Java's PBKDF2 encodes the password as
 * UTF-8. For ASCII passwords the bytes are the same.
 *
 * Not changed: the PKCS#12 MAC and the legacy PKCS#12 PBE (3DES, RC2) derive from the password as
 * a BMPString (UTF-16BE), which forge already does as OpenSSL and Java do.
 */
import forge from "node-forge";

type GetCipher = (oid: string, params: unknown, password: unknown) => unknown;
type DeriveBytes = (password: unknown, salt: unknown, dkLen: number, md?: unknown) => string;
interface PbeHolder {
  getCipherForPBES2: GetCipher;
  opensslDeriveBytes: DeriveBytes;
}

// forge.pki.pbe and forge.pbe are one object; forge calls both functions through it.
const pbe = (forge.pki as unknown as { pbe: PbeHolder }).pbe;

/** forge's own functions, as found before installing. */
const original = { getCipherForPBES2: pbe.getCipherForPBES2, opensslDeriveBytes: pbe.opensslDeriveBytes };

/** A string password as the binary string of its UTF-8 bytes; anything else unchanged. */
const utf8Bytes = (password: unknown): unknown =>
  typeof password === "string" ? Buffer.from(password, "utf8").toString("latin1") : password;

/** forge's pki.pbe.getCipherForPBES2 with a string password turned into its UTF-8 bytes. */
function getCipherForPBES2(this: unknown, oid: string, params: unknown, password: unknown): unknown {
  return Reflect.apply(original.getCipherForPBES2, this, [oid, params, utf8Bytes(password)]);
}

/** forge's pbe.opensslDeriveBytes (EVP_BytesToKey) with a string password as its UTF-8 bytes. */
function opensslDeriveBytes(this: unknown, password: unknown, ...rest: unknown[]): string {
  return Reflect.apply(original.opensslDeriveBytes, this, [utf8Bytes(password), ...rest]);
}

/** Makes forge derive PBES2 and traditional PEM keys from the password's UTF-8 bytes (idempotent). */
export function installForgeUtf8Passwords(): void {
  pbe.getCipherForPBES2 = getCipherForPBES2;
  pbe.opensslDeriveBytes = opensslDeriveBytes;
}
