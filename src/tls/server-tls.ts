/**
 * The TLS settings of one server listener, from Kafka-style `ssl.*` keys under a prefix
 * (`listeners.https.` for the REST API, `admin.listeners.https.` for its admin listeners, else
 * the top-level `ssl.*`: `restListenerTlsPrefix`; the ingest listener uses its own), checked once at startup,
 * and rendered for the two servers the gateway runs: Bun.serve (`bunServeTls`) and `node:tls`
 * (`nodeTlsServerOptions`, where the peer certificate must be readable).
 *
 * Rules beyond `key-stores.ts` and `tls-protocols.ts`:
 * - a key store is required;
 * - `ssl.client.auth=required` needs a trust store (`ssl.truststore.location` or
 *   `ssl.truststore.certificates`): without one the process's default CA store would decide which
 *   client certificates count, so it is a startup error naming the key;
 * - `ssl.client.auth=requested` asks for a certificate and admits a client without one (it does
 *   not authenticate); the servers close the connection of one whose certificate does not verify,
 *   as JSSE does (`http1-server.ts`, `tls-front-end.ts`).
 */
import { ConfigError } from "../errors.ts";
import { loadTlsMaterial } from "./key-stores.ts";
import { secureOptionsFor, type TlsProtocolSettings } from "./tls-protocols.ts";

export interface ServerTls {
  readonly cert: string;
  readonly key: string;
  /** Trusted CAs for client certificates; undefined when none is configured. */
  readonly ca: string[] | undefined;
  readonly clientAuth: "none" | "requested" | "required";
  readonly protocols: TlsProtocolSettings;
}

function keyError(key: string, message: string): never {
  throw new ConfigError(message, new Map([[key, [message]]]));
}

/**
 * The prefix of a REST listener's `ssl.*` keys, as Connect's RestServer takes them
 * (`valuesWithPrefixAllOrNothing`): `listeners.https.` for the regular listeners and
 * `admin.listeners.https.` for the admin listeners when any key has that prefix, else the
 * top-level `ssl.*` keys (an admin listener never takes the regular listeners' keys).
 */
export function restListenerTlsPrefix(originals: Readonly<Record<string, string>>, admin: boolean): string {
  const prefix = admin ? "admin.listeners.https." : "listeners.https.";
  return Object.keys(originals).some((k) => k.startsWith(prefix)) ? prefix : "";
}

/**
 * Reads and checks the TLS settings under `prefix` in `props`; `listener` names the listener in
 * messages (`https://0.0.0.0:8443`). Throws a ConfigError naming the key at fault.
 */
export function serverTls(props: Readonly<Record<string, string>>, prefix: string, listener: string): ServerTls {
  const material = loadTlsMaterial(props, prefix, "server");
  if (!material.cert || !material.key) {
    keyError(
      `${prefix}ssl.keystore.location`,
      `The listener ${listener} needs a key store: set ${prefix}ssl.keystore.location (PEM or PKCS12) or ${prefix}ssl.keystore.certificate.chain and ${prefix}ssl.keystore.key`,
    );
  }
  if (material.clientAuth === "required" && material.ca === undefined) {
    keyError(
      `${prefix}ssl.truststore.location`,
      `Invalid value required for configuration ${prefix}ssl.client.auth: the listener ${listener} requires client certificates but has no trust store; set ${prefix}ssl.truststore.location (or ${prefix}ssl.truststore.certificates) to the CA certificates that sign them`,
    );
  }
  return {
    cert: material.cert,
    key: material.key,
    ca: material.ca,
    clientAuth: material.clientAuth,
    protocols: material.protocols,
  };
}

/** The `tls` option of Bun.serve. */
export function bunServeTls(tls: ServerTls) {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca ? { ca: tls.ca } : {}),
    requestCert: tls.clientAuth !== "none",
    rejectUnauthorized: tls.clientAuth === "required",
    ciphers: tls.protocols.ciphers,
    secureOptions: secureOptionsFor(tls.protocols),
  };
}

/** Options for `node:tls` `createServer`: Bun.serve's, plus the protocol range as versions. */
export function nodeTlsServerOptions(tls: ServerTls) {
  return {
    ...bunServeTls(tls),
    minVersion: tls.protocols.minVersion,
    maxVersion: tls.protocols.maxVersion,
  };
}
