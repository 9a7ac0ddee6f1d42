/**
 * The refusal of a private key or certificate whose key type this gateway's TLS stack cannot use,
 * naming the type. Bun's BoringSSL reads neither RSA-PSS nor Ed448 keys, so node:crypto cannot say
 * what such a key is: the type is read here from the DER's algorithm identifier (a PKCS#8
 * PrivateKeyInfo's, a certificate's SubjectPublicKeyInfo's). Used by the key store readers
 * (`key-stores.ts`, `../http/tls-material.ts`) through `store-formats.ts`, and for the HTTP sink's
 * key file.
 */
import forge from "node-forge";

/** Key algorithm OIDs as OpenSSL names them (`openssl genpkey -algorithm`). */
const KEY_TYPES: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.1": "RSA",
  "1.2.840.113549.1.1.10": "RSA-PSS",
  "1.2.840.10045.2.1": "EC",
  "1.2.840.10040.4.1": "DSA",
  "1.2.840.113549.1.3.1": "DH",
  "1.2.840.10046.2.1": "X9.42 DH",
  "1.3.101.110": "X25519",
  "1.3.101.111": "X448",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
  "1.2.156.10197.1.301": "SM2",
};

/** The DER of the first PEM block of `text`, or `der` itself. */
function derOf(input: string | Buffer): string {
  const text = typeof input === "string" ? input : input.toString("binary");
  if (!text.includes("-----BEGIN")) return text;
  const block = forge.pem.decode(text)[0];
  if (block === undefined) throw new Error("no PEM block");
  return block.body;
}

/** The name of an algorithm identifier's OID (`OID 1.2.3` for one without a name here). */
function algorithmName(algorithmIdentifier: forge.asn1.Asn1): string {
  const oid = forge.asn1.derToOid((algorithmIdentifier.value as forge.asn1.Asn1[])[0]!.value as string);
  return KEY_TYPES[oid] ?? `OID ${oid}`;
}

/** The key type of a PKCS#8 private key (PEM or DER), or undefined when it is not one. */
export function privateKeyType(key: string | Buffer): string | undefined {
  try {
    const info = forge.asn1.fromDer(derOf(key)).value as forge.asn1.Asn1[];
    return algorithmName(info[1]!);
  } catch {
    return undefined;
  }
}

/** The key type of an X.509 certificate's public key (PEM or DER), or undefined when it is not one. */
export function certificateKeyType(cert: string | Buffer): string | undefined {
  try {
    const certificate = forge.asn1.fromDer(derOf(cert)).value as forge.asn1.Asn1[];
    const tbs = certificate[0]!.value as forge.asn1.Asn1[];
    // version [0] is optional: serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo.
    const first = tbs[0]!.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
    const spki = tbs[first + 5]!.value as forge.asn1.Asn1[];
    return algorithmName(spki[0]!);
  } catch {
    return undefined;
  }
}

/**
 * The refusal of `what` (a private key, or a certificate's public key) of the key type `type`
 * (undefined: not known), which this gateway's TLS stack cannot use.
 */
export function unsupportedKeyTypeReason(what: string, type: string | undefined): string {
  const kind =
    type === undefined
      ? "of a key type this gateway's TLS stack does not support"
      : `of key type ${type}, which this gateway's TLS stack does not support`;
  return `${what} is ${kind} (RSA, EC and Ed25519 keys are)`;
}
