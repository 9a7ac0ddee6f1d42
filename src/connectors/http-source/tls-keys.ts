/**
 * The HTTP source's TLS keys (group "TLS"), part of its config declaration in config.ts: trust and
 * key stores in JKS, PKCS12 or PEM, read by config-rules.ts (tlsMaterialOf). Store keys set while
 * http.ssl.enabled is not true are ignored: the task names them in a warning (ignoredTlsWarning).
 */
import { check, key } from "../../plugin/config-def.ts";

const TLS = "TLS";
const STORE_TYPES = ["JKS", "PKCS12", "PEM"];

export const tlsKeys = {
  "http.ssl.enabled": key.boolean({
    doc: "Use the trust and key stores below for https URLs (without them the system's CAs are trusted). When false, store keys that are set are ignored, and the task logs a warning naming them.",
    default: false,
    group: TLS,
  }),
  "http.ssl.truststore.location": key.string({
    doc: "Trust store (JKS, PKCS12 or PEM) with the CAs that sign the server's certificate (the OAuth2 token endpoint trusts them as well as the system's CAs).",
    default: null,
    group: TLS,
  }),
  "http.ssl.truststore.password": key.password({
    doc: "The trust store's password. A JKS trust store may go without it: its certificates are read as Java reads them without a password, with no integrity check; a PKCS12 one needs it.",
    default: null,
    group: TLS,
  }),
  "http.ssl.truststore.type": key.string({
    doc: "JKS, PKCS12 or PEM; unset: recognised from the file.",
    default: null,
    group: TLS,
    validators: [check.oneOfIgnoreCase(STORE_TYPES)],
  }),
  "http.ssl.keystore.location": key.string({
    doc: "Key store (JKS, PKCS12 or PEM with key and chain) with the client certificate for mTLS.",
    default: null,
    group: TLS,
  }),
  "http.ssl.keystore.password": key.password({ doc: "The key store's password.", default: null, group: TLS }),
  "http.ssl.keystore.type": key.string({
    doc: "JKS, PKCS12 or PEM; unset: recognised from the file.",
    default: null,
    group: TLS,
    validators: [check.oneOfIgnoreCase(STORE_TYPES)],
  }),
  "http.ssl.key.password": key.password({
    doc: "The private key's password, when it differs from the key store's.",
    default: null,
    group: TLS,
  }),
  "http.ssl.verification.enabled": key.boolean({
    doc: "Verify the API server's certificate and host name (the OAuth2 token endpoint is always verified). Turn off only for tests.",
    default: true,
    group: TLS,
  }),
};

/** The keys that only apply with http.ssl.enabled=true. */
const STORE_KEYS = Object.keys(tlsKeys).filter(
  (k) => k !== "http.ssl.enabled" && k !== "http.ssl.verification.enabled",
);

/**
 * The warning for store keys `config` sets (non-empty) while http.ssl.enabled is not true, naming
 * the keys only (never their values), or undefined when there are none.
 */
export function ignoredTlsWarning(config: Readonly<Record<string, string | null | undefined>>, enabled: boolean) {
  if (enabled) return undefined;
  const ignored = STORE_KEYS.filter((k) => (config[k] ?? "") !== "");
  if (ignored.length === 0) return undefined;
  return `http.ssl.enabled is not true: ${ignored.join(", ")} ${ignored.length === 1 ? "is" : "are"} ignored (the system's CAs are trusted and no client certificate is sent)`;
}
