/**
 * A connector config file given on the command line (`gateway worker.properties c1.properties
 * c2.json …`), read as Apache's connect-standalone reads it (ConnectStandalone
 * .parseConnectorConfigurationFile), whatever the file's extension: a JSON object of the config's
 * keys, else a JSON `{name, config}` (a `name` in `config` must be the same), else a Java
 * properties file. Called by main.ts, which stops as connect-standalone does when a file fails
 * (CONNECTOR_FILE_EXIT_CODE).
 */
import { readFileSync } from "node:fs";
import { ConfigError, messageOf } from "./errors.ts";
import { parseProperties } from "./util/properties.ts";

/** connect-standalone's exit code when a connector file cannot be read, parsed or created. */
export const CONNECTOR_FILE_EXIT_CODE = 3;

/** What connect-standalone logs (ERROR, logger ConnectStandalone) before it stops on such a file. */
export const CONNECTOR_FILE_FAILED = "Stopping after connector error";

export interface ConnectorFile {
  readonly name: string;
  readonly config: Record<string, string>;
}

/** A config value as Jackson reads it into a String (scalars only); undefined for objects and arrays. */
function scalar(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** The object's entries as strings when every value is a scalar (Map<String, String>), else undefined. */
function flatConfig(obj: Record<string, unknown>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    const s = scalar(v);
    if (s === undefined) return undefined;
    if (s !== null) out[k] = s;
  }
  return out;
}

const missingName = (path: string) =>
  new ConfigError(`Connector configuration at '${path}' is missing the mandatory 'name' configuration`);

function withName(path: string, config: Record<string, string>): ConnectorFile {
  const name = config.name;
  if (name === undefined) throw missingName(path);
  return { name, config };
}

/** The file's connector, or a ConfigError naming the file (connect-standalone's messages). */
export function parseConnectorFile(path: string, text: string): ConnectorFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
    const obj = parsed as Record<string, unknown>;
    const flat = flatConfig(obj);
    if (flat) return withName(path, flat);
    const nested =
      obj.config !== null && typeof obj.config === "object"
        ? flatConfig(obj.config as Record<string, unknown>)
        : undefined;
    const name = scalar(obj.name);
    if (nested && typeof name === "string") {
      if (nested.name !== undefined && nested.name !== name)
        throw new ConfigError(
          `Connector name configuration in 'config' doesn't match the one specified in 'name' at '${path}'`,
        );
      return { name, config: { ...nested, name } };
    }
  }
  // Neither JSON form (not JSON at all, most often): a properties file, as connect-standalone tries last.
  let config: Record<string, string>;
  try {
    config = parseProperties(text);
  } catch (error) {
    throw new ConfigError(`${path} is not a valid properties file: ${messageOf(error)}`);
  }
  return withName(path, config);
}

/** Reads and parses the file (its path kept); a file that cannot be read is a ConfigError naming it. */
export function readConnectorFile(path: string): ConnectorFile & { readonly path: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`Cannot read the connector configuration file ${path}: ${messageOf(error)}`);
  }
  return { ...parseConnectorFile(path, text), path };
}
