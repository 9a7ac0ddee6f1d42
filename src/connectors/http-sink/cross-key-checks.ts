/**
 * The HTTP sink's checks across keys (config/validate and the connector's start).
 */
import type { RawConfig } from "../../plugin/config-def.ts";
import { ALIAS_PREFIXES, HEADER_FAMILY, httpSinkConfig } from "./config.ts";
import * as checks from "./config-checks.ts";

/**
 * Cross-key checks: mTLS needs both files, the key being the certificate's; OIDC needs both the
 * request and the endpoint; every `sink.header.*` is a header an HTTP client can send (headerErrors);
 * behavior.on.null.values=delete has the key in the URL or a header.
 */
export function crossKeyErrors(raw: RawConfig): { key: string; message: string }[] {
  const c = httpSinkConfig.parse(raw);
  const errors = checks.headerErrors(raw, HEADER_FAMILY, ALIAS_PREFIXES, c["use-raw-authorization-header"]);
  const clientCert = c["security.cert.client"];
  const clientKey = c["security.key.client"];
  if ((clientCert === null) !== (clientKey === null)) {
    const missing = clientCert === null ? "security.cert.client" : "security.key.client";
    errors.push({ key: missing, message: "mTLS needs both security.cert.client and security.key.client" });
  } else if (clientCert && clientKey) {
    const mismatch = checks.clientKeyPairError(clientCert, clientKey);
    if (mismatch !== undefined) errors.push({ key: "security.key.client", message: mismatch });
  }
  // A missing one; an empty one is refused by validation only (validation-only.ts).
  if ((c["security.oidc.token.request"] === null) !== (c["security.oidc.token.endpoint.url"] === null)) {
    const missing =
      c["security.oidc.token.request"] === null ? "security.oidc.token.request" : "security.oidc.token.endpoint.url";
    errors.push({
      key: missing,
      message: "OIDC needs both security.oidc.token.request and security.oidc.token.endpoint.url",
    });
  }
  // A DELETE of the url alone (`DELETE /items`) would remove the collection, not the record's resource;
  // a fragment is never sent, so `${key}` there names nothing.
  const sent = (c.url ?? "").split("#", 1)[0]!;
  const keyed = sent.includes("${key}") || c["sink.forward.key.header"] !== "";
  if (c["behavior.on.null.values"].toLowerCase() === "delete" && !keyed) {
    errors.push({
      key: "behavior.on.null.values",
      message:
        "behavior.on.null.values=delete needs ${key} in url or sink.forward.key.header: a DELETE must name the record's resource, not the url alone",
    });
  }
  return errors;
}
