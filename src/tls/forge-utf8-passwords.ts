/**
 * PBES2 (PKCS #5 v2, PBKDF2) decryption in node-forge with the password's UTF-8 bytes, as OpenSSL
 * and Java derive the key. Installed once by `store-formats.ts`, so it holds for every PKCS12 bag
 * (`openssl pkcs12 -export` in OpenSSL 3 and keytool both write PBES2/AES bags) and every encrypted
 * PKCS#8 PEM key (`openssl pkcs8 -topk8 -v2 aes-256-cbc`).
 *
 * Why: forge hands the JavaScript string to PBKDF2 as a binary string (one byte per character,
 * the low 8 bits), so a password with a character outside ASCII derived a different key from the
 * one OpenSSL used and the store did not open. OpenSSL takes the password bytes as given (UTF-8
 * from a UTF-8 terminal or argument); Java's PBKDF2 encodes the password as UTF-8 (Java 17's keytool
 * itself refuses non-ASCII PKCS12 passwords). For ASCII passwords the bytes are the same.
 *
 * Not changed: the PKCS#12 MAC and the legacy PKCS#12 PBE (3DES, RC2) derive from the password as
 * a BMPString (UTF-16BE), which forge already does as OpenSSL and Java do.
 */
import forge from "node-forge";

type GetCipher = (oid: string, params: unknown, password: unknown) => unknown;
interface PbeHolder {
  getCipherForPBES2: GetCipher;
}

const pbe = (forge.pki as unknown as { pbe: PbeHolder }).pbe;

/** forge's own PBES2 cipher factory, as found before installing. */
const original = pbe.getCipherForPBES2;

/** forge's pki.pbe.getCipherForPBES2 with a string password turned into its UTF-8 bytes. */
function getCipherForPBES2(this: unknown, oid: string, params: unknown, password: unknown): unknown {
  const bytes = typeof password === "string" ? Buffer.from(password, "utf8").toString("latin1") : password;
  return Reflect.apply(original, this, [oid, params, bytes]);
}

/** Makes forge's PBES2 decryption derive its key from the password's UTF-8 bytes (idempotent). */
export function installForgePbes2Utf8(): void {
  pbe.getCipherForPBES2 = getCipherForPBES2;
}
