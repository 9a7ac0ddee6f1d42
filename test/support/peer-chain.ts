/**
 * The peer certificate node reports for a TLS connection whose verified chain is `pems` (leaf first),
 * linked by issuerCertificate: the certificates the client sent, then the trust store CAs the handshake
 * completed the chain with, up to the root. For still-accepted.ts's tests and bench.
 */
import { X509Certificate } from "node:crypto";
import type { DetailedPeerCertificate } from "node:tls";

export function peerChain(...pems: string[]): DetailedPeerCertificate {
  const [first, ...rest] = pems.map((pem) => new X509Certificate(pem));
  const link = (x: X509Certificate, next: X509Certificate[]): DetailedPeerCertificate =>
    ({
      raw: x.raw,
      fingerprint256: x.fingerprint256,
      ...(next.length > 0 ? { issuerCertificate: link(next[0]!, next.slice(1)) } : {}),
    }) as DetailedPeerCertificate;
  return link(first!, rest);
}
