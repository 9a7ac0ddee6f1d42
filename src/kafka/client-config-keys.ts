/**
 * The Kafka clients' own config keys (Apache Kafka's ProducerConfig, ConsumerConfig and
 * AdminClientConfig) as Connect describes them (ConfigKeyInfo), generated into
 * client-config-keys.json from the real classes by test/fixtures/connect-rest/client-config-keys.sh.
 * Connect shows these definitions for a connector's `producer.override.*`, `consumer.override.*`
 * and `admin.override.*` keys in config validation and parses those values by the key's type
 * (`ConfigDef.parseType`, without the key's validators); runtime/validate-client-overrides.ts does
 * the same with `clientConfigKey` and `parseClientValue`.
 */
import * as v from "valibot";
import { javaParseDouble } from "../api/data/java-floating.ts";
import { javaDoubleToString, javaTrim } from "../api/data/java-text.ts";
import { toConnectString } from "../plugin/config-def.ts";
import { type ConfigKey, type ConfigType, javaLongString, key } from "../plugin/config-key.ts";
import type { ConfigKeyInfo } from "../plugin/describe-config.ts";
import { invalidValueError } from "../util/invalid-value.ts";
import { parseClientClass } from "./client-classes.ts";

export type ClientType = "producer" | "consumer" | "admin";

interface Catalog {
  readonly version: string;
  readonly definitions: readonly ConfigKeyInfo[];
  readonly producer: Readonly<Record<string, number>>;
  readonly consumer: Readonly<Record<string, number>>;
  readonly admin: Readonly<Record<string, number>>;
}

let loaded: Catalog | undefined;

// The catalog (~120 KB) is read on first use, by config validation, not when the gateway starts:
// the Worker needs only the PASSWORD keys' names (connector-client-config-override-policy.ts). A
// literal require, so `bun build --compile` still embeds it.
function catalog(): Catalog {
  loaded ??= require("./client-config-keys.json") as Catalog;
  return loaded;
}

/** Whether the catalog has been read (for the test that the gateway starts without it). */
export function clientConfigKeysLoaded(): boolean {
  return loaded !== undefined;
}

/** The Apache Kafka release the definitions were generated from. */
export function clientConfigKeysVersion(): string {
  return catalog().version;
}

/** The names of every key of a client type (in the catalog's order). */
export function clientConfigKeyNames(type: ClientType): string[] {
  return Object.keys(catalog()[type]);
}

/** The definition of `name` in the config of a client type, as Connect shows it; undefined when the client has no such key. */
export function clientConfigKey(type: ClientType, name: string): ConfigKeyInfo | undefined {
  const keys = catalog();
  const at = Object.hasOwn(keys[type], name) ? keys[type][name] : undefined;
  const definition = at === undefined ? undefined : keys.definitions[at];
  return definition === undefined ? undefined : { ...definition, dependents: [...definition.dependents] };
}

// A CLASS value names a JVM class, loaded when parsed: client-classes.ts's parseClientClass. LONG
// and DOUBLE are parsed below as Java's Long.parseLong and Double.parseDouble parse them.
const PARSERS: Record<Exclude<ConfigType, "LONG" | "DOUBLE" | "CLASS">, ConfigKey<unknown>> = {
  BOOLEAN: key.boolean({ doc: "" }),
  STRING: key.string({ doc: "" }),
  INT: key.int({ doc: "" }),
  SHORT: key.short({ doc: "" }),
  LIST: key.list({ doc: "" }),
  PASSWORD: key.password({ doc: "" }),
};

/**
 * `value` of the client key `name` parsed by its type and shown in Connect's string form
 * (`ConfigDef.convertToString`: trimmed, lists joined by commas, `[hidden]` for passwords, a LONG
 * exactly as Java's long shows it, a DOUBLE as Java's `Double.toString`); a key the client does not
 * define keeps its value as given. Throws Connect's ConfigException message
 * (`Invalid value abc for configuration linger.ms: Not a number of type LONG`) when it does not parse.
 */
export function parseClientValue(type: ClientType, name: string, value: string | null): string | null {
  const definition = clientConfigKey(type, name);
  if (definition === undefined || value === null) return value;
  const keyType = definition.type as ConfigType;
  const invalid = (reason: string) => {
    return invalidValueError(name, value, reason);
  };
  if (keyType === "LONG") {
    const shown = javaLongString(javaTrim(value));
    if (shown === undefined) throw invalid("Not a number of type LONG");
    return shown;
  }
  if (keyType === "DOUBLE") {
    const parsed = javaParseDouble(javaTrim(value));
    if (parsed === undefined) throw invalid("Not a number of type DOUBLE");
    return javaDoubleToString(parsed);
  }
  if (keyType === "CLASS") return parseClientClass(name, value);
  const parsed = v.safeParse(PARSERS[keyType], value);
  if (!parsed.success) throw invalid(parsed.issues[0]?.message ?? "Invalid value");
  return toConnectString(parsed.output, keyType);
}
