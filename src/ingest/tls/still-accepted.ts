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
 *   at each link, to a self-signed trust store CA; a link has one issuer when a single certificate of
 *   the pool passes the library's own issuer test (X509Certificate.checkIssued: canonical name,
 *   authority key identifier, key usage), whose key then verifies the link's signature (BoringSSL
 *   picks a candidate before it verifies, and does not try another); a CA of the trust store that is not self-signed
 *   does not end the walk (the library builds the chain up to a root); each issuer is a certificate
 *   of the chain the connection's handshake verified (`getPeerCertificate(true)` reports it up to
 *   the root), so path length, name constraints and purposes were checked on this very chain;
 * - every certificate of it is within its validity window;
 * - with a CRL file: every CRL of the file is plain (revocation-list.ts: no issuingDistributionPoint,
 *   no delta CRL, no critical or unknown extension); for each link, no CRL of the file whose issuer
 *   name matches its issuer's (loose-name.ts: a looser compare than the library's canonical one) or
 *   that its issuer's key signed lists its serial (compared as INTEGER bytes), each of them is signed
 *   by that key, and at least one naming the issuer byte for byte is current (thisUpdate passed,
 *   nextUpdate not). Of several CRLs of one CA the library uses one (the newest current): checking
 *   them all is stricter than it, never looser.
 * Anything else (a CRL missing, expired, signed with an algorithm not known here, two candidate
 * issuers, a certificate not parsing) answers false: the connection is closed and the device's next
 * handshake decides.
 *
 * Called by tls-front-end.ts on a reload that changed the trust store or the CRL: `stillAcceptedUnder`
 * parses the trust store once per reload and keeps each verdict per chain, and each CRL verifies its
 * signature once per CA key, so a reload's cost grows with the distinct chains, not the trust store
 * times the connections (review-crlreload2 P2-3).
 */
import { X509Certificate } from "node:crypto";
import type { DetailedPeerCertificate } from "node:tls";
import { type RevocationList, revocationId } from "./revocation-list.ts";
import { MAX_DEPTH, peerChain, signedBy } from "./trusted-issuer.ts";

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
  // The library takes a CRL whose name matches canonically and verifies its signature only then:
  // one of another key under a name it may take for the issuer's could be the one it picks.
  const ofIssuer = crls.filter((crl) => crl.issuerMatch === id.issuerMatch || crl.signedBy(issuer.publicKey));
  if (ofIssuer.some((crl) => !crl.signedBy(issuer.publicKey) || crl.revoked.has(id.serial))) return false;
  return ofIssuer.some((crl) => crl.issuer === id.issuer && currentCrl(crl, now));
}

interface Known {
  readonly cert: X509Certificate;
  readonly fingerprint: string;
}

/**
 * Whether a peer (an open connection's `getPeerCertificate(true)`) is still accepted under
 * `material`. Answers for the material at the time of the call: build one per reload.
 */
export function stillAcceptedUnder(material: AcceptedMaterial): (peer: DetailedPeerCertificate) => boolean {
  const { crls, now } = material;
  // Parsed once per reload, fingerprints included (node:crypto computes one at each read).
  const parsed = new Map<string, Known>();
  const known = (raw: Buffer, fingerprint: string): Known => {
    const entry = parsed.get(fingerprint) ?? { cert: new X509Certificate(raw), fingerprint };
    parsed.set(fingerprint, entry);
    return entry;
  };
  let trustStore: Known[] | undefined;
  try {
    trustStore = material.trustStore.map((pem) => {
      const cert = new X509Certificate(pem);
      return known(cert.raw, cert.fingerprint256);
    });
  } catch {
    trustStore = undefined; // a trust store that does not parse keeps no connection
  }
  const trusted = new Set(trustStore?.map((ca) => ca.fingerprint));
  const selfSigned = new Map<string, boolean>();
  const isSelfSigned = ({ cert, fingerprint }: Known) => {
    const verdict = selfSigned.get(fingerprint) ?? signedBy(cert, cert);
    selfSigned.set(fingerprint, verdict);
    return verdict;
  };
  const verdicts = new Map<string, boolean>();

  const decide = (peer: DetailedPeerCertificate): boolean => {
    if (!trustStore || crls?.some((crl) => !crl.plain)) return false;
    const chain = peerChain(peer).map((c) => known(c.raw, c.fingerprint256));
    const verified = new Set(chain.map((c) => c.fingerprint));
    // A CA both sent and in the trust store (or twice in it) is one candidate issuer, not two.
    const pool = [...new Map([...trustStore, ...chain].map((c) => [c.fingerprint, c])).values()];
    let link = chain[0];
    if (link === undefined || isSelfSigned(link)) return false;
    for (let depth = 0; link !== undefined && depth < MAX_DEPTH; depth++) {
      const subject: Known = link;
      if (!current(subject.cert, now)) return false;
      const candidates = pool.filter((o) => o.fingerprint !== subject.fingerprint && subject.cert.checkIssued(o.cert));
      const issuer = candidates.length === 1 ? candidates[0]! : undefined;
      // The chain the connection's handshake verified (path length, name constraints, purposes):
      // a CA that has the issuer's name and key but is another certificate was never checked.
      if (!issuer || !verified.has(issuer.fingerprint) || !subject.cert.verify(issuer.cert.publicKey)) return false;
      if (crls && !notRevoked(subject.cert, issuer.cert, crls, now)) return false;
      if (isSelfSigned(issuer)) return trusted.has(issuer.fingerprint) && current(issuer.cert, now);
      link = issuer;
    }
    return false;
  };

  return (peer) => {
    const key = peerChain(peer)
      .map((c) => c.fingerprint256)
      .join(",");
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      try {
        verdict = decide(peer);
      } catch {
        verdict = false; // a certificate that does not parse
      }
      verdicts.set(key, verdict);
    }
    return verdict;
  };
}

/** `stillAcceptedUnder(material)(peer)`, for one peer. */
export function stillAccepted(peer: DetailedPeerCertificate, material: AcceptedMaterial): boolean {
  return stillAcceptedUnder(material)(peer);
}
