/**
 * The TLS of an OAuth2/OIDC token endpoint, shared by the HTTP connectors: always verified
 * (certificate chain and host name), against the system trust store plus the CAs configured for the
 * data endpoint. Settings that turn verification off (the sink's allowSelfSigned, the source's
 * http.ssl.verification.enabled=false) are the data endpoint's only, so the client credentials
 * never go to a server nobody verified; and a private CA configured for the data API is added to
 * the system roots rather than replacing them, so a public identity provider still works beside it.
 * A client certificate (mTLS) is offered to the token endpoint as well.
 */
import { getCACertificates } from "node:tls";
import type { ClientTls } from "./http-client.ts";

/** The token endpoint's TLS for a data endpoint's `tls` (undefined: the defaults, which verify). */
export function tokenEndpointTls(tls: ClientTls | undefined): ClientTls | undefined {
  if (!tls) return undefined;
  const ca = tls.ca && tls.ca.length > 0 ? [...getCACertificates("default"), ...tls.ca] : undefined;
  return { ...tls, ca, rejectUnauthorized: true };
}
