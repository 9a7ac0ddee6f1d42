/**
 * The ConfigDef a whole connector config is validated against: the framework keys for its type,
 * enriched with `transforms.<alias>.*` and `predicates.<alias>.*` (each plugin's own keys under its
 * alias), with the worker's converters shown as defaults as Connect 4.1+ does. Used by
 * validateConnectorConfig. Also the full (un-enriched) key list of `GET /connector-plugins/{p}/config`.
 * Like Connect 4.3.1's AbstractHerder it leaves out the `topic.creation.<group>.*` keys (only
 * `topic.creation.groups` is listed, recorded in test/fixtures/connect-rest): they are parsed when
 * the Worker starts a source connector (topic-creation.ts), where a bad value fails the connector.
 */
import { ConfigDef } from "../plugin/config-def.ts";
import type { ConnectKeyMeta } from "../plugin/config-key.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import { aliasConfigDef } from "./alias-config-def.ts";
import { splitList } from "./connector-config-values.ts";
import { sinkConnectorConfig } from "./sink-connector-config.ts";
import { sourceConnectorConfig } from "./source-connector-config.ts";

/** The framework keys for a connector type, enriched with its transforms and predicates. */
export function enrichedConfigDef(
  registry: PluginRegistry,
  type: "source" | "sink",
  config: Readonly<Record<string, string | null>>,
): ConfigDef {
  let def: ConfigDef = (type === "sink" ? sinkConnectorConfig : sourceConnectorConfig) as ConfigDef;
  for (const kind of ["transforms", "predicates"] as const) {
    const aliases = [...new Set(splitList(config[kind]))];
    for (const alias of aliases) def = def.concat(aliasConfigDef(registry, kind, alias, config));
  }
  return def;
}

/** The worker's converter classes (`key.converter`, …), as configured. */
export type ConverterDefaults = Readonly<Record<"key.converter" | "value.converter" | "header.converter", string>>;

const CONVERTER_TYPES = {
  "key.converter": "converter",
  "value.converter": "converter",
  "header.converter": "header_converter",
} as const;

/**
 * Connect 4.1+ shows the worker's converters as the defaults of `*.converter` in validation output,
 * with every installed converter recommended, and the chosen converter's version as the default
 * and only recommendation of `*.converter.plugin.version`; `connector.plugin.version` likewise.
 */
export function withWorkerDefaults(
  registry: PluginRegistry,
  def: ConfigDef,
  connector: ConnectorDescriptor,
  config: Readonly<Record<string, string | null>>,
  defaults: ConverterDefaults | undefined,
): ConfigDef {
  const replaced = new Map<string, Partial<ConnectKeyMeta>>();
  replaced.set("connector.plugin.version", { default: connector.version, recommended: [connector.version] });
  if (defaults) {
    for (const prop of ["key.converter", "value.converter", "header.converter"] as const) {
      const type = CONVERTER_TYPES[prop];
      const fallback = registry.find([type], defaults[prop]);
      replaced.set(prop, {
        default: fallback?.className ?? defaults[prop],
        recommended: registry
          .ofType(type)
          .map((p) => p.className)
          .sort(),
      });
      // A value that is set (even empty) and names no converter has no version to show.
      const value = config[prop];
      const named = registry.find([type], value === undefined || value === null ? defaults[prop] : value.trim());
      // The recommender finds the class by its trimmed name; the default is looked up by the value
      // as given, which names nothing with spaces around it.
      const exact = value === undefined || value === null || value === value.trim();
      // A JSON null value: the recommender sees no class (the default still comes from the worker's).
      replaced.set(`${prop}.plugin.version`, {
        default: named && exact ? named.version : null,
        recommended: named && value !== null ? [named.version] : [],
      });
    }
  }
  return new ConfigDef(
    def.keys.map((k) => {
      const meta = replaced.get(k.name);
      return meta ? { ...k, meta: { ...k.meta, ...meta } } : k;
    }),
  );
}

/** The full (un-enriched) key list of `GET /connector-plugins/{p}/config` for a connector. */
export function connectorPluginConfigDef(connector: ConnectorDescriptor): ConfigDef {
  const framework: ConfigDef = connector.type === "sink" ? sinkConnectorConfig : sourceConnectorConfig;
  return (connector.config as ConfigDef).concat(framework);
}
