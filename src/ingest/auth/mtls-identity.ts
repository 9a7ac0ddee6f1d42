/**
 * The device identity of a request that came with a verified client certificate: the field that
 * `ingest.listeners.https.ssl.client.identity` names is the principal (the fingerprint as
 * lowercase hex without separators); the certificate's other fields become attributes that ACL
 * rules can match (`cert.cn`, `cert.o`, `cert.ou`, `cert.issuer.cn`, `cert.serial`,
 * `cert.fingerprint`, `cert.san.dns`, …; multi-valued ones joined with "," and, for ACL
 * conditions, each value in `multiValued`). A subject with several CNs names no device (which
 * one would it be? their joined text could equal another device's CN), so with `cn` it gives no
 * identity. Called by the ingest authenticator for every request on an mTLS connection.
 */
import type { IngestIdentity, PeerCertificateInfo } from "../request-context.ts";
import type { ClientIdentitySource } from "../tls/ingest-tls-config.ts";
import { fingerprintHex, parseSubjectAltNames, type SanType } from "../tls/peer-certificate.ts";

const SAN_OF: Record<string, SanType> = { "san.dns": "DNS", "san.uri": "URI", "san.email": "email", "san.ip": "IP" };

interface Attributes {
  readonly attributes: Record<string, string>;
  readonly multiValued: Record<string, readonly string[]>;
}

function put(into: Attributes, name: string, value: string | readonly string[]): void {
  if (typeof value === "string") into.attributes[name] = value;
  else if (value.length === 1) into.attributes[name] = value[0]!;
  else if (value.length > 1) {
    into.attributes[name] = value.join(",");
    into.multiValued[name] = value;
  }
}

export function certificateAttributes(peer: PeerCertificateInfo): Attributes {
  const out: Attributes = { attributes: {}, multiValued: {} };
  for (const [k, v] of Object.entries(peer.subject)) put(out, `cert.${k.toLowerCase()}`, v);
  for (const [k, v] of Object.entries(peer.issuer ?? {})) put(out, `cert.issuer.${k.toLowerCase()}`, v);
  const sans = parseSubjectAltNames(peer.subjectAltName);
  for (const [name, type] of Object.entries(SAN_OF)) {
    put(
      out,
      `cert.${name}`,
      sans.filter((s) => s.type === type).map((s) => s.value),
    );
  }
  out.attributes["cert.fingerprint"] = fingerprintHex(peer.fingerprint256);
  if (peer.serialNumber) out.attributes["cert.serial"] = peer.serialNumber;
  return out;
}

/** The identity, or null when the certificate lacks the chosen field (e.g. no DNS SAN) or has several CNs. */
export function mtlsIdentity(peer: PeerCertificateInfo, source: ClientIdentitySource): IngestIdentity | null {
  let principal: string | undefined;
  if (source === "cn") {
    const cn = peer.subject.CN;
    principal = typeof cn === "string" ? cn : undefined;
  } else if (source === "fingerprint") principal = fingerprintHex(peer.fingerprint256);
  else principal = parseSubjectAltNames(peer.subjectAltName).find((s) => s.type === SAN_OF[source])?.value;
  if (principal === undefined || principal === "") return null;
  const { attributes, multiValued } = certificateAttributes(peer);
  return {
    principal,
    source: "mtls",
    attributes,
    ...(source === "san.dns" ? { dnsPrincipal: true } : {}),
    ...(Object.keys(multiValued).length > 0 ? { multiValued } : {}),
  };
}
