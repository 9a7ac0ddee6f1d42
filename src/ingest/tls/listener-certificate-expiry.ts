/**
 * The WARN the https ingest listener logs at start and after each reload when its own certificate
 * (the first of `ingest.listeners.https.ssl.keystore.*`'s chain) is not valid, or expires within 7
 * days. Devices refuse an expired server certificate in the handshake, each with its own alert the
 * gateway never hears about: without this line a forgotten renewal shows only as devices going
 * quiet. Called by tls-front-end.ts.
 */
import { certificateValidity, expiryNotice } from "../../tls/certificate-validity.ts";
import { INGEST_TLS_PREFIX } from "./ingest-tls-config.ts";

/** The WARN for the listener `url`'s certificate chain `cert` at `now`; undefined when it stays valid beyond 7 days. */
export function listenerCertificateWarning(cert: string, url: string, now: number): string | undefined {
  const validity = certificateValidity(cert);
  const notice = validity && expiryNotice(validity, now);
  return (
    notice &&
    `The https ingest listener ${url}: ${notice}; devices refuse it in the TLS handshake once it is not valid: renew the key store (${INGEST_TLS_PREFIX}ssl.keystore.*), read again within ${INGEST_TLS_PREFIX}ssl.reload.interval.ms`
  );
}
