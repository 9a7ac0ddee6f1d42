/**
 * Keys in the HTTP sink's own namespaces that it does not declare: `sink.*`, anything under its alias
 * prefixes (`flink.connector.http.`, `http.`), and anything under getindata's `gid.connector.http.`,
 * which is not read here. Connect ignores a key a connector does not declare, so a typo
 * (`flink.connector.http.sink.request.batch-size`) or a Flink option the sink lacks would run in
 * silence; HttpSinkConnector logs one WARN at each start naming them (names only, never a value),
 * each with the declared key it most likely means (likely-key.ts), as the HTTP source warns for
 * its own (http-source/unknown-keys.ts).
 */
import type { Config } from "../../api/connector.ts";
import { likelyKeys } from "../likely-key.ts";
import { ALIAS_PREFIXES, HEADER_FAMILY, httpSinkConfig } from "./config.ts";

/** getindata's prefix (its flink-http-connector's properties): not one of the sink's own. */
const GETINDATA_PREFIX = "gid.connector.http.";
const PREFIXES = ["", ...ALIAS_PREFIXES];

const accepted = new Set(httpSinkConfig.keys.flatMap((k) => httpSinkConfig.spellings(k.name)));
const likely = likelyKeys(httpSinkConfig.keys.map((k) => k.name));

function inNamespace(key: string): boolean {
  return key.startsWith("sink.") || key.startsWith(GETINDATA_PREFIX) || ALIAS_PREFIXES.some((p) => key.startsWith(p));
}

function known(key: string): boolean {
  return (
    accepted.has(key) ||
    PREFIXES.some((p) => key.startsWith(`${p}${HEADER_FAMILY}`) && key.length > `${p}${HEADER_FAMILY}`.length)
  );
}

/** `key` as written, with the declared key it likely means. */
function named(key: string): string {
  const getindata = key.startsWith(GETINDATA_PREFIX);
  const rest = [GETINDATA_PREFIX, ...ALIAS_PREFIXES].reduce(
    (k, p) => (k.startsWith(p) && k.length > p.length ? k.slice(p.length) : k),
    key,
  );
  // `sink.header.` without a header name is a key of no header: nothing to suggest.
  const header = rest.startsWith(HEADER_FAMILY) && rest.length > HEADER_FAMILY.length;
  const meant = accepted.has(rest) || header ? rest : likely(rest);
  if (getindata) return `${key} (getindata's prefix is not read${meant ? `: ${meant}` : ""})`;
  return meant ? `${key} (${meant}?)` : key;
}

/** The WARN for the undeclared keys of the sink's namespaces `config` sets, or undefined when there are none. */
export function unknownKeysWarning(config: Config): string | undefined {
  const unknown = Object.keys(config).filter((k) => inNamespace(k) && !known(k));
  if (unknown.length === 0) return undefined;
  return `The HTTP sink does not read ${unknown.map(named).join(", ")}: ${unknown.length === 1 ? "it is" : "they are"} ignored (its keys: GET /connector-plugins/HttpSink/config)`;
}
