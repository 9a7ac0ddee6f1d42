/**
 * A Kafka client's key store certificate seen from its settings: its validity window, for the
 * refusal hint when a broker refuses it (`certificate-refusals.ts`), and the WARN at worker start
 * (main.ts, the worker's clients) and task start (task-builder.ts, a connector's
 * `*.override.ssl.keystore.*`) when it is outside its window or expires within 7 days: client
 * certificates for brokers are often short-lived, and a broker's refusal says only
 * `certificate_unknown`.
 */
import { ConfigError } from "../errors.ts";
import { type CertificateValidity, certificateValidity, expiryNotice } from "../tls/certificate-validity.ts";
import { securitySettings } from "./client-config.ts";
import type { ClientProperties } from "./kafka-port.ts";

/**
 * The validity of the certificate the client presents (TLS protocols with a key store only);
 * undefined when it presents none, or its settings are refused (the client says why when made).
 */
export function keyStoreCertificate(props: ClientProperties): CertificateValidity | undefined {
  try {
    return certificateValidity(securitySettings(props).tls?.cert);
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

/** What to warn about the client's key store certificate at its start (expiryNotice), if anything. */
export function keyStoreExpiryNotice(props: ClientProperties, now: number): string | undefined {
  const validity = keyStoreCertificate(props);
  return validity && expiryNotice(validity, now);
}

/** The WARN for `notice`; `whose` names the clients (`The worker's Kafka producer and consumer clients`). */
export function keyStoreExpiryWarning(whose: string, notice: string): string {
  return `${whose}: ${notice}; a broker that requires client certificates refuses it once it is not valid: renew the key store (ssl.keystore.*)`;
}
