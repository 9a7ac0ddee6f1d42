/**
 * The verified client certificate of a TLS connection in the pipeline's shape
 * (`PeerCertificateInfo`, request-context.ts), built by the TLS front end from node:tls's
 * `getPeerCertificate()` once per connection; and the subject alternative names parsed by type.
 */
import type { PeerCertificate as NodePeerCertificate } from "node:tls";
import { ErrorCodes, errorBody } from "../ingest-error.ts";
import type { PeerCertificateInfo } from "../request-context.ts";

export type SanType = "DNS" | "URI" | "IP" | "email";

/** Name fields as node gives them: a repeated field (two OUs) keeps each value. */
function fields(value: unknown): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.map(String);
  }
  return out;
}

const SAN_LABELS: Record<string, SanType> = { DNS: "DNS", URI: "URI", "IP Address": "IP", email: "email" };

/**
 * Parses node's `subjectaltname` ("DNS:a, URI:b, IP Address:1.2.3.4, email:c"). A value with a
 * character that would make this list ambiguous (`,` `"` `\` `'`, control characters) comes as a
 * JSON string literal whose commas are escaped (`URI:"urn:a\u002cb"`, node's fix of
 * CVE-2021-44532, which Bun shares), so splitting at ", " is safe and such a value is decoded
 * (it was used with its quotes stripped and its escapes kept: `urn:a\u002cb`, not `urn:a,b`).
 */
export function parseSubjectAltNames(text: string | null | undefined): { type: SanType; value: string }[] {
  if (!text) return [];
  const out: { type: SanType; value: string }[] = [];
  for (const part of text.split(/,\s*/)) {
    const colon = part.indexOf(":");
    if (colon <= 0) continue;
    const type = SAN_LABELS[part.slice(0, colon).trim()];
    const value = sanValue(part.slice(colon + 1).trim());
    if (type && value) out.push({ type, value });
  }
  return out;
}

/** A SAN value as printed: plain, or a JSON string literal (undefined when it is not a valid one). */
function sanValue(printed: string): string | undefined {
  if (!printed.startsWith('"')) return printed;
  try {
    const value: unknown = JSON.parse(printed);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** SHA-256 fingerprint as lowercase hex without separators (the form identities use). */
export function fingerprintHex(fingerprint256: string): string {
  return fingerprint256.replace(/:/g, "").toLowerCase();
}

/**
 * Why `cert` is outside its validity window at `nowMs` (wall clock), in OpenSSL's words, or
 * undefined. For resumed sessions, whose certificate the TLS library does not check again; a date
 * node gives in a form that does not parse is not held against the certificate (the full
 * handshake checked it).
 */
export function validityError(
  cert: { readonly valid_from?: string; readonly valid_to?: string },
  nowMs: number,
): "CERT_HAS_EXPIRED" | "CERT_NOT_YET_VALID" | undefined {
  if (nowMs > Date.parse(cert.valid_to ?? "")) return "CERT_HAS_EXPIRED";
  if (nowMs < Date.parse(cert.valid_from ?? "")) return "CERT_NOT_YET_VALID";
  return undefined;
}

/** The certificate node reports, or null when the client sent none. */
export function fromNodeCertificate(
  cert: NodePeerCertificate | Record<string, never> | null | undefined,
): PeerCertificateInfo | null {
  if (!cert || !("fingerprint256" in cert) || !cert.fingerprint256) return null;
  const notAfter = Date.parse(cert.valid_to ?? "");
  return {
    ...(Number.isFinite(notAfter) ? { notAfter } : {}),
    subject: fields(cert.subject),
    subjectAltName: cert.subjectaltname ?? null,
    fingerprint256: cert.fingerprint256,
    raw: cert.raw ? new Uint8Array(cert.raw) : null,
    issuer: fields(cert.issuer),
    serialNumber: cert.serialNumber ?? "",
  };
}

/** What a 401 says of a client certificate outside its validity window, by OpenSSL's reason. */
const VALIDITY_PROBLEMS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: "The client certificate has expired",
  CERT_NOT_YET_VALID: "The client certificate is not yet valid",
};

/**
 * The answer to every request of a connection whose client certificate, sent to a listener with
 * ssl.client.auth=requested, is outside its validity window: 401 in REST Proxy's shape naming the
 * problem, and the connection closed after it; undefined for another reason (an untrusted or
 * revoked certificate), whose connection is dropped.
 */
export function certificateRefusal(reason: string): (() => Response) | undefined {
  const message = VALIDITY_PROBLEMS[reason];
  if (message === undefined) return undefined;
  return () =>
    new Response(errorBody(ErrorCodes.UNAUTHORIZED, message), {
      status: 401,
      headers: { "Content-Type": "application/json", Connection: "close" },
    });
}
