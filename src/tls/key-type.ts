/**
 * The refusal of a private key or certificate whose key type this gateway's TLS stack cannot use,
 * naming the type. Bun's BoringSSL reads neither RSA-PSS nor Ed448 keys, nor EC keys on most curves
 * but P-256, P-384 and P-521, so node:crypto cannot say what such a key is: the type is read here from the DER's algorithm identifier (a PKCS#8
 * PrivateKeyInfo's, a certificate's SubjectPublicKeyInfo's). Used by the key store readers
 * (`key-stores.ts`, `../http/tls-material.ts`) through `store-formats.ts`, and for the HTTP sink's
 * key file.
 */
import forge from "node-forge";

/** id-ecPublicKey: an EC key, on the curve its AlgorithmIdentifier's parameters name. */
const EC_OID = "1.2.840.10045.2.1";

/** Key algorithm OIDs as OpenSSL names them (`openssl genpkey -algorithm`). */
const KEY_TYPES: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.1.1": "RSA",
  "1.2.840.113549.1.1.10": "RSA-PSS",
  [EC_OID]: "EC",
  "1.2.840.10040.4.1": "DSA",
  "1.2.840.113549.1.3.1": "DH",
  "1.2.840.10046.2.1": "X9.42 DH",
  "1.3.101.110": "X25519",
  "1.3.101.111": "X448",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
  "1.2.156.10197.1.301": "SM2",
};

/**
 * Named curves of EC keys (the AlgorithmIdentifier's parameters), as `openssl ecparam -list_curves`
 * names them but the NIST ones, which go by their FIPS names (`openssl genpkey -pkeyopt
 * ec_paramgen_curve:P-256`).
 */
const CURVES: Readonly<Record<string, string>> = {
  "1.2.840.10045.3.1.1": "P-192",
  "1.3.132.0.33": "P-224",
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
  "1.3.132.0.10": "secp256k1",
  "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
  "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
  "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
  "1.2.156.10197.1.301": "SM2",
};

/** The EC curves Bun's BoringSSL serves TLS with (others fail as UNSUPPORTED_ALGORITHM). */
const TLS_CURVES = ["P-256", "P-384", "P-521"];

/** The DER of the first PEM block labelled `label` in `input`, or `input` itself when it is not PEM. */
function derOf(input: string | Buffer, label: string): string {
  const text = typeof input === "string" ? input : input.toString("binary");
  if (!text.includes("-----BEGIN")) return text;
  const block = forge.pem.decode(text).find((b) => b.type === label);
  if (block === undefined) throw new Error(`no ${label} PEM block`);
  return block.body;
}

const oidOf = (node: forge.asn1.Asn1): string => forge.asn1.derToOid(node.value as string);

/**
 * The name of an algorithm identifier's OID (`OID 1.2.3` for one without a name here); an EC key's
 * with its curve (`EC (curve secp256k1)`): BoringSSL reads only some curves.
 */
function algorithmName(algorithmIdentifier: forge.asn1.Asn1): string {
  const [algorithm, parameters] = algorithmIdentifier.value as forge.asn1.Asn1[];
  const oid = oidOf(algorithm!);
  const name = KEY_TYPES[oid] ?? `OID ${oid}`;
  if (oid !== EC_OID || parameters === undefined) return name;
  if (parameters.type !== forge.asn1.Type.OID) return `${name} (explicit curve parameters)`;
  const curve = oidOf(parameters);
  return `${name} (curve ${CURVES[curve] ?? `OID ${curve}`})`;
}

/**
 * The key type of a PKCS#8 private key (DER, or the first PRIVATE KEY block of PEM text), or
 * undefined when it is not one.
 */
export function privateKeyType(key: string | Buffer): string | undefined {
  try {
    const info = forge.asn1.fromDer(derOf(key, "PRIVATE KEY")).value as forge.asn1.Asn1[];
    return algorithmName(info[1]!);
  } catch {
    return undefined;
  }
}

/**
 * The key type of an X.509 certificate's public key (DER, or the first CERTIFICATE block of PEM
 * text), or undefined when it is not one.
 */
export function certificateKeyType(cert: string | Buffer): string | undefined {
  try {
    const certificate = forge.asn1.fromDer(derOf(cert, "CERTIFICATE")).value as forge.asn1.Asn1[];
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
 * Whether a key of `type` (as `privateKeyType` names it) that node:crypto reads cannot serve TLS: an
 * EC key on another curve than P-256, P-384 and P-521. BoringSSL reads and signs with P-224 keys but
 * offers that curve to no TLS peer, so such a key fails only when a connection starts.
 */
export function isUnsupportedTlsCurve(type: string | undefined): boolean {
  return type?.startsWith("EC (") === true && !TLS_CURVES.some((curve) => type === `EC (curve ${curve})`);
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
  return `${what} is ${kind} (RSA, Ed25519 and EC keys on ${TLS_CURVES.slice(0, -1).join(", ")} and ${TLS_CURVES.at(-1)} are)`;
}
