/**
 * The REST listeners' TLS keys, declared once (merged into the worker's keys and docs): the `ssl.*`
 * keys an https listener reads (src/tls/server-tls.ts over key-stores.ts and tls-protocols.ts),
 * under `listeners.https.` for the regular listeners and `admin.listeners.https.` for the admin
 * listeners. As Connect's RestServer takes them (`valuesWithPrefixAllOrNothing`): when any key has
 * the listener's prefix, only the prefixed keys count (an unset one is at its default); else the
 * top-level `ssl.*` keys do. An admin listener never takes `listeners.https.*`.
 *
 * Defaults and docs are Connect 4.3.1's (WorkerConfig's `ssl.*`), with the gateway's differences
 * said. The runtime reads the values as given (`worker.originals`); the declarations give the docs,
 * the unknown-key check and `ssl.client.auth`'s validation.
 */
import { type ConfigDef, check, defineConfig, key } from "../plugin/config-def.ts";

const CLIENT_AUTH = ["required", "requested", "none"] as const;

/** Connect's `ssl.client.auth` (BrokerSecurityConfigs), also a top-level worker key. */
const sslClientAuthKey = () =>
  key.string({
    doc: "Configures the https listener to request client authentication: required (a client certificate that the trust store verifies is required), requested (client authentication is optional: a client may send no certificate, but one that does not verify fails the handshake) or none (client authentication is not needed).",
    default: "none",
    importance: "LOW",
    validators: [check.oneOf(CLIENT_AUTH)],
  });

const serverSslKeys = defineConfig({
  "ssl.keystore.type": key.string({
    doc: "The file format of the key store file: JKS, PKCS12 or PEM. Unset, the gateway detects it from the file (Connect takes JKS).",
    default: "JKS",
    importance: "MEDIUM",
  }),
  "ssl.keystore.location": key.string({
    doc: "The location of the key store file.",
    default: null,
    importance: "HIGH",
  }),
  "ssl.keystore.password": key.password({
    doc: "The store password for the key store file. Only needed if ssl.keystore.location is configured. Key store password is not supported for PEM format.",
    default: null,
    importance: "HIGH",
  }),
  "ssl.key.password": key.password({
    doc: "The password of the private key in the key store file or the PEM key specified in ssl.keystore.key.",
    default: null,
    importance: "HIGH",
  }),
  "ssl.keystore.key": key.password({
    doc: "Private key in PEM format with PKCS#8 keys, instead of a key store file. If the key is encrypted, key password must be specified using ssl.key.password.",
    default: null,
    importance: "HIGH",
  }),
  "ssl.keystore.certificate.chain": key.password({
    doc: "Certificate chain in PEM format with a list of X.509 certificates, instead of a key store file; needs ssl.keystore.key.",
    default: null,
    importance: "HIGH",
  }),
  "ssl.truststore.certificates": key.password({
    doc: "Trusted certificates in PEM format with X.509 certificates, instead of a trust store file.",
    default: null,
    importance: "HIGH",
  }),
  "ssl.truststore.type": key.string({
    doc: "The file format of the trust store file: JKS, PKCS12 or PEM. Unset, the gateway detects it from the file (Connect takes JKS).",
    default: "JKS",
    importance: "MEDIUM",
  }),
  "ssl.truststore.location": key.string({
    doc: "The location of the trust store file: the CAs that client certificates must chain to (ssl.client.auth).",
    default: null,
    importance: "HIGH",
  }),
  "ssl.truststore.password": key.password({
    doc: "The password for the trust store file. If a password is not set, trust store file configured will still be used, but integrity checking is disabled. Trust store password is not supported for PEM format.",
    default: null,
    importance: "HIGH",
  }),
  "ssl.client.auth": sslClientAuthKey(),
  "ssl.enabled.protocols": key.list({
    doc: "The list of protocols enabled for SSL connections: TLSv1.2 and/or TLSv1.3 (older protocols are refused). The default prefers TLSv1.3 if both sides support it and falls back to TLSv1.2 otherwise.",
    default: ["TLSv1.2", "TLSv1.3"],
    importance: "MEDIUM",
  }),
  "ssl.protocol": key.string({
    doc: "The SSL protocol used to generate the SSLContext, in Java's names (TLSv1.3, TLSv1.2, TLS, …). As with a Java server it does not limit the versions accepted (ssl.enabled.protocols does); a name Java does not know is a startup error.",
    default: "TLSv1.3",
    importance: "MEDIUM",
  }),
  "ssl.cipher.suites": key.list({
    doc: "A list of cipher suites in Java's (IANA) names. Connect's default supports all the available cipher suites; unset, the gateway offers forward-secret AEAD suites only.",
    default: [],
    importance: "LOW",
  }),
});

export const REST_TLS_GROUP = "REST https listeners";

/** The listeners' own prefixed TLS keys (`restListenerTlsPrefix` in src/tls/server-tls.ts). */
export const REST_TLS_PREFIXES = ["listeners.https.", "admin.listeners.https."] as const;

/**
 * `listeners.https.ssl.*`, `admin.listeners.https.ssl.*` and the top-level `ssl.client.auth` (the
 * other top-level `ssl.*` keys are the Kafka clients' keys, docs/client-keys.md).
 */
export const restTlsConfigDef: ConfigDef<{ "ssl.client.auth": string }> = defineConfig({
  "ssl.client.auth": sslClientAuthKey(),
})
  .concat(serverSslKeys.prefixed(REST_TLS_PREFIXES[0], REST_TLS_GROUP))
  .concat(serverSslKeys.prefixed(REST_TLS_PREFIXES[1], REST_TLS_GROUP));
