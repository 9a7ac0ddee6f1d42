/**
 * The parts of reading key and trust stores that do not depend on where the settings come from:
 * reading a store's file (bounded), recognising its format, splitting PEM text, and taking
 * certificates and the private key out of a PKCS12 store (node-forge). Used by the listener/Kafka reader (`key-stores.ts`) and the
 * outbound HTTP reader (`../http/tls-material.ts`), which each name their own keys in errors.
 * Importing it routes forge's password-based key derivations to node:crypto (`forge-native-kdf.ts`):
 * same results, without seconds of JavaScript hashing on the event loop; and makes PBES2 and
 * traditional encrypted PEM keys derive their key from the password's UTF-8 bytes, as OpenSSL and
 * Java do (`forge-utf8-passwords.ts`).
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { readBoundedFile, TLS_FILE_MAX_BYTES } from "../util/bounded-file.ts";
import { throwInvalidKey } from "../util/invalid-value.ts";
import { installForgeNativeKdf } from "./forge-native-kdf.ts";
import { installForgeUtf8Passwords } from "./forge-utf8-passwords.ts";
import { certificateKeyType, isUnsupportedTlsCurve, privateKeyType, unsupportedKeyTypeReason } from "./key-type.ts";

installForgeNativeKdf();
installForgeUtf8Passwords();

export type StoreType = "JKS" | "PKCS12" | "PEM";

/**
 * A store or PEM file's bytes (at most TLS_FILE_MAX_BYTES); one it cannot read fails on `key`, with
 * the reason, and so does an empty one (a file truncated while being replaced): otherwise taken for
 * a PKCS12 store and refused for its password.
 */
export function readStoreFile(key: string, path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(path, TLS_FILE_MAX_BYTES);
  } catch (error) {
    throwInvalidKey(key, `cannot read ${path}: ${(error as Error).message}`, error);
  }
  if (bytes.length === 0) throwInvalidKey(key, `${path} is empty`);
  return bytes;
}

/**
 * The store's type as declared (case-insensitive), else recognised from its first bytes (JKS magic,
 * a PEM armour line, otherwise PKCS12). Returns `{ unsupported }` for a declared type it does not know.
 */
export function detectStoreType(declared: string | undefined, bytes: Buffer): StoreType | { unsupported: string } {
  const upper = declared?.trim().toUpperCase();
  if (upper === "JKS" || upper === "PKCS12" || upper === "PEM") return upper;
  if (upper) return { unsupported: declared as string };
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0xfeedfeed) return "JKS";
  if (bytes.subarray(0, 4096).toString("latin1").includes("-----BEGIN")) return "PEM";
  return "PKCS12";
}

/** The armour lines of each kind of PEM block (any private key flavour: PKCS8, RSA, EC, encrypted). */
const ARMOUR = {
  CERTIFICATE: ["-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"],
  "X509 CRL": ["-----BEGIN X509 CRL-----", "-----END X509 CRL-----"],
  "PRIVATE KEY": ["-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----", "-----END (?:[A-Z ]+ )?PRIVATE KEY-----"],
} as const;

/**
 * The PEM blocks of one kind in `text`: each BEGIN line through the first END line after it, the
 * blocks `/BEGIN[\s\S]*?END/g` matches. Found marker by marker: that one pattern rescanned the rest
 * of the text from every BEGIN line lacking an END (quadratic: a 1 MB inline store of BEGIN lines
 * held the event loop for about a minute). No END after one BEGIN means none after any later one.
 */
export function splitPem(text: string, kind: "CERTIFICATE" | "PRIVATE KEY" | "X509 CRL"): string[] {
  const begin = new RegExp(ARMOUR[kind][0], "g");
  const end = new RegExp(ARMOUR[kind][1], "g");
  const blocks: string[] = [];
  for (;;) {
    const opened = begin.exec(text);
    if (!opened) break;
    end.lastIndex = begin.lastIndex;
    const closed = end.exec(text);
    if (!closed) break;
    blocks.push(text.slice(opened.index, end.lastIndex));
    begin.lastIndex = end.lastIndex;
  }
  return blocks;
}

/**
 * What keeps `keyPem` from serving the certificate `certPem`, undefined when it is its key:
 * another key (of another type too), or a key type this TLS stack cannot use (RSA-PSS, Ed448: Bun's
 * BoringSSL reads neither; EC on P-224, which it reads but serves no TLS with), of the private key or
 * of the certificate, which it cannot compare either.
 * BoringSSL builds no TLS context from such a pair (KEY_VALUES_MISMATCH, UNSUPPORTED_ALGORITHM): the
 * key stores check it when read, so the key at fault is named before any connection is tried.
 */
export function keyPairProblem(
  certPem: string,
  keyPem: string,
): "another key" | "unsupported key type" | "unsupported certificate key type" | undefined {
  const code = (error: unknown) => (error as { code?: unknown }).code;
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    return code(error) === "ERR_OSSL_EVP_UNSUPPORTED_ALGORITHM" ? "unsupported key type" : "another key";
  }
  if (isUnsupportedTlsCurve(privateKeyType(pkcs8Pem(key)))) return "unsupported key type";
  try {
    const cert = new X509Certificate(certPem);
    return cert.checkPrivateKey(key) ? undefined : cert.publicKey && "another key";
  } catch (error) {
    // The certificate's public key is read only to tell why it is not the key's.
    return code(error) === "ERR_OSSL_X509_PUBLIC_KEY_DECODE_ERROR" ? "unsupported certificate key type" : "another key";
  }
}

/**
 * The refusal of a key (`keyName`) or certificate (`certName`) of `pair` whose key type this TLS
 * stack cannot use, naming the type.
 */
export function unsupportedKeyType(
  problem: "unsupported key type" | "unsupported certificate key type",
  keyName: string,
  certName: string,
  pair: { readonly key: string; readonly cert: string },
): string {
  return problem === "unsupported key type"
    ? unsupportedKeyTypeReason(keyName, privateKeyType(readablePkcs8Pem(pair.key)))
    : unsupportedKeyTypeReason(`the public key of ${certName}`, certificateKeyType(pair.cert));
}

const pkcs8Pem = (key: KeyObject) => key.export({ format: "pem", type: "pkcs8" }).toString();

/** `keyPem` as PKCS#8 PEM (a SEC1 or PKCS#1 key's type is read from it), or itself when node:crypto cannot read it. */
function readablePkcs8Pem(keyPem: string): string {
  try {
    return pkcs8Pem(createPrivateKey(keyPem));
  } catch {
    return keyPem;
  }
}

/** Opens a PKCS12 store; throws node-forge's error (wrong password, not PKCS12). */
export function openPkcs12(bytes: Buffer, password: string): forge.pkcs12.Pkcs12Pfx {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString("binary")));
  return forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
}

const OID = {
  certBag: forge.pki.oids.certBag as string,
  keyBag: forge.pki.oids.keyBag as string,
  shroudedKeyBag: forge.pki.oids.pkcs8ShroudedKeyBag as string,
};

/** A bag's undecoded ASN.1 (forge keeps it for what it cannot parse: EC keys and certificates) as DER. */
const bagDer = (bag: forge.pkcs12.Bag) =>
  Buffer.from(forge.asn1.toDer(bag.asn1 as forge.asn1.Asn1).getBytes(), "binary");

/** The store's certificates as PEM, in store order (EC ones too: forge parses RSA only). */
export function pkcs12Certificates(p12: forge.pkcs12.Pkcs12Pfx): string[] {
  const bags = p12.getBags({ bagType: OID.certBag })[OID.certBag] ?? [];
  return bags.flatMap((b: forge.pkcs12.Bag) =>
    b.cert ? [forge.pki.certificateToPem(b.cert)] : b.asn1 ? [new X509Certificate(bagDer(b)).toString()] : [],
  );
}

/** A PKCS12 store's private key of a type this TLS stack cannot read (`keyType`: its name, when known). */
export class UnsupportedKeyTypeError extends Error {
  constructor(readonly keyType: string | undefined) {
    super(`a private key of ${keyType === undefined ? "a key type" : `key type ${keyType}`} BoringSSL cannot read`);
  }
}

/**
 * The store's first private key (shrouded, else plain) as PEM (EC too, via node:crypto), or
 * undefined; throws UnsupportedKeyTypeError for one BoringSSL cannot read (Ed448, RSA-PSS, EC on
 * other curves than P-256, P-384 and P-521).
 */
export function pkcs12PrivateKey(p12: forge.pkcs12.Pkcs12Pfx): string | undefined {
  const shrouded = p12.getBags({ bagType: OID.shroudedKeyBag })[OID.shroudedKeyBag];
  const plain = p12.getBags({ bagType: OID.keyBag })[OID.keyBag];
  const bag = shrouded?.[0] ?? plain?.[0];
  if (bag?.key) return forge.pki.privateKeyToPem(bag.key);
  if (!bag?.asn1) return undefined;
  const der = bagDer(bag);
  try {
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" })
      .export({ format: "pem", type: "pkcs8" })
      .toString();
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_OSSL_EVP_UNSUPPORTED_ALGORITHM")
      throw new UnsupportedKeyTypeError(privateKeyType(der));
    throw error;
  }
}

/**
 * An encrypted PEM private key (PKCS#8 `ENCRYPTED PRIVATE KEY` or traditional `Proc-Type:
 * 4,ENCRYPTED`) decrypted to PEM; throws an Error saying why not. forge answers null for a wrong
 * password, and throws for what it cannot read (an EC key, a cipher or PBE scheme it lacks: then
 * node:crypto tries) and for the garbage DER of a wrong password that happened to leave valid
 * padding (about 1 in 256): its message is kept so a correct password is not blamed for a key it
 * cannot read.
 */
export function decryptPemPrivateKey(pem: string, password: string): string {
  let decrypted: forge.pki.PrivateKey | null;
  try {
    decrypted = forge.pki.decryptRsaPrivateKey(pem, password);
  } catch (error) {
    return decryptWithNode(pem, password, error as Error);
  }
  if (!decrypted) throw new Error("wrong password");
  return forge.pki.privateKeyToPem(decrypted);
}

/**
 * A key forge cannot read (EC, DSA, Ed25519: forge reads RSA only) decrypted by node:crypto, as
 * Kafka's PEM key store reads any PKCS#8 key; a wrong password is said so, else forge's reason.
 */
function decryptWithNode(pem: string, password: string, forgeError: Error): string {
  try {
    return createPrivateKey({ key: pem, format: "pem", passphrase: password })
      .export({ format: "pem", type: "pkcs8" })
      .toString();
  } catch (error) {
    if (/BAD_DECRYPT|bad decrypt/i.test(`${(error as NodeJS.ErrnoException).code} ${(error as Error).message}`))
      throw new Error("wrong password");
    throw new Error(`wrong password, or a key this gateway cannot read: ${forgeError.message}`);
  }
}
