/**
 * Which config values are secrets: keys a plugin declares as PASSWORD, and Kafka client keys that
 * are PASSWORD in Kafka (PASSWORD_KEYS, and by name `*.password`, `sasl.jaas.config`,
 * `basic.auth.user.info`, …, also under `producer.`/`consumer.`/`admin.` and their `.override.`
 * prefixes), and static request headers whose names say credential (`sink.header.X-Api-Key`:
 * http/secret-headers.ts, the rule the HTTP connectors mask answers by). Their values are registered
 * with the log manager so no log line or status trace shows them.
 */
import { hasConfigVariable } from "../config-providers/config-variables.ts";
import { PASSWORD_KEYS } from "../connector-client-config-override-policy.ts";
import { isSecretHeader } from "../http/secret-headers.ts";
import { AliasedConfigDef } from "../plugin/config-aliases.ts";
import type { ConfigDef } from "../plugin/config-def.ts";
import type { PluginRegistry } from "../plugin/registry.ts";

const CLIENT_SECRET =
  /(^|\.)(password|sasl\.jaas\.config|basic\.auth\.user\.info|ssl\.keystore\.key|sasl\.oauthbearer\.client\.secret)$|(secret|token|credentials?)$|(^|\.)header\.(proxy-)?authorization$/i;
const CLIENT_PREFIX = /^(?:producer|consumer|admin)\.(?:override\.)?/;

/** Whether a key is a secret by its name alone (a Kafka client PASSWORD key), whatever plugin reads it. */
export function isClientSecret(key: string): boolean {
  return CLIENT_SECRET.test(key) || PASSWORD_KEYS.has(key.replace(CLIENT_PREFIX, ""));
}

/** A static request header key (`sink.header.X-Api-Key`, any prefix) naming a credential header. */
const HEADER_KEY = /(?:^|\.)header\.([^.]+)$/i;

/**
 * Whether a static header key's value is a credential by the header's name, the rule the HTTP
 * connectors mask answers by (http/secret-headers.ts): `sink.header.X-Api-Key` as much as
 * `sink.header.Authorization`.
 */
function isSecretHeaderKey(key: string): boolean {
  const name = HEADER_KEY.exec(key)?.[1];
  return name !== undefined && isSecretHeader(name);
}

/**
 * The connector plugins whose PASSWORD keys a config's values may be read by: the one its `connector.class`
 * names, or, for a class given as a config provider reference (resolved only when the connector starts), every one.
 */
function passwordPlugins(config: Readonly<Record<string, string | null>>, registry?: PluginRegistry) {
  const cls = config["connector.class"] ?? "";
  const named = registry?.find(["source", "sink"], cls);
  if (named) return [named];
  return hasConfigVariable(cls) ? (registry?.sorted(["source", "sink"]) ?? []) : [];
}

export function secretValues(config: Readonly<Record<string, string | null>>, registry?: PluginRegistry): string[] {
  const declared = new Set<string>();
  for (const plugin of passwordPlugins(config, registry)) {
    const def = plugin.config as ConfigDef;
    // A plugin with alias prefixes (flink.connector.http.…) takes its PASSWORD keys under each spelling.
    for (const k of def.keys) {
      if (k.meta.type !== "PASSWORD") continue;
      for (const name of def instanceof AliasedConfigDef ? def.spellings(k.name) : [k.name]) declared.add(name);
    }
  }
  return Object.entries(config)
    .filter(([k, v]) => v && (declared.has(k) || isClientSecret(k) || isSecretHeaderKey(k)))
    .map(([, v]) => v as string);
}
