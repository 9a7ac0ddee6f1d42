/**
 * A key under which two X.509 Names compare equal whenever OpenSSL/BoringSSL's canonical comparison
 * (X509_NAME_cmp: each value converted to UTF-8, ASCII case and whitespace runs folded, the string
 * type ignored) finds them equal, and sometimes when it does not: every whitespace is dropped and
 * every letter lowercased. still-accepted.ts counts as "of this CA's name" whatever shares the key,
 * so it may see more candidates than the TLS library, never fewer (review-crlreload2 P2-1).
 */
import forge from "node-forge";

type Asn1 = forge.asn1.Asn1;
const { Type } = forge.asn1;

function children(node: Asn1 | undefined): Asn1[] {
  return Array.isArray(node?.value) ? (node.value as Asn1[]) : [];
}

function text(value: Asn1): string {
  if (typeof value.value !== "string") return Buffer.from(forge.asn1.toDer(value).getBytes(), "binary").toString("hex");
  const bytes = Buffer.from(value.value, "binary");
  if (value.type === Type.UTF8) return bytes.toString("utf8");
  if (value.type === Type.BMPSTRING && bytes.length % 2 === 0) return Buffer.from(bytes).swap16().toString("utf16le");
  if ((value.type as number) === 28 /* UniversalString */ && bytes.length % 4 === 0)
    return String.fromCodePoint(...Array.from({ length: bytes.length >> 2 }, (_, i) => bytes.readUInt32BE(i * 4)));
  return bytes.toString("latin1");
}

/** `name`: a Name (SEQUENCE OF RelativeDistinguishedName), as forge parsed it. */
export function looseName(name: Asn1): string {
  return children(name)
    .map((rdn) =>
      children(rdn)
        .map((attribute) => {
          const [type, value] = children(attribute);
          const oid = type?.type === Type.OID ? forge.asn1.derToOid(type.value as string) : "?";
          return `${oid}=${value ? text(value) : ""}`;
        })
        .sort()
        .join("+"),
    )
    .join(",")
    .replace(/\s+/gu, "")
    .toLowerCase();
}
