/**
 * Per-key checks of the HTTP sink's config (config.ts): URL templates, status code lists, TLS
 * files (read and parsed, so a bad file fails validation on its own key), Flink durations, static
 * header names and values.
 */
import { ConfigError } from "../../errors.ts";
import { isHeaderName } from "../../http/header-value.ts";
import { loadPemFiles } from "../../http/tls-material.ts";
import type { RawConfig, Validator } from "../../plugin/config-def.ts";
import { hideValueCredentials } from "../../util/url-credentials.ts";
import { parseStatusCodes } from "./status-codes.ts";

/**
 * `${topic}`, `${partition}` and `${key}` are the only placeholders; the rest must be a URL. A
 * reason names an unknown placeholder of a literal URL; one given through a config provider
 * (`provided`) is shown as its origin only (showProvided), and a reason is not masked, so no
 * reason quotes any of it.
 */
export const httpUrl: Validator<string | null> = (url, provided) => {
  if (url === null || url === "") return url === "" ? "String may not be empty" : undefined;
  const unknown = unknownPlaceholder(url);
  if (unknown !== undefined) return provided ? UNKNOWN_PLACEHOLDER : unknownPlaceholderNamed(url, unknown);
  if (/\$\{(topic|partition|key)\}/.test(authorityOf(url))) {
    return "${topic}, ${partition} and ${key} are only allowed in the path, query or fragment: in the host, port or user info a record would choose where the request and its credentials go";
  }
  try {
    const parsed = new URL(url.replace(/\$\{(topic|partition|key)\}/g, "x"));
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "The URL must use http or https";
  } catch {
    return "Not a valid URL";
  }
  return undefined;
};

const PLACEHOLDERS = new Set(["topic", "partition", "key"]);

/**
 * The reason for an unknown placeholder that names none: for a URL given through a config provider
 * (`provided`: shown as its origin only) and for a literal URL whose shown form (invalidValue's
 * hideValueCredentials) hides the placeholder (in a password, a key-like query value, a fragment).
 */
export const UNKNOWN_PLACEHOLDER = "Unknown placeholder in the URL; use ${topic}, ${partition} or ${key}";

/** A named placeholder longer than this is cut (a 1 MB literal URL would be quoted twice). */
const NAMED_PLACEHOLDER_MAX = 64;

/**
 * The reason for an unknown placeholder in a literal URL: naming it only when the message's quoted
 * URL (hidden as invalidValue hides it) still shows it, so a reason never shows what the value hides.
 */
function unknownPlaceholderNamed(url: string, placeholder: string): string {
  if (!hideValueCredentials(url, url).includes(placeholder)) return UNKNOWN_PLACEHOLDER;
  const named =
    placeholder.length > NAMED_PLACEHOLDER_MAX ? `${placeholder.slice(0, NAMED_PLACEHOLDER_MAX)}…` : placeholder;
  return `Unknown placeholder ${named} in the URL; use \${topic}, \${partition} or \${key}`;
}

/**
 * The first closed `${…}` that is not one of the placeholders, scanning once (a pattern for it
 * rescanned the rest of the URL from every unclosed `${`: minutes for a 1 MB value).
 */
function unknownPlaceholder(url: string): string | undefined {
  for (let at = url.indexOf("${"); at >= 0; ) {
    const close = url.indexOf("}", at + 2);
    if (close < 0) return undefined;
    if (!PLACEHOLDERS.has(url.slice(at + 2, close))) return url.slice(at, close + 1);
    at = url.indexOf("${", close + 1);
  }
  return undefined;
}

/**
 * The authority (user info, host, port) of an http(s) URL as the WHATWG parser finds it: after the
 * scheme and any slashes or backslashes, up to the first `/`, `\`, `?` or `#`.
 */
function authorityOf(url: string): string {
  // The parser drops tabs and newlines anywhere and leading controls and spaces.
  const cleaned = url.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+/, "");
  const rest = cleaned.replace(/^[a-z][a-z0-9+.-]*:[/\\]*/i, "");
  const end = rest.search(/[/\\?#]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The OIDC token endpoint: an http or https URL, no placeholders (unset or empty: no OIDC). */
export const tokenEndpointUrl: Validator<string | null> = (url) => {
  if (url === null || url === "") return undefined;
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:" ? undefined : "The URL must use http or https";
  } catch {
    return "Not a valid URL";
  }
};

/** sink.forward.key.header: empty (off) or a header name. */
export const headerName: Validator<string> = (name) =>
  name === "" || isHeaderName(name) ? undefined : "Not a valid HTTP header name";

/** sink.forward.headers: `*` or Kafka header names, each a valid HTTP header name. */
export const forwardedHeaderNames: Validator<string[] | null> = (names) => {
  const bad = (names ?? []).find((n) => n !== "*" && !isHeaderName(n));
  return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a valid HTTP header name`;
};

/** sink.forward.headers.prefix: empty or the start of a header name. */
export const headerNamePrefix: Validator<string> = (prefix) =>
  prefix === "" || isHeaderName(prefix) ? undefined : "Not valid at the start of an HTTP header name";

export const statusCodes: Validator<string[] | null> = (list) => {
  try {
    parseStatusCodes(list ?? []);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

/** Runs a TLS file check and returns its reason, so a bad file fails validation on its own key. */
function tlsCheck(load: (key: string) => void): string | undefined {
  try {
    load("k");
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.errors.get("k")?.[0] ?? error.message;
    return (error as Error).message;
  }
}

export const certificateFiles: Validator<string[] | null> = (paths) =>
  tlsCheck((k) => loadPemFiles({ serverCerts: { key: k, paths: paths ?? [] }, allowSelfSigned: false }));

export const certificateFile: Validator<string | null> = (path) =>
  path === null || path === ""
    ? undefined
    : tlsCheck((k) => loadPemFiles({ serverCerts: { key: k, paths: [path] }, allowSelfSigned: false }));

export const privateKeyFile: Validator<string | null> = (path) =>
  path === null || path === ""
    ? undefined
    : tlsCheck((k) =>
        loadPemFiles({ serverCerts: { key: k, paths: [] }, clientKey: { key: k, path }, allowSelfSigned: false }),
      );

/**
 * The mTLS pair, once each file passed its own check: the key must be the certificate's
 * (loadPemFiles says so on the key's config key).
 */
export function clientKeyPairError(certPath: string, keyPath: string): string | undefined {
  if (certificateFile(certPath) !== undefined || privateKeyFile(keyPath) !== undefined) return undefined;
  return tlsCheck((k) =>
    loadPemFiles({
      serverCerts: { key: k, paths: [] },
      clientCert: { key: k, path: certPath },
      clientKey: { key: k, path: keyPath },
      allowSelfSigned: false,
    }),
  );
}

// Flink's TimeUtils.parseDuration labels (case-insensitive, µs and ns included) and a few more spellings.
const DURATION = /^(\d+)\s*([a-zµ]*)$/i;
const UNIT_MS: Record<string, number> = {};
for (const [names, ms] of [
  [["ns", "nano", "nanos", "nanosecond", "nanoseconds"], 1e-6],
  [["µs", "us", "micro", "micros", "microsecond", "microseconds"], 1e-3],
  [["", "ms", "milli", "millis", "millisecond", "milliseconds"], 1],
  [["s", "sec", "secs", "second", "seconds"], 1000],
  [["m", "min", "mins", "minute", "minutes"], 60_000],
  [["h", "hour", "hours"], 3_600_000],
  [["d", "day", "days"], 86_400_000],
] as const) {
  for (const name of names) UNIT_MS[name] = ms;
}

/**
 * Flink's duration syntax: a number with an optional unit (`1 s`, `500ms`, `2min`, `1500 µs`); no
 * unit means ms. Sub-millisecond units give fractional milliseconds.
 */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  const scale = m ? UNIT_MS[m[2]!.toLowerCase()] : undefined;
  if (!m || scale === undefined) return undefined;
  // Divide for the sub-millisecond units so that 1500 µs is exactly 1.5 (1500 * 1e-3 is not).
  return scale < 1 ? Number(m[1]) / Math.round(1 / scale) : Number(m[1]) * scale;
}

export const duration: Validator<string> = (text) =>
  parseDurationMs(text) === undefined
    ? "Not a duration (a number of ms, or with a unit: 1 s, 500 ms, 2 min, 1500 µs, 10 ns)"
    : undefined;

export const attempts: Validator<number> = (n) =>
  n === -1 || n >= 1 ? undefined : "Value must be -1 (forever) or at least 1";

// RFC 9110 token; a field value of visible ASCII, space and tab. Java's HttpClient (what Flink's
// HTTP sink sends with) fails the job at its first request on a control character or anything above
// U+00FF, and sends U+0080..U+00FF as "?": neither is a header anyone meant to send.
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * `sink.header.<NAME>=<value>` under any spelling of the family: a name that is not a token, or a
 * value with a control character or a non-ASCII character (surrounding white space aside, which is
 * not sent), is refused on its key at validation instead of failing (or garbling) every request.
 */
export function headerErrors(
  raw: RawConfig,
  family: string,
  prefixes: readonly string[],
  rawAuthorization: boolean,
): { key: string; message: string }[] {
  const errors: { key: string; message: string }[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const prefix = ["", ...prefixes].find((p) => key.startsWith(`${p}${family}`));
    if (prefix === undefined || typeof value !== "string") continue;
    const name = key.slice(prefix.length + family.length);
    if (name === "") continue;
    // Sent trimmed (settings.ts): a value read from a file written with echo ends in a newline.
    const field = value.trim();
    // An Authorization value that is sent base64-encoded (Basic credentials) may hold any character.
    const encoded = name.toLowerCase() === "authorization" && !rawAuthorization && !field.startsWith("Basic");
    if (!isHeaderName(name)) errors.push({ key, message: `${name} is not a valid HTTP header name` });
    else if (!encoded && !FIELD_VALUE.test(field)) {
      // The key named: the 400 of a create lists messages only (the value is never quoted).
      errors.push({
        key,
        message: `Not a valid HTTP header value for ${key}: use visible ASCII characters, space and tab only`,
      });
    }
  }
  return errors;
}
