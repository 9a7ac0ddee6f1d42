/**
 * The verified client certificate of a TLS connection, in the shape the ingest pipeline uses:
 * subject and issuer fields, subject alternative names by type, SHA-256 fingerprint. Built by the
 * TLS front end from node:tls's `getPeerCertificate()` once per connection, and looked up per
 * request with `peerCertificateOf(request)` (the request handler only sees a fetch Request).
 */
import type { PeerCertificate as NodePeerCertificate } from "node:tls";

export type SanType = "DNS" | "URI" | "IP" | "email";

export interface PeerCertificate {
  /** Subject fields (CN, O, OU, …) as the certificate names them; multi-valued fields joined with ",". */
  readonly subject: Readonly<Record<string, string>>;
  readonly issuer: Readonly<Record<string, string>>;
  readonly subjectAltNames: ReadonlyArray<{ readonly type: SanType; readonly value: string }>;
  /** SHA-256 of the DER certificate, lowercase hex without separators. */
  readonly fingerprint256: string;
  readonly serialNumber: string;
  readonly validTo: string;
}

function fields(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.map(String).join(",");
  }
  return out;
}

/** Parses node's `subjectaltname` ("DNS:a, URI:b, IP Address:1.2.3.4, email:c"). */
export function parseSubjectAltNames(text: string | undefined): PeerCertificate["subjectAltNames"] {
  if (!text) return [];
  const out: { type: SanType; value: string }[] = [];
  for (const part of text.split(/,\s*/)) {
    const colon = part.indexOf(":");
    if (colon <= 0) continue;
    const label = part.slice(0, colon).trim();
    const value = part
      .slice(colon + 1)
      .trim()
      .replace(/^"|"$/g, "");
    const type: SanType | undefined =
      label === "DNS"
        ? "DNS"
        : label === "URI"
          ? "URI"
          : label === "IP Address"
            ? "IP"
            : label === "email"
              ? "email"
              : undefined;
    if (type && value !== "") out.push({ type, value });
  }
  return out;
}

/** The certificate node reports, or undefined when the client sent none. */
export function fromNodeCertificate(cert: NodePeerCertificate | Record<string, never> | null | undefined) {
  if (!cert || !("fingerprint256" in cert) || !cert.fingerprint256) return undefined;
  const peer: PeerCertificate = {
    subject: fields(cert.subject),
    issuer: fields(cert.issuer),
    subjectAltNames: parseSubjectAltNames(cert.subjectaltname),
    fingerprint256: cert.fingerprint256.replace(/:/g, "").toLowerCase(),
    serialNumber: cert.serialNumber ?? "",
    validTo: cert.valid_to ?? "",
  };
  return peer;
}

const peers = new WeakMap<Request, PeerCertificate>();

/** Called by the TLS front end for each request on a connection with a verified client certificate. */
export function attachPeerCertificate(request: Request, peer: PeerCertificate): void {
  peers.set(request, peer);
}

/** The verified client certificate of the connection `request` came on (hono: `c.req.raw`). */
export function peerCertificateOf(request: Request): PeerCertificate | undefined {
  return peers.get(request);
}
