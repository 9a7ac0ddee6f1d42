/**
 * TLS material from Kafka-style `ssl.*` settings, for the REST listeners (`listeners.https.ssl.*`)
 * and the Kafka clients (`ssl.*`, `producer.ssl.*`, …). Key stores and trust stores may be PEM
 * (files or inline `ssl.keystore.certificate.chain` / `ssl.keystore.key` /
 * `ssl.truststore.certificates`), PKCS12 (converted to PEM with node-forge, because Bun.serve
 * takes PEM only) or JKS (read with jks-js: the store's SHA-1 integrity check with the store
 * password, private keys under Sun's key protection with `ssl.key.password` or the store password).
 */
import { toPem as jksToPem } from "jks-js";
import type forge from "node-forge";
import { messageOf } from "../errors.ts";
import { throwInvalidKey } from "../util/invalid-value.ts";
import { unsupportedKeyTypeReason } from "./key-type.ts";
import {
  decryptPemPrivateKey,
  detectStoreType,
  keyPairProblem,
  openPkcs12,
  pkcs12Certificates,
  pkcs12PrivateKey,
  readStoreFile,
  type StoreType,
  splitPem,
  UnsupportedKeyTypeError,
  unsupportedKeyType,
} from "./store-formats.ts";
import { type TlsProtocolSettings, tlsProtocolSettings } from "./tls-protocols.ts";

export interface TlsMaterial {
  /** Trusted CA certificates (PEM); undefined means the system roots. */
  ca?: string[];
  /** Own certificate chain (PEM). */
  cert?: string;
  /** Own private key (PEM, unencrypted). */
  key?: string;
  /** Server side: `none`, `requested` or `required` (ssl.client.auth). */
  clientAuth: "none" | "requested" | "required";
  /** Client side: verify the peer's host name (ssl.endpoint.identification.algorithm=https). */
  verifyHostname: boolean;
  /** Protocol range and TLS 1.2 ciphers from ssl.enabled.protocols and ssl.cipher.suites. */
  protocols: TlsProtocolSettings;
}

/** The store's kind from its declared type, else from its first bytes. */
function kindOf(typeKey: string, declared: string | undefined, bytes: Buffer): StoreType {
  const kind = detectStoreType(declared, bytes);
  if (typeof kind === "object")
    throwInvalidKey(typeKey, `unsupported store type ${kind.unsupported}; use PEM, PKCS12 or JKS`);
  return kind;
}

/** A JKS store's entries as PEM; a wrong password or a damaged file fails naming `key`. */
function jks(key: string, path: string, bytes: Buffer, storePassword: string | undefined, keyPassword?: string) {
  try {
    return Object.values(jksToPem(bytes, storePassword ?? "", keyPassword ?? storePassword ?? ""));
  } catch (error) {
    throwInvalidKey(
      key,
      `cannot open the JKS store ${path} (wrong password or damaged file): ${(error as Error).message}`,
    );
  }
}

/** A PKCS12 store; a wrong password or a file that is not PKCS12 fails naming `key` and the file. */
function pkcs12(key: string, path: string, bytes: Buffer, password: string | undefined) {
  try {
    return openPkcs12(bytes, password ?? "");
  } catch (error) {
    throwInvalidKey(
      key,
      `cannot open the PKCS12 store ${path} (wrong password or not PKCS12): ${(error as Error).message}`,
    );
  }
}

function pkcs12Key(key: string, path: string, p12: forge.pkcs12.Pkcs12Pfx): string {
  let pem: string | undefined;
  try {
    pem = pkcs12PrivateKey(p12);
  } catch (error) {
    if (error instanceof UnsupportedKeyTypeError)
      throwInvalidKey(key, unsupportedKeyTypeReason(`the private key in the key store ${path}`, error.keyType));
    throwInvalidKey(
      key,
      `the PKCS12 key store's private key cannot be read (unsupported algorithm or curve?): ${messageOf(error)}`,
    );
  }
  if (pem === undefined) throwInvalidKey(key, "the PKCS12 key store holds no private key");
  return pem;
}

/**
 * An encrypted PEM key decrypted with `<prefix>ssl.key.password`; a failure says what Kafka's PEM key
 * store says (`file`: the store's path, none for an inline key) and names the password key as
 * written, or that it is not set.
 */
function decryptPemKey(key: string, prefix: string, pem: string, password: string | undefined, file?: string): string {
  if (!pem.includes("ENCRYPTED")) return pem;
  const passwordKey = `${prefix}ssl.key.password`;
  try {
    return decryptPemPrivateKey(pem, password ?? "");
  } catch (error) {
    const kafka = `${file === undefined ? "" : `Failed to load PEM SSL keystore ${file}: `}Invalid PEM keystore configs`;
    const reason =
      password === undefined
        ? `the private key is encrypted and ${passwordKey} is not set`
        : `${(error as Error).message}; check ${passwordKey}`;
    throwInvalidKey(key, `${kafka}: cannot decrypt the private key (${reason})`);
  }
}

/**
 * Reads the `ssl.*` settings found under `prefix` (e.g. `listeners.https.` or ``) in `props`.
 * Returns undefined when no key store or trust store is configured there.
 */
export function loadTlsMaterial(
  props: Readonly<Record<string, string>>,
  prefix = "",
  side: "client" | "server" = "client",
): TlsMaterial {
  const get = (k: string) => {
    const value = props[`${prefix}${k}`];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const material: TlsMaterial = {
    clientAuth: parseClientAuth(`${prefix}ssl.client.auth`, get("ssl.client.auth")),
    // A server's: Connect's listeners (SSLUtils) never read the key.
    verifyHostname:
      side === "client" &&
      parseEndpointIdentification(
        `${prefix}ssl.endpoint.identification.algorithm`,
        props[`${prefix}ssl.endpoint.identification.algorithm`],
      ),
    protocols: tlsProtocolSettings(props, prefix, side),
  };

  const chain = get("ssl.keystore.certificate.chain");
  const inlineKey = get("ssl.keystore.key");
  const keystore = get("ssl.keystore.location");
  if (chain && inlineKey) {
    material.cert = chain;
    material.key = decryptPemKey(`${prefix}ssl.keystore.key`, prefix, inlineKey, get("ssl.key.password"));
    const first = splitPem(chain, "CERTIFICATE")[0];
    const chainKey = `${prefix}ssl.keystore.certificate.chain`;
    if (first === undefined) throwInvalidKey(chainKey, "holds no PEM certificate");
    const problem = keyPairProblem(first, material.key);
    if (problem === "another key")
      throwInvalidKey(
        `${prefix}ssl.keystore.key`,
        `the private key is not the key of the first certificate in ${chainKey}`,
      );
    if (problem)
      throwInvalidKey(
        problem === "unsupported key type" ? `${prefix}ssl.keystore.key` : chainKey,
        unsupportedKeyType(problem, "the private key", `the first certificate in ${chainKey}`, {
          key: material.key,
          cert: first,
        }),
      );
  } else if (keystore) {
    const k = `${prefix}ssl.keystore.location`;
    const bytes = readStoreFile(k, keystore);
    const kind = kindOf(`${prefix}ssl.keystore.type`, get("ssl.keystore.type"), bytes);
    if (kind === "JKS") {
      const entry = jks(k, keystore, bytes, get("ssl.keystore.password"), get("ssl.key.password")).find(
        (e) => e.key && e.cert,
      );
      if (!entry?.key || !entry.cert) throwInvalidKey(k, `the JKS key store ${keystore} holds no private key entry`);
      material.key = entry.key;
      material.cert = entry.cert;
    } else if (kind === "PEM") {
      const text = bytes.toString("utf8");
      const keys = splitPem(text, "PRIVATE KEY");
      const certs = splitPem(text, "CERTIFICATE");
      if (keys.length === 0 || certs.length === 0)
        throwInvalidKey(k, `${keystore} must hold a private key and its certificate chain (PEM)`);
      material.key = decryptPemKey(k, prefix, keys[0]!, get("ssl.key.password"), keystore);
      material.cert = certs.join("\n");
    } else {
      const p12 = pkcs12(k, keystore, bytes, get("ssl.keystore.password"));
      material.key = pkcs12Key(k, keystore, p12);
      material.cert = pkcs12Certificates(p12).join("\n");
    }
    const first = splitPem(material.cert, "CERTIFICATE")[0];
    if (first === undefined) throwInvalidKey(k, `the key store ${keystore} holds no certificate`);
    const problem = keyPairProblem(first, material.key);
    if (problem === "another key")
      throwInvalidKey(k, `the private key in the key store ${keystore} is not the key of its first certificate`);
    if (problem)
      throwInvalidKey(
        k,
        unsupportedKeyType(
          problem,
          `the private key in the key store ${keystore}`,
          `the first certificate in the key store ${keystore}`,
          { key: material.key, cert: first },
        ),
      );
  }

  const inlineTrust = get("ssl.truststore.certificates");
  const truststore = get("ssl.truststore.location");
  if (inlineTrust) {
    material.ca = splitPem(inlineTrust, "CERTIFICATE");
  } else if (truststore) {
    const k = `${prefix}ssl.truststore.location`;
    const bytes = readStoreFile(k, truststore);
    const kind = kindOf(`${prefix}ssl.truststore.type`, get("ssl.truststore.type"), bytes);
    const password = get("ssl.truststore.password");
    material.ca =
      kind === "PEM"
        ? splitPem(bytes.toString("utf8"), "CERTIFICATE")
        : kind === "JKS"
          ? jks(k, truststore, bytes, password).flatMap((e) =>
              splitPem(`${e.ca ?? ""}\n${e.cert ?? ""}`, "CERTIFICATE"),
            )
          : pkcs12Certificates(pkcs12(k, truststore, bytes, password));
    if (material.ca.length === 0) throwInvalidKey(k, `${truststore} holds no certificate`);
  }

  return material;
}

/**
 * Whether the peer's host name is verified: empty turns it off; `https` (the default), and Java's
 * `ldap`/`ldaps`, keep it on. Java's trust manager fails every handshake for any other name; it is
 * an error on the key here, so a typo never turns the check off.
 */
function parseEndpointIdentification(key: string, value: string | undefined): boolean {
  const v = (value ?? "https").trim().toLowerCase();
  if (v === "") return false;
  if (v === "https" || v === "ldap" || v === "ldaps") return true;
  throwInvalidKey(
    key,
    `unknown identification algorithm ${value?.trim()}; use https, or empty to turn host name verification off`,
  );
}

function parseClientAuth(key: string, value: string | undefined): TlsMaterial["clientAuth"] {
  const v = (value ?? "none").toLowerCase();
  if (v === "none" || v === "requested" || v === "required") return v;
  throwInvalidKey(key, "String must be one of: required, requested, none");
}
