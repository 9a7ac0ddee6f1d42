/**
 * Client TLS material for the outbound HTTP connectors, from `<prefix>truststore.*`,
 * `<prefix>keystore.*` and `<prefix>key.password` (prefix `http.ssl.` for the source). Stores may
 * be JKS (read directly with jks-js: users keep the stores the Java connectors use), PKCS12
 * (node-forge) or PEM; the type is taken from `<prefix>*.type` or recognised from the file's first
 * bytes. Every failure is a ConfigError naming the key at fault: an unreadable file names the
 * location, a wrong password names the password key. A JKS trust store may come without its
 * password, as Java's `KeyStore.load(in, null)` reads it: its certificates, without the integrity
 * check (Kafka: "trust store configured will still be used, but integrity checking is disabled");
 * a key store, and a PKCS12 store, needs its password. Verification of the server is on unless
 * `<prefix>verify` (or the caller) turns it off.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { parseJks, decrypt as recoverJksKey } from "jks-js";
import { ConfigError } from "../errors.ts";
import { privateKeyType, unsupportedKeyTypeReason } from "../tls/key-type.ts";
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
} from "../tls/store-formats.ts";
import { throwInvalidKey } from "../util/invalid-value.ts";
import type { ClientTls } from "./http-client.ts";

export interface StoreSettings {
  readonly location?: string | null;
  readonly password?: string | null;
  readonly type?: string | null;
}

export interface TlsSettings {
  readonly truststore?: StoreSettings;
  readonly keystore?: StoreSettings;
  /** The private key's own password; defaults to the key store's. */
  readonly keyPassword?: string | null;
  /** Verify the server's certificate and host name (default true). */
  readonly verify?: boolean;
}

/**
 * The WARN an HTTP connector's task logs at start when `setting` (the key and its value, e.g.
 * `http.ssl.verification.enabled is false`) turns off the verification of the endpoint's certificate.
 */
export function unverifiedEndpointWarning(setting: string): string {
  return `${setting}: the endpoint's certificate is NOT verified (any certificate is accepted)`;
}

function present(s: string | null | undefined): string | undefined {
  return s === undefined || s === null || s.trim() === "" ? undefined : s.trim();
}

function storeType(typeKey: string, declared: string | undefined, bytes: Buffer): StoreType {
  const type = detectStoreType(declared, bytes);
  if (typeof type === "object")
    throwInvalidKey(typeKey, `unsupported store type ${type.unsupported}; use JKS, PKCS12 or PEM`);
  return type;
}

function derToPem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${b64.trim()}\n-----END CERTIFICATE-----\n`;
}

interface StoreContents {
  readonly certs: string[];
  readonly key?: string;
}

/** Without `password`, the integrity check is skipped; without `keyPassword` (a trust store), key entries give their chain only. */
function readJks(
  keys: StoreKeys,
  bytes: Buffer,
  password: string | undefined,
  keyPassword: string | undefined,
): StoreContents {
  let entries: ReturnType<typeof parseJks>;
  try {
    // jks-js skips the integrity check for an empty password, as Java does for none.
    entries = parseJks(bytes, password ?? "");
  } catch (error) {
    const message = (error as Error).message;
    if (/password/i.test(message)) throwInvalidKey(keys.password, "wrong password for the JKS store", error);
    throwInvalidKey(keys.location, `not a readable JKS store: ${message}`, error);
  }
  const certs: string[] = [];
  let key: string | undefined;
  for (const entry of entries) {
    if ("protectedPrivateKey" in entry) {
      if (keyPassword === undefined) {
        certs.push(...entry.chain.map((c) => derToPem(c.value)));
        continue;
      }
      if (key !== undefined) continue;
      try {
        key = recoverJksKey(entry.protectedPrivateKey, keyPassword);
      } catch (error) {
        throwInvalidKey(
          keys.keyPassword,
          "cannot recover the private key from the JKS store (wrong key password?)",
          error,
        );
      }
      certs.unshift(...entry.chain.map((c) => derToPem(c.value)));
    } else {
      certs.push(derToPem(entry.cert.value));
    }
  }
  return { certs, key };
}

function readPkcs12(keys: StoreKeys, location: string, bytes: Buffer, password: string): StoreContents {
  try {
    // forge leaves keys it cannot parse (EC) to node:crypto, which refuses curves BoringSSL lacks.
    const p12 = openPkcs12(bytes, password);
    return { certs: pkcs12Certificates(p12), key: pkcs12PrivateKey(p12) };
  } catch (error) {
    if (error instanceof UnsupportedKeyTypeError)
      throwInvalidKey(keys.location, unsupportedKeyTypeReason(`the private key in ${location}`, error.keyType), error);
    const message = (error as Error).message;
    if (/password|MAC/i.test(message)) throwInvalidKey(keys.password, "wrong password for the PKCS12 store", error);
    throwInvalidKey(keys.location, `not a readable PKCS12 store: ${message}`, error);
  }
}

function readPem(keys: StoreKeys, bytes: Buffer, keyPassword: string | undefined): StoreContents {
  const text = bytes.toString("utf8");
  const certs = splitPem(text, "CERTIFICATE");
  let key = splitPem(text, "PRIVATE KEY")[0];
  if (key?.includes("ENCRYPTED")) {
    // An empty password (`http.ssl.key.password=`, read as not set) is a valid one: tried first.
    try {
      key = decryptPemPrivateKey(key, keyPassword ?? "");
    } catch (error) {
      if (keyPassword !== undefined)
        throwInvalidKey(keys.keyPassword, `cannot decrypt the PEM private key (${(error as Error).message})`);
      const unset =
        keys.keyPassword === keys.password
          ? `${keys.password} is not set`
          : `neither ${keys.keyPassword} nor ${keys.password} is set`;
      throwInvalidKey(keys.keyPassword, `cannot decrypt the PEM private key: it is encrypted and ${unset}`);
    }
  }
  return { certs, key };
}

interface StoreKeys {
  readonly location: string;
  readonly password: string;
  readonly type: string;
  readonly keyPassword: string;
}

function storeKeys(prefix: string, store: "truststore" | "keystore"): StoreKeys {
  return {
    location: `${prefix}${store}.location`,
    password: `${prefix}${store}.password`,
    type: `${prefix}${store}.type`,
    keyPassword: store === "keystore" ? `${prefix}key.password` : `${prefix}${store}.password`,
  };
}

function readStore(
  keys: StoreKeys,
  settings: StoreSettings,
  keyPassword: string | undefined,
  trust: boolean,
): StoreContents | undefined {
  const location = present(settings.location);
  if (location === undefined) return undefined;
  const bytes = readStoreFile(keys.location, location);
  const password = present(settings.password);
  const type = storeType(keys.type, present(settings.type), bytes);
  if (type === "PEM") return readPem(keys, bytes, keyPassword ?? password);
  if (type === "JKS" && trust) return readJks(keys, bytes, password, password);
  if (password === undefined) throwInvalidKey(keys.password, `a ${type} store needs its password`);
  if (type === "JKS") return readJks(keys, bytes, password, keyPassword ?? password);
  return readPkcs12(keys, location, bytes, password);
}

/**
 * Reads and checks the stores; throws a ConfigError naming the key at fault, each store's problem
 * on its own key when both stores have one (its message: the first's).
 */
export function loadTlsMaterial(settings: TlsSettings, prefix = "http.ssl."): ClientTls {
  const material: { ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean } = {
    rejectUnauthorized: settings.verify ?? true,
  };
  const failures: ConfigError[] = [];
  const each = (read: () => void) => {
    try {
      read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      failures.push(error);
    }
  };
  each(() => readTrustStore(settings, prefix, material));
  each(() => readKeyStore(settings, prefix, material));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const errors = new Map<string, string[]>();
    for (const f of failures)
      for (const [k, messages] of f.errors) errors.set(k, [...(errors.get(k) ?? []), ...messages]);
    throw new ConfigError(failures.map((f) => f.message).join("; "), errors, { cause: failures[0] });
  }
  return material;
}

function readTrustStore(settings: TlsSettings, prefix: string, material: { ca?: string[] }): void {
  const trustKeys = storeKeys(prefix, "truststore");
  const trust = settings.truststore && readStore(trustKeys, settings.truststore, undefined, true);
  if (trust) {
    if (trust.certs.length === 0) throwInvalidKey(trustKeys.location, "the trust store holds no certificate");
    material.ca = trust.certs;
  }
}

function readKeyStore(settings: TlsSettings, prefix: string, material: { cert?: string; key?: string }): void {
  const keyKeys = storeKeys(prefix, "keystore");
  const own = settings.keystore && readStore(keyKeys, settings.keystore, present(settings.keyPassword), false);
  if (own) {
    if (own.key === undefined || own.certs.length === 0)
      throwInvalidKey(keyKeys.location, "the key store must hold a private key with its certificate chain");
    // Bun would open no TLS socket with another certificate's key (loadPemFiles): said here instead.
    const store = present(settings.keystore?.location);
    const problem = keyPairProblem(own.certs[0]!, own.key);
    if (problem === "another key")
      throwInvalidKey(keyKeys.location, `${store} holds a private key that is not the one of its first certificate`);
    if (problem)
      throwInvalidKey(
        keyKeys.location,
        unsupportedKeyType(problem, `the private key in ${store}`, `the first certificate in ${store}`, {
          key: own.key,
          cert: own.certs[0]!,
        }),
      );
    material.key = own.key;
    material.cert = own.certs.join("\n");
  }
}

/** Where the HTTP sink's TLS files are, each with the config key that named it (for errors). */
export interface PemFileSettings {
  /** CA or self-signed certificates to trust (PEM or DER); empty: the system trust store. */
  readonly serverCerts: { readonly key: string; readonly paths: readonly string[] };
  readonly clientCert?: { readonly key: string; readonly path: string };
  /** A PKCS8 private key, PEM or DER. */
  readonly clientKey?: { readonly key: string; readonly path: string };
  /** Accept any server certificate. */
  readonly allowSelfSigned: boolean;
}

function certificatesIn(key: string, path: string): string[] {
  const bytes = readStoreFile(key, path);
  const blocks = splitPem(bytes.toString("utf8"), "CERTIFICATE");
  const pems = blocks.length > 0 ? blocks : [derToPem(bytes)];
  for (const pem of pems) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throwInvalidKey(key, `${path} holds no readable X.509 certificate (PEM or DER)`, error);
    }
  }
  return pems;
}

function pkcs8Key(key: string, path: string): string {
  const bytes = readStoreFile(key, path);
  const text = bytes.toString("utf8");
  const isPem = text.includes("-----BEGIN");
  try {
    const parsed = isPem
      ? createPrivateKey({ key: text, format: "pem" })
      : createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
    return parsed.export({ format: "pem", type: "pkcs8" }).toString();
  } catch (error) {
    // BoringSSL reads no RSA-PSS or Ed448 key: said so, with the key's type, not as an unreadable file.
    if ((error as { code?: unknown }).code === "ERR_OSSL_EVP_UNSUPPORTED_ALGORITHM")
      throwInvalidKey(key, unsupportedKeyTypeReason(path, privateKeyType(bytes)), error);
    throwInvalidKey(key, `${path} holds no readable unencrypted PKCS8 private key (PEM or DER)`, error);
  }
}

/** TLS material from PEM/DER files (Flink's security.cert.* keys); errors name the key at fault. */
export function loadPemFiles(settings: PemFileSettings): ClientTls {
  const material: { ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean } = {
    rejectUnauthorized: !settings.allowSelfSigned,
  };
  const ca = settings.serverCerts.paths.flatMap((p) => certificatesIn(settings.serverCerts.key, p));
  if (ca.length > 0) material.ca = ca;
  const { clientCert, clientKey } = settings;
  const chain = clientCert && certificatesIn(clientCert.key, clientCert.path);
  if (chain) material.cert = chain.join("\n");
  if (clientKey) material.key = pkcs8Key(clientKey.key, clientKey.path);
  // Bun opens no TLS socket with a key that is not the certificate's, and says only "FailedToOpenSocket:
  // Was there a typo in the url or port?" at every request: refused here, on the key's config key.
  if (clientCert && chain && clientKey) {
    const problem = keyPairProblem(chain[0]!, material.key!);
    if (problem === "another key")
      throwInvalidKey(
        clientKey.key,
        `${clientKey.path} is not the private key of the first certificate in ${clientCert.path}`,
      );
    if (problem)
      throwInvalidKey(
        problem === "unsupported key type" ? clientKey.key : clientCert.key,
        unsupportedKeyType(problem, clientKey.path, `the first certificate in ${clientCert.path}`, {
          key: material.key!,
          cert: chain[0]!,
        }),
      );
  }
  return material;
}
