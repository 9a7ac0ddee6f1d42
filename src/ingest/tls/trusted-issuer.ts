/**
 * Whether a client certificate the TLS library refused for its validity window was issued by a
 * trusted CA. OpenSSL reports the last problem it found, and checks the validity window after the
 * chain: an expired certificate of another CA, or self-signed, is reported CERT_HAS_EXPIRED too.
 * Only one whose chain (the certificates the client sent, then the trust store) ends at a trust
 * store CA gets the 401 naming the problem (ssl.client.auth=requested); others are dropped as
 * every untrusted certificate is.
 *
 * With a CRL configured OpenSSL reports a self-signed certificate as UNABLE_TO_GET_CRL (it looks for
 * the CRL of its issuer before failing the chain): `chainError` gives the error it gets without a
 * CRL, so the handshake failure is counted as untrusted rather than as a missing CRL (explore2 G3).
 */
import { X509Certificate } from "node:crypto";
import type { DetailedPeerCertificate } from "node:tls";

/** Deeper chains are not followed (as OpenSSL's default verify depth bounds them). */
export const MAX_DEPTH = 10;

export function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/** The peer certificates node reports, leaf first (linked by issuerCertificate, ending where a link repeats). */
export function peerChain(peer: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const chain: DetailedPeerCertificate[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = peer; c?.raw && !seen.has(c.fingerprint256); ) {
    seen.add(c.fingerprint256);
    chain.push(c);
    c = c.issuerCertificate;
  }
  return chain;
}

/** The certificates the client sent, leaf first. */
export function presented(peer: DetailedPeerCertificate): X509Certificate[] {
  return peerChain(peer).map((c) => new X509Certificate(c.raw));
}

/**
 * OpenSSL's chain error for a client certificate not issued by a trusted CA (undefined when it is):
 * self-signed, a chain ending at an untrusted root, or an issuer not found.
 */
export function chainError(peer: DetailedPeerCertificate, trustStore: readonly string[]): string | undefined {
  if (issuedByTrustedCa(peer, trustStore)) return undefined;
  try {
    const chain = presented(peer);
    const last = chain[chain.length - 1];
    if (last !== undefined && signedBy(last, last))
      return chain.length === 1 ? "DEPTH_ZERO_SELF_SIGNED_CERT" : "SELF_SIGNED_CERT_IN_CHAIN";
    return chain.length <= 1 ? "UNABLE_TO_VERIFY_LEAF_SIGNATURE" : "UNABLE_TO_GET_ISSUER_CERT_LOCALLY";
  } catch {
    return "UNABLE_TO_VERIFY_LEAF_SIGNATURE";
  }
}

export function issuedByTrustedCa(peer: DetailedPeerCertificate, trustStore: readonly string[]): boolean {
  try {
    const trusted = trustStore.map((pem) => new X509Certificate(pem));
    const chain = presented(peer);
    let current = chain[0];
    for (let depth = 0; current !== undefined && depth < MAX_DEPTH; depth++) {
      const cert: X509Certificate = current;
      if (trusted.some((ca) => signedBy(cert, ca))) return true;
      current = chain.find((next) => next !== cert && signedBy(cert, next));
    }
    return false;
  } catch {
    return false; // a certificate that does not parse is not trusted
  }
}
