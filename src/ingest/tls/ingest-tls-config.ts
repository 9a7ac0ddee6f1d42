/**
 * The ingest listener's TLS settings, `ingest.listeners.https.ssl.*`, declared once (merged into
 * the worker's keys and docs). They mirror Connect's `listeners.https.ssl.*`, and are read by the
 * same code as the REST listeners' (src/tls/server-tls.ts over key-stores.ts: PEM, PKCS12, JKS;
 * protocols and cipher suites in Java's names). Three keys are the ingest listener's own: a CRL file, which certificate field names the
 * device, and how often the files are checked for changes (reload without restart).
 *
 * `loadIngestTls` is called by the TLS front end at start and again whenever a watched file
 * changes; it throws a ConfigError naming the key at fault. The CRL file is read bounded, as the
 * stores are (util/bounded-file.ts): a FIFO, a device or a file over 16 MiB is refused, never read.
 */
import { check, defineConfig, key } from "../../plugin/config-def.ts";
import { type ServerTls, serverTls } from "../../tls/server-tls.ts";
import { readStoreFile } from "../../tls/store-formats.ts";
import { throwInvalidKey } from "../../util/invalid-value.ts";
import type { ConnectionLimits } from "./connection-guard.ts";
import { type RevocationList, revocationLists } from "./revocation-list.ts";

/**
 * The largest delay a timer takes (2^31 - 1 ms, about 24.8 days): Bun, as Node, fires a timer with a
 * larger one after 1 ms, so every .ms key here is bounded by it (a deadline would close every
 * connection at once, a reload interval spin).
 */
export const MAX_TIMER_MS = 2_147_483_647;

export const INGEST_TLS_PREFIX = "ingest.listeners.https.";
const GROUP = "Ingest TLS";

export const CLIENT_IDENTITY_SOURCES = ["cn", "san.dns", "san.uri", "san.email", "san.ip", "fingerprint"] as const;
export type ClientIdentitySource = (typeof CLIENT_IDENTITY_SOURCES)[number];

const PROTOCOLS = ["TLSv1.2", "TLSv1.3"] as const;

export const ingestTlsConfigDef = defineConfig({
  "ingest.listeners.https.ssl.keystore.location": key.string({
    doc: "Key store of the https ingest listener: a PEM file (key and certificate chain), PKCS12 or JKS.",
    default: null,
    importance: "HIGH",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.keystore.type": key.string({
    doc: "Type of the key store: PEM, PKCS12 or JKS. Unset: detected from the file.",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.keystore.password": key.password({
    doc: "Password of the key store (PKCS12, JKS).",
    default: null,
    importance: "HIGH",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.key.password": key.password({
    doc: "Password of the private key (encrypted PEM key, JKS key entry); defaults to the key store password.",
    default: null,
    importance: "HIGH",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.keystore.certificate.chain": key.string({
    doc: "Certificate chain (PEM text) instead of a key store file; needs ssl.keystore.key.",
    default: null,
    importance: "LOW",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.keystore.key": key.password({
    doc: "Private key (PEM text) instead of a key store file.",
    default: null,
    importance: "LOW",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.truststore.location": key.string({
    doc: "Trust store for device certificates: a PEM CA bundle, PKCS12 or JKS.",
    default: null,
    importance: "HIGH",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.truststore.type": key.string({
    doc: "Type of the trust store: PEM, PKCS12 or JKS. Unset: detected from the file.",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.truststore.password": key.password({
    doc: "Password of the trust store (PKCS12, JKS).",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.truststore.certificates": key.string({
    doc: "Trusted CA certificates (PEM text) instead of a trust store file.",
    default: null,
    importance: "LOW",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.client.auth": key.string({
    doc: "Client certificates (mTLS): none, requested (verified when sent; an untrusted one fails the handshake) or required.",
    default: "none",
    importance: "HIGH",
    group: GROUP,
    validators: [check.oneOf(["none", "requested", "required"])],
  }),
  "ingest.listeners.https.ssl.enabled.protocols": key.list({
    doc: "TLS versions offered; only TLSv1.2 and TLSv1.3 are possible.",
    default: [...PROTOCOLS],
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.listOf(PROTOCOLS)],
  }),
  "ingest.listeners.https.ssl.protocol": key.string({
    doc: "The protocol of the listener's SSLContext in Java's names (TLSv1.3, TLSv1.2, TLS, …), as listeners.https.ssl.protocol. As with a Java server it does not limit the versions accepted (ssl.enabled.protocols does); a name Java does not know is a startup error.",
    default: "TLSv1.3",
    importance: "LOW",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.cipher.suites": key.list({
    doc: "Cipher suites in Java's (IANA) names, as for listeners.https.ssl.cipher.suites. Unset: forward-secret AEAD suites only.",
    default: null,
    importance: "LOW",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.crl.location": key.string({
    doc: "Certificate revocation list of the device CA (PEM, or one DER CRL as a CA publishes it); revoked device certificates fail the handshake. With an intermediate CA every CA of the chain needs its CRL: a PEM file may hold several, one after another. Reloaded when the file changes. A FIFO, a device or a file over 16 MiB is refused: at start a config error, at a reload the old revocations are kept and an error is logged.",
    default: null,
    importance: "MEDIUM",
    group: GROUP,
  }),
  "ingest.listeners.https.ssl.client.identity": key.string({
    doc: "Which field of a verified client certificate is the device identity: cn (subject common name), san.dns, san.uri, san.email, san.ip (the first such subject alternative name) or fingerprint (SHA-256, lowercase hex).",
    default: "cn",
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.oneOf(CLIENT_IDENTITY_SOURCES)],
  }),
  "ingest.listeners.https.ssl.reload.interval.ms": key.long({
    doc: "How often the key store, trust store and CRL files are checked for changes; a change is loaded without restart (new connections use it). 0 disables reloading.",
    default: 10000,
    importance: "LOW",
    group: GROUP,
    validators: [check.between(0, MAX_TIMER_MS)],
  }),
  "ingest.listeners.https.handshake.timeout.ms": key.long({
    doc: "A connection that has not completed its TLS handshake this long after it was accepted is closed (a client that never sends its ClientHello). 0: no limit.",
    default: 10000,
    importance: "LOW",
    group: GROUP,
    validators: [check.between(0, MAX_TIMER_MS)],
  }),
  "ingest.listeners.https.idle.timeout.ms": key.long({
    doc: "A connection waiting for its next request (after the handshake or a response) is closed after this long without one. Also bounds how long a connection of a certificate revoked since keeps going when it stays idle. 0: no limit.",
    default: 60000,
    importance: "LOW",
    group: GROUP,
    validators: [check.between(0, MAX_TIMER_MS)],
  }),
  "ingest.listeners.https.request.headers.timeout.ms": key.long({
    doc: "From the first byte of a request, its headers must be complete within this long, or the connection is closed (a client sending its headers a byte at a time). 0: no limit.",
    default: 30000,
    importance: "LOW",
    group: GROUP,
    validators: [check.between(0, MAX_TIMER_MS)],
  }),
  "ingest.listeners.https.request.body.timeout.ms": key.long({
    doc: "From the end of its headers, a request's body must be received within this long, or the connection is closed unanswered (a client trickling its body); not a REST Proxy v3 stream whose answer has begun (a chunked POST …/records), which ingest.request.timeout.ms between bytes and ingest.streaming.max.duration.ms bound. The deadline applied is the larger of this value and the largest ingest.request.timeout.ms of the open or paused routes plus 10 s (at most 2147483647 ms), so a lower value is raised (40000 with the default 30 s route timeout), as on the plain listener: a route's body late past its ingest.request.timeout.ms is answered 408 in REST Proxy's error shape and the connection closed. With no route, this value. 0: no limit.",
    default: 60000,
    importance: "LOW",
    group: GROUP,
    validators: [check.between(0, MAX_TIMER_MS)],
  }),
  "ingest.listeners.https.write.stall.timeout.ms": key.long({
    doc: "A connection with answers waiting to be sent of which no byte could be sent for this long (a client that sends requests but does not read the answers) is closed, and what was buffered for it freed. While its answers are not read, no further request of the connection is read or handled. 0: no limit.",
    default: 30000,
    importance: "LOW",
    group: GROUP,
    validators: [check.between(0, MAX_TIMER_MS)],
  }),
  "ingest.listeners.https.max.connections": key.int({
    doc: "Open connections of each https ingest listener at most; one more is closed when accepted. 0: no limit.",
    default: 10000,
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
  "ingest.listeners.https.max.connections.per.ip": key.int({
    doc: "Open connections from one client IP address at most (devices behind one NAT share an address: size it for that). 0: no limit.",
    default: 1000,
    importance: "MEDIUM",
    group: GROUP,
    validators: [check.atLeast(0)],
  }),
});

/** What the TLS front end needs, read from the files now. */
export interface IngestTlsSettings {
  /** Key store, trust store, client auth and protocols, as for every server listener. */
  readonly server: ServerTls;
  readonly crl?: Buffer;
  /** The CRLs of `crl`, parsed (revocation-list.ts). */
  readonly crls?: readonly RevocationList[];
  /** The file `crl` was read from (named in logs). */
  readonly crlLocation?: string;
  readonly identity: ClientIdentitySource;
  /** Files whose change triggers a reload. */
  readonly files: readonly string[];
  readonly reloadIntervalMs: number;
  /** Timeouts and connection caps (read at start; a reload does not change them). */
  readonly limits: ConnectionLimits;
}

/**
 * Reads the ingest listener's TLS material from the worker's settings (`originals`) with the
 * same code as the REST listeners (src/tls/server-tls.ts: key stores, protocols and cipher suites
 * in Java's names, the trust-store rule), plus the ingest listener's own rules: `requested` needs
 * the device CA too (a device that sends a certificate must be verifiable), a CRL needs client
 * certificates.
 */
export function loadIngestTls(
  originals: Readonly<Record<string, string>>,
  listener = "https ingest",
): IngestTlsSettings {
  const parsed = ingestTlsConfigDef.parse(originals);
  const server = serverTls(originals, INGEST_TLS_PREFIX, listener);
  if (server.clientAuth === "requested" && !server.ca) {
    throwInvalidKey(
      `${INGEST_TLS_PREFIX}ssl.truststore.location`,
      `ssl.client.auth=requested needs a trust store with the device CA (${INGEST_TLS_PREFIX}ssl.truststore.location or ${INGEST_TLS_PREFIX}ssl.truststore.certificates); without one any public CA would be trusted`,
    );
  }
  const crlPath = parsed["ingest.listeners.https.ssl.crl.location"];
  let crl: Buffer | undefined;
  let crls: RevocationList[] | undefined;
  if (crlPath) {
    crl = readStoreFile(`${INGEST_TLS_PREFIX}ssl.crl.location`, crlPath);
    if (server.clientAuth === "none")
      throwInvalidKey(`${INGEST_TLS_PREFIX}ssl.crl.location`, "a CRL needs ssl.client.auth requested or required");
    try {
      crls = revocationLists(crl as Buffer);
    } catch (error) {
      throwInvalidKey(
        `${INGEST_TLS_PREFIX}ssl.crl.location`,
        `cannot read the CRLs of ${crlPath}: ${(error as Error).message}`,
      );
    }
  }
  const files = [
    parsed["ingest.listeners.https.ssl.keystore.location"],
    parsed["ingest.listeners.https.ssl.truststore.location"],
    crlPath,
  ].filter((f): f is string => typeof f === "string" && f !== "");
  return {
    server,
    ...(crl && crls && crlPath ? { crl, crls, crlLocation: crlPath } : {}),
    identity: parsed["ingest.listeners.https.ssl.client.identity"] as ClientIdentitySource,
    files,
    reloadIntervalMs: parsed["ingest.listeners.https.ssl.reload.interval.ms"],
    limits: {
      handshakeTimeoutMs: parsed["ingest.listeners.https.handshake.timeout.ms"],
      idleTimeoutMs: parsed["ingest.listeners.https.idle.timeout.ms"],
      headersTimeoutMs: parsed["ingest.listeners.https.request.headers.timeout.ms"],
      bodyTimeoutMs: parsed["ingest.listeners.https.request.body.timeout.ms"],
      writeStallTimeoutMs: parsed["ingest.listeners.https.write.stall.timeout.ms"],
      maxConnections: parsed["ingest.listeners.https.max.connections"],
      maxConnectionsPerIp: parsed["ingest.listeners.https.max.connections.per.ip"],
    },
  };
}
