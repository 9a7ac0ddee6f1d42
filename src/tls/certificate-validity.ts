/**
 * The validity window of a key store's own certificate (the first of its chain), and what to say
 * about it: brokers (and servers) that require a client certificate refuse one outside its window,
 * and their alert (`certificate_unknown`) does not say why. Used by the Kafka clients' refusal
 * hint (`../kafka/certificate-refusals.ts`), the expiry warnings at worker and task start
 * (`../kafka/key-store-expiry.ts`), the HTTP connectors' client certificate
 * (`../http/client-certificate-expiry.ts`) and the https listeners' own
 * (`listener-certificate-expiry.ts`).
 */
import { X509Certificate } from "node:crypto";
import { splitPem } from "./store-formats.ts";

export interface CertificateValidity {
  /**
   * The subject, e.g. `CN=edge-gateway-client` (RDNs joined with ", "); for a certificate with an
   * empty subject its first subject alternative name (`DNS:gateway.example`), else `(no subject)`.
   */
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export const DAY_MS = 86_400_000;

/** Days before a certificate's end from which it is warned about (clients, listeners). */
export const EXPIRY_WARNING_DAYS = 7;

/** A certificate's name in messages (CertificateValidity.subject). */
function subjectName(cert: X509Certificate): string {
  // Bun gives no subject (null) for an empty one.
  const subject = (cert.subject ?? "").split("\n").filter((rdn) => rdn !== "");
  if (subject.length > 0) return subject.join(", ");
  return cert.subjectAltName?.split(", ")[0] || "(no subject)";
}

/** The first certificate of a PEM chain; undefined when there is none (or no chain) or it does not parse. */
export function certificateValidity(chainPem: string | undefined): CertificateValidity | undefined {
  const first = chainPem === undefined ? undefined : splitPem(chainPem, "CERTIFICATE")[0];
  if (first === undefined) return undefined;
  try {
    const cert = new X509Certificate(first);
    return {
      subject: subjectName(cert),
      notBefore: new Date(cert.validFrom),
      notAfter: new Date(cert.validTo),
    };
  } catch {
    return undefined;
  }
}

/** An instant as ISO 8601 to the second (`2026-12-04T00:41:41Z`). */
function instant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Why the certificate is not valid at `now` (expired, not yet valid); undefined when it is. */
export function validityProblem(validity: CertificateValidity, now: number): string | undefined {
  if (now > validity.notAfter.getTime())
    return `the key store's certificate ${validity.subject} expired on ${instant(validity.notAfter)}`;
  if (now < validity.notBefore.getTime())
    return `the key store's certificate ${validity.subject} is not valid before ${instant(validity.notBefore)}`;
  return undefined;
}

/**
 * What to warn about at a client's start: the certificate is not valid at `now`, or expires within
 * `days`; undefined otherwise.
 */
export function expiryNotice(
  validity: CertificateValidity,
  now: number,
  days = EXPIRY_WARNING_DAYS,
): string | undefined {
  const problem = validityProblem(validity, now);
  if (problem !== undefined) return problem;
  const left = validity.notAfter.getTime() - now;
  if (left > days * DAY_MS) return undefined;
  const inDays = Math.floor(left / DAY_MS);
  const when = inDays === 0 ? "within a day" : `in ${inDays} day${inDays === 1 ? "" : "s"}`;
  return `the key store's certificate ${validity.subject} expires on ${instant(validity.notAfter)} (${when})`;
}

/**
 * `notice` (expiryNotice, or validityProblem) for the first certificate of `chainPem`; undefined
 * when there is none or it does not parse.
 */
export function certificateNotice(
  chainPem: string | undefined,
  now: number,
  notice: (validity: CertificateValidity, now: number) => string | undefined = expiryNotice,
): string | undefined {
  const validity = certificateValidity(chainPem);
  return validity && notice(validity, now);
}
