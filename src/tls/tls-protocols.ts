/**
 * `ssl.enabled.protocols` and `ssl.cipher.suites` in Java's vocabulary, mapped to what Bun's TLS
 * (BoringSSL) takes. `key-stores.ts` calls `tlsProtocolSettings` for every TLS user: the REST and
 * ingest listeners (through `server-tls.ts`) and the Kafka clients.
 *
 * Defaults: TLS 1.2 and 1.3; in TLS 1.2 only ECDHE (forward secret) suites with an AEAD cipher
 * (AES-GCM, ChaCha20-Poly1305). Every TLS 1.3 suite is forward secret and AEAD.
 *
 * What BoringSSL cannot do, and how Java's meaning is kept:
 * - TLS 1.3 suites cannot be restricted: it always offers TLS_AES_128_GCM_SHA256,
 *   TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256. A `ssl.cipher.suites` naming some but
 *   not all of them is a startup error naming the key (rather than silently offering the others).
 * - Java cannot negotiate a protocol for which no enabled suite exists; here a suite list without
 *   any TLS 1.3 (or TLS 1.2) suite switches that protocol off, with the same effect.
 * - TLS 1.0 and 1.1 (and SSLv3) are refused: Bun does not offer them and neither should a gateway.
 */
import { invalidValueError } from "../util/invalid-value.ts";

export type TlsVersion = "TLSv1.2" | "TLSv1.3";

export interface TlsProtocolSettings {
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** The TLS 1.2 cipher list in OpenSSL/BoringSSL names, `:`-separated (never empty). */
  readonly ciphers: string;
}

/** Java (IANA) TLS 1.2 suite names → OpenSSL names, for the suites BoringSSL implements. */
const TLS12_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
  TLS_RSA_WITH_AES_128_GCM_SHA256: "AES128-GCM-SHA256",
  TLS_RSA_WITH_AES_256_GCM_SHA384: "AES256-GCM-SHA384",
  TLS_RSA_WITH_AES_128_CBC_SHA: "AES128-SHA",
  TLS_RSA_WITH_AES_256_CBC_SHA: "AES256-SHA",
};

/** The TLS 1.3 suites; Java and OpenSSL spell them alike. */
export const TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/** Forward-secret AEAD suites only. */
export const DEFAULT_TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
];

const OPENSSL_NAMES = new Set(Object.values(TLS12_SUITES));
const VERSIONS: readonly TlsVersion[] = ["TLSv1.2", "TLSv1.3"];

function fail(key: string, value: string, reason: string): never {
  throw invalidValueError(key, value, reason);
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** The SSLContext names Java (SunJSSE) has, case-insensitive; `SSL` is an alias of `TLS`. */
const JAVA_CONTEXTS = ["tls", "ssl", "tlsv1.3", "tlsv1.2", "tlsv1.1", "tlsv1", "sslv3"];

/**
 * `ssl.protocol`, the protocol of Java's SSLContext (names case-insensitive). A name Java has no
 * SSLContext for fails its startup. A client's context limits what it offers: `TLSv1.2` keeps TLS
 * 1.3 off whatever `ssl.enabled.protocols` says, as Kafka documents; `TLS`, `SSL` and `TLSv1.3`
 * (Kafka's default) allow both; older ones fail every handshake in Java, so they are refused. A
 * server's context does not limit the protocols it accepts (checked with JDK 17): any name Java
 * has leaves the listener as `ssl.enabled.protocols` says.
 */
function protocolCap(key: string, value: string | undefined, side: "client" | "server"): TlsVersion {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || (side === "server" && JAVA_CONTEXTS.includes(v))) return "TLSv1.3";
  if (v === "tls" || v === "ssl" || v === "tlsv1.3") return "TLSv1.3";
  if (v === "tlsv1.2") return "TLSv1.2";
  fail(key, value ?? "", "use TLSv1.3 (the default), TLSv1.2 or TLS; older protocols are insecure");
}

/**
 * The protocol range and TLS 1.2 cipher list that `<prefix>ssl.enabled.protocols` and
 * `<prefix>ssl.cipher.suites` (and `<prefix>ssl.protocol`, for a client or a server: `side`) in
 * `props` ask for. Throws a ConfigError naming the key for a
 * protocol or suite that cannot be honoured.
 */
export function tlsProtocolSettings(
  props: Readonly<Record<string, string>>,
  prefix = "",
  side: "client" | "server" = "client",
): TlsProtocolSettings {
  const protocolsKey = `${prefix}ssl.enabled.protocols`;
  const suitesKey = `${prefix}ssl.cipher.suites`;
  const protocolsValue = props[protocolsKey];
  const suitesValue = props[suitesKey];

  const enabled = new Set<TlsVersion>();
  for (const protocol of list(protocolsValue) ?? VERSIONS) {
    const version = VERSIONS.find((v) => v.toLowerCase() === protocol.toLowerCase());
    if (version === undefined) {
      fail(
        protocolsKey,
        protocolsValue ?? "",
        `${protocol} is not supported; use TLSv1.2 and/or TLSv1.3 (older protocols are insecure)`,
      );
    }
    enabled.add(version);
  }

  if (protocolCap(`${prefix}ssl.protocol`, props[`${prefix}ssl.protocol`], side) === "TLSv1.2") {
    enabled.delete("TLSv1.3");
    if (enabled.size === 0)
      fail(`${prefix}ssl.protocol`, "TLSv1.2", `it cannot negotiate ${protocolsKey}=${protocolsValue}`);
  }

  let ciphers = DEFAULT_TLS12_CIPHERS;
  const suites = list(suitesValue);
  if (suites !== undefined) {
    const tls12: string[] = [];
    const tls13: string[] = [];
    for (const suite of suites) {
      const upper = suite.toUpperCase();
      if (TLS13_SUITES.includes(upper)) tls13.push(upper);
      else if (TLS12_SUITES[upper] !== undefined) tls12.push(TLS12_SUITES[upper]);
      else if (OPENSSL_NAMES.has(upper)) tls12.push(upper);
      else {
        fail(
          suitesKey,
          suitesValue ?? "",
          `unknown or unsupported cipher suite ${suite}; supported: ${[...Object.keys(TLS12_SUITES), ...TLS13_SUITES].join(", ")}`,
        );
      }
    }
    if (tls13.length > 0 && new Set(tls13).size < TLS13_SUITES.length) {
      fail(
        suitesKey,
        suitesValue ?? "",
        `TLS 1.3 suites cannot be restricted here (Bun's BoringSSL always offers ${TLS13_SUITES.join(", ")}): list all three, or none to switch TLS 1.3 off`,
      );
    }
    if (tls13.length === 0) enabled.delete("TLSv1.3");
    if (tls12.length === 0) enabled.delete("TLSv1.2");
    else ciphers = [...new Set(tls12)];
  }
  if (enabled.size === 0) {
    fail(
      suites !== undefined ? suitesKey : protocolsKey,
      (suites !== undefined ? suitesValue : protocolsValue) ?? "",
      `no cipher suite is left for the enabled protocols (${protocolsValue ?? VERSIONS.join(",")})`,
    );
  }
  const versions = VERSIONS.filter((v) => enabled.has(v));
  return { minVersion: versions[0]!, maxVersion: versions.at(-1)!, ciphers: ciphers.join(":") };
}

/** BoringSSL's SSL_OP_NO_TLSv1_2 and SSL_OP_NO_TLSv1_3, for Bun.serve's `secureOptions`. */
const SSL_OP_NO_TLSv1_2 = 0x08000000;
const SSL_OP_NO_TLSv1_3 = 0x20000000;

/** `secureOptions` bits that keep a Bun.serve listener within the settings' protocol range. */
export function secureOptionsFor(settings: TlsProtocolSettings): number {
  let options = 0;
  if (settings.minVersion === "TLSv1.3") options |= SSL_OP_NO_TLSv1_2;
  if (settings.maxVersion === "TLSv1.2") options |= SSL_OP_NO_TLSv1_3;
  return options;
}
