/**
 * The device identity of a request that came with a verified client certificate: the field that
 * `ingest.listeners.https.ssl.client.identity` names is the principal (the fingerprint as
 * lowercase hex without separators); the certificate's other fields become attributes that ACL
 * rules can match (`cert.cn`, `cert.o`, `cert.ou`, `cert.issuer.cn`, `cert.serial`,
 * `cert.fingerprint`, `cert.san.dns`, …; multi-valued ones joined with ","). Called by the ingest
 * authenticator for every request on an mTLS connection.
 */
import type { IngestIdentity, PeerCertificateInfo } from "../request-context.ts";
import type { ClientIdentitySource } from "../tls/ingest-tls-config.ts";
import { fingerprintHex, parseSubjectAltNames, type SanType } from "../tls/peer-certificate.ts";

const SAN_OF: Record<string, SanType> = { "san.dns": "DNS", "san.uri": "URI", "san.email": "email", "san.ip": "IP" };

export function certificateAttributes(peer: PeerCertificateInfo): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(peer.subject)) attributes[`cert.${k.toLowerCase()}`] = v;
  for (const [k, v] of Object.entries(peer.issuer ?? {})) attributes[`cert.issuer.${k.toLowerCase()}`] = v;
  const sans = parseSubjectAltNames(peer.subjectAltName);
  for (const [name, type] of Object.entries(SAN_OF)) {
    const values = sans.filter((s) => s.type === type).map((s) => s.value);
    if (values.length > 0) attributes[`cert.${name}`] = values.join(",");
  }
  attributes["cert.fingerprint"] = fingerprintHex(peer.fingerprint256);
  if (peer.serialNumber) attributes["cert.serial"] = peer.serialNumber;
  return attributes;
}

/** The identity, or null when the certificate lacks the chosen field (e.g. no DNS SAN). */
export function mtlsIdentity(peer: PeerCertificateInfo, source: ClientIdentitySource): IngestIdentity | null {
  let principal: string | undefined;
  if (source === "cn") principal = peer.subject.CN;
  else if (source === "fingerprint") principal = fingerprintHex(peer.fingerprint256);
  else principal = parseSubjectAltNames(peer.subjectAltName).find((s) => s.type === SAN_OF[source])?.value;
  if (principal === undefined || principal === "") return null;
  return { principal, source: "mtls", attributes: certificateAttributes(peer) };
}
