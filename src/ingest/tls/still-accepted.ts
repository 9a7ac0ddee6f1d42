/**
 * Whether the client certificate of an open connection is still accepted after the https ingest
 * listener reloaded its trust store or CRL: a reload closes only the connections a new handshake
 * would refuse, so every other device keeps its connection (ci74 / crlreload: closing every
 * client-certificate connection on each CRL rewrite reset requests that devices with valid
 * certificates were sending on them).
 *
 * It answers true only when it can tell, as OpenSSL would with CRL checks for the whole chain:
 * every certificate of the chain (the ones the client sent, up to a trust store CA) is within its
 * validity window and issued by the next one, and, with a CRL file, each one's issuer has a CRL in
 * the file signed by its key, current (thisUpdate passed, nextUpdate not), that does not list it.
 * Anything else (a CRL missing, expired, signed with an algorithm not known here, or not parsing)
 * answers false: the connection is closed and the device's next handshake decides.
 *
 * Called by tls-front-end.ts on a reload that changed the trust store or the CRL.
 */
import { X509Certificate } from "node:crypto";
import type { DetailedPeerCertificate } from "node:tls";
import { type RevocationList, serialHex } from "./revocation-list.ts";
import { MAX_DEPTH, presented, signedBy } from "./trusted-issuer.ts";

export interface AcceptedMaterial {
  /** The trust store's CA certificates (PEM). */
  readonly trustStore: readonly string[];
  /** The CRLs in use; undefined without ssl.crl.location. */
  readonly crls: readonly RevocationList[] | undefined;
  /** Wall-clock ms. */
  readonly now: number;
}

function current(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

function notRevoked(cert: X509Certificate, issuer: X509Certificate, crls: readonly RevocationList[], now: number) {
  const crl = crls.find((c) => c.signedBy(issuer.publicKey));
  if (!crl?.thisUpdate || crl.thisUpdate.getTime() > now) return false;
  if (crl.nextUpdate && crl.nextUpdate.getTime() <= now) return false;
  return !crl.revoked.has(serialHex(cert.serialNumber));
}

/** `peer`: the connection's `getPeerCertificate(true)`. */
export function stillAccepted(peer: DetailedPeerCertificate, material: AcceptedMaterial): boolean {
  try {
    const chain = presented(peer);
    const trusted = material.trustStore.map((pem) => new X509Certificate(pem));
    let cert = chain[0];
    for (let depth = 0; cert !== undefined && depth < MAX_DEPTH; depth++) {
      const subject: X509Certificate = cert;
      if (!current(subject, material.now)) return false;
      const anchor = trusted.find((ca) => signedBy(subject, ca));
      const issuer = anchor ?? chain.find((next) => next !== subject && signedBy(subject, next));
      if (!issuer) return false;
      if (material.crls && !notRevoked(subject, issuer, material.crls, material.now)) return false;
      if (anchor) return current(anchor, material.now);
      cert = issuer;
    }
    return false;
  } catch {
    return false;
  }
}
