/**
 * Whether the client certificate of an open connection is still accepted after the https ingest
 * listener reloaded its trust store or CRL: a reload closes only the connections a new handshake
 * would refuse, or might, so every other device keeps its connection (ci74 / crlreload: closing
 * every client-certificate connection on each CRL rewrite reset requests that devices with valid
 * certificates were sending on them).
 *
 * It answers true only when it is certain the TLS library (OpenSSL's rules, CRL checks for the
 * whole chain) would accept the same chain again:
 * - the chain (the certificates the client sent, then the trust store) leads, with one issuer found
 *   at each link, to a self-signed trust store CA; a CA of the trust store that is not self-signed
 *   does not end the walk (the library builds the chain up to a root); each issuer is a certificate
 *   of the chain the connection's handshake verified (`getPeerCertificate(true)` reports it up to
 *   the root), so path length, name constraints and purposes were checked on this very chain;
 * - every certificate of it is within its validity window;
 * - with a CRL file: every CRL of the file is plain (revocation-list.ts: no issuingDistributionPoint,
 *   no delta CRL, no critical or unknown extension); for each link, no CRL of the file that names its
 *   issuer or that its issuer's key signed lists its serial (compared as INTEGER bytes), each of them
 *   is signed by that key, and at least one naming the issuer is current (thisUpdate passed,
 *   nextUpdate not). Of several CRLs of one CA the library uses one (the newest current): checking
 *   them all is stricter than it, never looser.
 * Anything else (a CRL missing, expired, signed with an algorithm not known here, two candidate
 * issuers, a certificate not parsing) answers false: the connection is closed and the device's next
 * handshake decides.
 *
 * Called by tls-front-end.ts on a reload that changed the trust store or the CRL.
 */
import { X509Certificate } from "node:crypto";
import type { DetailedPeerCertificate } from "node:tls";
import { type RevocationList, revocationId } from "./revocation-list.ts";
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

function currentCrl(crl: RevocationList, now: number): boolean {
  if (!crl.thisUpdate || crl.thisUpdate.getTime() > now) return false;
  return !crl.nextUpdate || crl.nextUpdate.getTime() > now;
}

function notRevoked(cert: X509Certificate, issuer: X509Certificate, crls: readonly RevocationList[], now: number) {
  const id = revocationId(cert.raw);
  const named = (crl: RevocationList) => crl.issuer === id.issuer;
  const ofIssuer = crls.filter((crl) => named(crl) || crl.signedBy(issuer.publicKey));
  if (ofIssuer.some((crl) => !crl.signedBy(issuer.publicKey) || crl.revoked.has(id.serial))) return false;
  return ofIssuer.some((crl) => named(crl) && currentCrl(crl, now));
}

/** The one certificate of `pool` other than `cert` that issued it; undefined for none or several. */
function onlyIssuer(cert: X509Certificate, pool: readonly X509Certificate[]): X509Certificate | undefined {
  const found = pool.filter((other) => other.fingerprint256 !== cert.fingerprint256 && signedBy(cert, other));
  return found.length === 1 ? found[0] : undefined;
}

/** `peer`: the connection's `getPeerCertificate(true)`. */
export function stillAccepted(peer: DetailedPeerCertificate, material: AcceptedMaterial): boolean {
  try {
    const { crls, now } = material;
    if (crls?.some((crl) => !crl.plain)) return false;
    const chain = presented(peer);
    const trustStore = material.trustStore.map((pem) => new X509Certificate(pem));
    const trusted = new Set(trustStore.map((ca) => ca.fingerprint256));
    const verified = new Set(chain.map((cert) => cert.fingerprint256));
    // A CA both sent and in the trust store (or twice in it) is one candidate issuer, not two.
    const pool = [...new Map([...trustStore, ...chain].map((c) => [c.fingerprint256, c])).values()];
    let cert = chain[0];
    if (cert === undefined || signedBy(cert, cert)) return false;
    for (let depth = 0; cert !== undefined && depth < MAX_DEPTH; depth++) {
      const subject: X509Certificate = cert;
      if (!current(subject, now)) return false;
      const issuer = onlyIssuer(subject, pool);
      // The chain the connection's handshake verified (path length, name constraints, purposes):
      // a CA that has the issuer's name and key but is another certificate was never checked.
      if (!issuer || !verified.has(issuer.fingerprint256)) return false;
      if (crls && !notRevoked(subject, issuer, crls, now)) return false;
      if (signedBy(issuer, issuer)) return trusted.has(issuer.fingerprint256) && current(issuer, now);
      cert = issuer;
    }
    return false;
  } catch {
    return false;
  }
}
