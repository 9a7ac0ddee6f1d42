/**
 * The CRLs of the https ingest listener's ssl.crl.location file, read for what the gateway itself
 * decides from them (the TLS library checks handshakes): each CRL's issuer, update times, the serial
 * numbers it revokes, whether it is plain (a full CRL of its issuer, no extension beyond a known
 * non-critical set) and whether a CA's key signed it (RFC 5280 5.1: CertificateList ::= SEQUENCE {
 * tbsCertList, signatureAlgorithm, signatureValue }).
 *
 * Read once per load by ingest-tls-config.ts: a CRL that does not parse, or a CRL block cut short (read
 * while being written), fails the load, so the previous CRLs stay in use. Used by
 * tls-front-end.ts (each CRL handed to the TLS library), crl-expiry.ts (the earliest nextUpdate) and
 * still-accepted.ts (whether an open connection's certificate survives a CRL reload).
 */
import { type KeyObject, verify } from "node:crypto";
import forge from "node-forge";
import { splitPem } from "../../tls/store-formats.ts";
import { looseName } from "./loose-name.ts";

export interface RevocationList {
  /** The issuer Name, DER as hex. */
  readonly issuer: string;
  /** The issuer Name as `looseName` keys it: equal for every name the TLS library takes for it, and maybe others. */
  readonly issuerMatch: string;
  readonly thisUpdate: Date | undefined;
  readonly nextUpdate: Date | undefined;
  /** Serial numbers revoked, as `integerHex` writes them. */
  readonly revoked: ReadonlySet<string>;
  /**
   * A full CRL for every certificate and reason of its issuer: no critical extension, none but
   * PLAIN_CRL_EXTENSIONS (so no issuingDistributionPoint, no deltaCRLIndicator) and entries with none
   * but PLAIN_ENTRY_EXTENSIONS. Of any other CRL the gateway cannot tell what the TLS library makes.
   */
  readonly plain: boolean;
  /** The CRL as the TLS library takes it: its PEM block (a DER file's made from it). */
  readonly encoded: string;
  /** Whether `key` signed this CRL (false for a signature algorithm not known here). */
  signedBy(key: KeyObject): boolean;
}

/** CRL extensions that change nothing about which certificates a CRL revokes: CRL number, authority key identifier, authority information access. */
const PLAIN_CRL_EXTENSIONS = new Set(["2.5.29.20", "2.5.29.35", "1.3.6.1.5.5.7.1.1"]);
/** CRL entry extensions that do not change which certificate an entry revokes: reasonCode, invalidityDate. */
const PLAIN_ENTRY_EXTENSIONS = new Set(["2.5.29.21", "2.5.29.24"]);

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

const { Class, Type } = forge.asn1;

function children(node: Asn1 | undefined): Asn1[] {
  return Array.isArray(node?.value) ? (node.value as Asn1[]) : [];
}

function timeOf(node: Asn1): Date {
  return node.type === Type.UTCTIME
    ? forge.asn1.utcTimeToDate(node.value as string)
    : forge.asn1.generalizedTimeToDate(node.value as string);
}

/**
 * An INTEGER's content bytes as hex, uppercase, in two's complement without redundant leading
 * bytes: a serial compares by its bytes, as OpenSSL compares them, negative ones included
 * (node:crypto's `serialNumber` writes -5 as "-05", the CRL's bytes are FB).
 */
export function integerHex(bytes: Buffer): string {
  let start = 0;
  while (
    start < bytes.length - 1 &&
    ((bytes[start] === 0x00 && bytes[start + 1]! < 0x80) || (bytes[start] === 0xff && bytes[start + 1]! >= 0x80))
  )
    start++;
  return bytes.subarray(start).toString("hex").toUpperCase();
}

const contentBytes = (node: Asn1) => Buffer.from(node.value as string, "binary");
const derHex = (node: Asn1) => Buffer.from(forge.asn1.toDer(node).getBytes(), "binary").toString("hex");

/** How a CRL names a certificate: its issuer's Name (as `RevocationList.issuer` and `issuerMatch`) and its serial (`integerHex`). */
export function revocationId(certificateDer: Buffer): {
  readonly issuer: string;
  readonly issuerMatch: string;
  readonly serial: string;
} {
  const [tbs] = children(forge.asn1.fromDer(certificateDer.toString("binary")));
  // TBSCertificate: [0] version, serialNumber, signature, issuer, ...
  const [serial, , issuer] = children(tbs).filter((f) => f.tagClass === Class.UNIVERSAL);
  if (serial?.type !== Type.INTEGER || issuer?.type !== Type.SEQUENCE) throw new Error("not an X.509 certificate");
  return { issuer: derHex(issuer), issuerMatch: looseName(issuer), serial: integerHex(contentBytes(serial)) };
}

/** Whether every extension of `extensions` (a SEQUENCE OF Extension) is non-critical and in `known`. */
function onlyKnown(extensions: Asn1 | undefined, known: ReadonlySet<string>): boolean {
  return children(extensions).every((extension) => {
    const [id, second] = children(extension);
    const critical = second?.type === Type.BOOLEAN && second.value !== "\x00";
    return id?.type === Type.OID && !critical && known.has(forge.asn1.derToOid(id.value as string));
  });
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

function parse(der: Buffer, encoded: string): RevocationList {
  const list = forge.asn1.fromDer(der.toString("binary"));
  const [tbs, algorithm, signature] = children(list);
  // TBSCertList: version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] crlExtensions?
  const fields = children(tbs);
  const universal = fields.filter((f) => f.tagClass === Class.UNIVERSAL);
  const [, issuer, ...rest] = universal[0]?.type === Type.INTEGER ? universal.slice(1) : universal;
  if (issuer?.type !== Type.SEQUENCE) throw new Error("not a CRL");
  const times = rest.filter((f) => TIME_TAGS.has(f.type)).map(timeOf);
  const entriesNode = rest.find((f) => f.type === Type.SEQUENCE);
  const entries = children(entriesNode).map(children);
  const extensions = fields.filter((f) => f.tagClass !== Class.UNIVERSAL);
  const plain =
    extensions.every((f) => f.tagClass === Class.CONTEXT_SPECIFIC && f.type === 0) &&
    extensions.every((f) => onlyKnown(children(f)[0], PLAIN_CRL_EXTENSIONS)) &&
    entries.every(([, , entryExtensions]) => onlyKnown(entryExtensions, PLAIN_ENTRY_EXTENSIONS));
  const revoked = new Set(
    entries.map(([serial]) => {
      if (serial?.type !== Type.INTEGER) throw new Error("a CRL entry without a serial number");
      return integerHex(contentBytes(serial));
    }),
  );
  const oid = forge.asn1.derToOid(children(algorithm)[0]!.value as string);
  const bits = (signature as Asn1 & { bitStringContents?: string }).bitStringContents ?? (signature!.value as string);
  const signatureBytes = Buffer.from(bits.slice(1), "binary"); // the first byte counts unused bits
  const signed = firstElement(der);
  // A reload asks this of every open connection's CAs: each key is verified once.
  const verdicts = new Map<string, boolean>();
  const verifiedWith = (key: KeyObject) => {
    const digest = DIGESTS[oid];
    if (digest === undefined) return false;
    try {
      return verify(digest, signed, key, signatureBytes);
    } catch {
      return false;
    }
  };
  return {
    issuer: derHex(issuer),
    issuerMatch: looseName(issuer),
    thisUpdate: times[0],
    nextUpdate: times[1],
    revoked,
    plain,
    encoded,
    signedBy(key) {
      const id = key.export({ type: "spki", format: "der" }).toString("hex");
      const known = verdicts.get(id);
      if (known !== undefined) return known;
      const verdict = verifiedWith(key);
      verdicts.set(id, verdict);
      return verdict;
    },
  };
}

const CRL_BEGIN = "-----BEGIN X509 CRL-----";

/**
 * Every CRL of a file: PEM (one or several, one after another; other text and other PEM blocks
 * around them are ignored, as the TLS library ignores them) or one DER. Throws when a CRL does not
 * parse, or when the file was read half-written: a BEGIN X509 CRL line without its END, or a last
 * line that is the start of one (OpenSSL would read the complete blocks and drop a CA's CRL
 * unnoticed).
 */
export function revocationLists(file: Buffer): RevocationList[] {
  const text = file.toString("latin1");
  const pems = splitPem(text, "X509 CRL");
  const lastLine = text.trimEnd().split("\n").pop()!.trim();
  const begun = text.split(CRL_BEGIN).length - 1;
  if (begun !== pems.length || (lastLine.length > 5 && CRL_BEGIN.startsWith(lastLine) && lastLine !== CRL_BEGIN))
    throw new Error("a BEGIN X509 CRL block of the CRL file has no END line: the file is being written?");
  // A DER file (as CAs publish CRLs) goes to the TLS library as PEM: Bun's refuses DER ("Failed to parse CRL").
  if (pems.length === 0)
    return [
      parseAs(
        file,
        forge.pem.encode({ type: "X509 CRL", body: file.toString("binary") }),
        "the CRL file (no PEM CRL block, so read as one DER CRL; several CRLs go in a PEM file)",
      ),
    ];
  return pems.map((pem, i) =>
    parseAs(Buffer.from(forge.pem.decode(pem)[0]!.body, "binary"), pem, `CRL ${i + 1} of the CRL file`),
  );
}

function parseAs(der: Buffer, encoded: string, what: string): RevocationList {
  try {
    return parse(der, encoded);
  } catch (error) {
    throw new Error(`${what} is not a CRL: ${error instanceof Error ? error.message : String(error)}`);
  }
}
