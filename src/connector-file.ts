/**
 * A connector config file given on the command line (`gateway worker.properties c1.properties
 * c2.json …`), read as Apache's connect-standalone reads it (ConnectStandalone
 * .parseConnectorConfigurationFile), whatever the file's extension: a JSON object of the config's
 * keys, else a JSON `{name, config, initial_state}` (a `name` in `config` must be the same;
 * initial_state, KIP-980, is RUNNING, PAUSED or STOPPED in any case, the state the connector is
 * created in), else a Java properties file. Called by main.ts, which stops as connect-standalone
 * does when a file fails (CONNECTOR_FILE_EXIT_CODE).
 */
import { readFileSync } from "node:fs";
import { ConfigError, messageOf } from "./errors.ts";
import { noInitialState } from "./rest/jackson/bind.ts";
import type { InitialState } from "./runtime/herder.ts";
import { jsonSyntaxError } from "./util/json-syntax-error.ts";
import { parseProperties, propertiesText } from "./util/properties.ts";

/** connect-standalone's exit code when a connector file cannot be read, parsed or created. */
export const CONNECTOR_FILE_EXIT_CODE = 3;

/** What connect-standalone logs (ERROR, logger ConnectStandalone) before it stops on such a file. */
export const CONNECTOR_FILE_FAILED = "Stopping after connector error";

export interface ConnectorFile {
  readonly name: string;
  readonly config: Record<string, string>;
  /** The file's initial_state (absent or null: none, the connector runs). */
  readonly initialState?: InitialState;
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

/** connect-standalone's message; `why` the reason the `{name, config}` form did not apply, if that was all. */
const missingName = (path: string, why?: string) =>
  new ConfigError(
    `Connector configuration at '${path}' is missing the mandatory 'name' configuration${why ? ` (${why})` : ""}`,
  );

function withName(path: string, config: Record<string, string>, why?: string): ConnectorFile {
  const name = config.name;
  if (name === undefined) throw missingName(path, why);
  return { name, config };
}

/** Why a JSON object is neither connect-standalone form (a value that is an object or array). */
const NEITHER_JSON_FORM =
  'a JSON object, but neither a flat map of strings, numbers, booleans or nulls nor {"name": …, "config": {…}} with such values';

/** Where and why `text` is not JSON, in words that quote none of it. */
function notJson(text: string): string {
  const error = jsonSyntaxError(text);
  return error === undefined
    ? "not valid JSON"
    : `not valid JSON: ${error.reason} at line ${error.line} column ${error.column}`;
}

const STATES: readonly string[] = ["RUNNING", "PAUSED", "STOPPED"];

/**
 * initial_state as CreateConnectorRequest's Jackson binding reads it: null or absent is none; a
 * scalar, upper-cased, must name an InitialState; anything else fails the binding (Jackson's message).
 */
function initialStateOf(value: unknown): { state?: InitialState; problem?: string } {
  if (value === undefined || value === null) return {};
  const text = scalar(value);
  if (typeof text !== "string")
    return { problem: "initial_state must be RUNNING, PAUSED or STOPPED, not an object or array" };
  const state = text.toUpperCase();
  return STATES.includes(state) ? { state: state as InitialState } : { problem: noInitialState(state) };
}

/** The file's connector, or a ConfigError naming the file (connect-standalone's messages). */
export function parseConnectorFile(path: string, text: string): ConnectorFile {
  let parsed: unknown;
  let problem: string | undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
    // connect-standalone says only that the name is missing; a file that was meant as JSON (it opens
    // with `{`) gets where and why it is not, which is what the operator needs to fix it. Never the
    // parser's message: it quotes the file (`Unexpected identifier "Hunter2SecretXyz"`).
    if (/^\s*\{/.test(text)) problem = notJson(text);
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
    const initial = initialStateOf(obj.initial_state);
    // A bad initial_state fails this form's binding: connect-standalone then reads the file as properties.
    problem = initial.problem ?? (nested ? undefined : NEITHER_JSON_FORM);
    if (nested && typeof name === "string" && !problem) {
      if (nested.name !== undefined && nested.name !== name)
        throw new ConfigError(
          `Connector name configuration in 'config' doesn't match the one specified in 'name' at '${path}'`,
        );
      return { name, config: { ...nested, name }, ...(initial.state ? { initialState: initial.state } : {}) };
    }
  }
  // Neither JSON form (not JSON at all, most often): a properties file, as connect-standalone tries last.
  let config: Record<string, string>;
  try {
    config = parseProperties(text);
  } catch (error) {
    throw new ConfigError(`${path} is not a valid properties file: ${messageOf(error)}`);
  }
  return withName(path, config, problem);
}

/** Reads and parses the file (its path kept); a file that cannot be read is a ConfigError naming it. */
export function readConnectorFile(path: string): ConnectorFile & { readonly path: string } {
  let text: string;
  try {
    text = propertiesText(readFileSync(path));
  } catch (error) {
    throw new ConfigError(`Cannot read the connector configuration file ${path}: ${messageOf(error)}`);
  }
  return { ...parseConnectorFile(path, text), path };
}
