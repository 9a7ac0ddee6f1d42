/**
 * The CRLs of the https ingest listener's ssl.crl.location file, read for what the gateway itself
 * decides from them (the TLS library checks handshakes): each CRL's update times, the serial numbers
 * it revokes and whether a CA's key signed it (RFC 5280 5.1: CertificateList ::= SEQUENCE {
 * tbsCertList, signatureAlgorithm, signatureValue }).
 *
 * Called by crl-expiry.ts (the earliest nextUpdate) and still-accepted.ts (whether an open
 * connection's certificate survives a CRL reload).
 */
import { type KeyObject, verify } from "node:crypto";
import forge from "node-forge";
import { splitPem } from "../../tls/store-formats.ts";

export interface RevocationList {
  readonly thisUpdate: Date | undefined;
  readonly nextUpdate: Date | undefined;
  /** Serial numbers revoked: uppercase hex, no leading zeros. */
  readonly revoked: ReadonlySet<string>;
  /** Whether `key` signed this CRL (false for a signature algorithm not known here). */
  signedBy(key: KeyObject): boolean;
}

/** Signature algorithm OIDs → the digest node:crypto verifies them with (null: the key's own, Ed25519). */
const DIGESTS: Readonly<Record<string, string | null>> = {
  "1.2.840.10045.4.1": "sha1",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.3.101.112": null,
};

const TIME_TAGS = new Set<number>([forge.asn1.Type.UTCTIME, forge.asn1.Type.GENERALIZEDTIME]);

type Asn1 = forge.asn1.Asn1;

function children(node: Asn1 | undefined): Asn1[] {
  return Array.isArray(node?.value) ? (node.value as Asn1[]) : [];
}

function timeOf(node: Asn1): Date {
  return node.type === forge.asn1.Type.UTCTIME
    ? forge.asn1.utcTimeToDate(node.value as string)
    : forge.asn1.generalizedTimeToDate(node.value as string);
}

/** An INTEGER's bytes as node:crypto writes a serial number: uppercase hex without leading zeros. */
export function serialHex(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, "");
}

/** The bytes of the first element inside the DER SEQUENCE `der` (the tbsCertList, as signed). */
function firstElement(der: Buffer): Buffer {
  const header = (at: number): [start: number, length: number] => {
    const first = der[at + 1]!;
    if (first < 0x80) return [at + 2, first];
    const count = first & 0x7f;
    return [at + 2 + count, der.readUIntBE(at + 2, count)];
  };
  const [inner] = header(0);
  const [start, length] = header(inner);
  return der.subarray(inner, start + length);
}

function parse(der: Buffer): RevocationList {
  const list = forge.asn1.fromDer(der.toString("binary"));
  const [tbs, algorithm, signature] = children(list);
  const fields = children(tbs).filter((f) => f.tagClass === forge.asn1.Class.UNIVERSAL);
  const times = fields.filter((f) => TIME_TAGS.has(f.type)).map(timeOf);
  // revokedCertificates, when there is one, is the SEQUENCE right after thisUpdate/nextUpdate.
  const afterTimes = fields[fields.findLastIndex((f) => TIME_TAGS.has(f.type)) + 1];
  const entries = afterTimes?.type === forge.asn1.Type.SEQUENCE ? afterTimes : undefined;
  const revoked = new Set(
    children(entries).map((entry) => serialHex(forge.util.bytesToHex(children(entry)[0]!.value as string))),
  );
  const oid = forge.asn1.derToOid(children(algorithm)[0]!.value as string);
  const bits = (signature as Asn1 & { bitStringContents?: string }).bitStringContents ?? (signature!.value as string);
  const signatureBytes = Buffer.from(bits.slice(1), "binary"); // the first byte counts unused bits
  const signed = firstElement(der);
  return {
    thisUpdate: times[0],
    nextUpdate: times[1],
    revoked,
    signedBy(key) {
      const digest = DIGESTS[oid];
      if (digest === undefined) return false;
      try {
        return verify(digest, signed, key, signatureBytes);
      } catch {
        return false;
      }
    },
  };
}

/** Every CRL of a file: PEM (one or several, one after another) or one DER. Throws when one does not parse. */
export function revocationLists(file: Buffer): RevocationList[] {
  const pems = splitPem(file.toString("latin1"), "X509 CRL");
  const ders = pems.length > 0 ? pems.map((pem) => Buffer.from(forge.pem.decode(pem)[0]!.body, "binary")) : [file];
  return ders.map(parse);
}
