/**
 * The validation Connect 4.3.1 answers for a connector whose `connector.plugin.version` its
 * installed version is not in: the plugin is not loaded, so only ConnectorConfig's basic keys are
 * validated (no sink or source keys, no keys of the connector, its transformations or converters,
 * no client overrides), with the worker's converters not filled in. Called by
 * validateConnectorConfig; recorded in test/fixtures/connect-rest (validate-connector-version-*).
 */
import type { KeyValidation } from "../plugin/config-def.ts";
import { ConfigDef } from "../plugin/config-def.ts";
import { type ConfigInfos, configInfos } from "../plugin/describe-config.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { commonConnectorConfig } from "./connector-config.ts";
import { validatedNames } from "./validated-names.ts";

export const NULL_VALUE_ERROR = "Null value can not be supplied as the configuration value.";

const CONVERTERS = [
  ["key.converter", "converter"],
  ["value.converter", "converter"],
  ["header.converter", "header_converter"],
] as const;

function withError(result: KeyValidation | undefined, message: string): KeyValidation {
  return { value: result?.value ?? null, errors: [...(result?.errors ?? []), message], visible: result?.visible };
}

/** ConfigInfos of `config` whose connector could not be loaded in the version asked for (`problem`). */
export function unloadableConnectorInfos(
  registry: PluginRegistry,
  connector: ConnectorDescriptor,
  config: Readonly<Record<string, string | null>>,
  problem: string,
): ConfigInfos {
  const def = new ConfigDef(
    commonConnectorConfig.keys.map((k) => {
      if (k.name === "connector.plugin.version")
        return { ...k, meta: { ...k.meta, default: connector.version, recommended: [connector.version] } };
      // No converter is loaded: their versions recommend nothing.
      if (CONVERTERS.some(([prop]) => k.name === `${prop}.plugin.version`))
        return { ...k, meta: { ...k.meta, recommended: [] } };
      return k;
    }),
  );
  const results = new Map(def.validate(config));
  for (const name of ["connector.class", "connector.plugin.version"]) {
    results.set(name, withError(results.get(name), problem));
  }
  for (const [prop, type] of CONVERTERS) {
    const cls = config[prop];
    const named =
      cls === undefined || cls === null
        ? undefined
        : (registry.find([type], cls.trim()) ?? registry.findAny(cls.trim()));
    // Not loaded either: a converter's version has no value, and is hidden unless a class is named.
    results.set(`${prop}.plugin.version`, { value: null, errors: [], visible: named !== undefined });
    if (cls === undefined || cls === null) continue;
    results.set(
      prop,
      named
        ? { value: named.className, errors: [] }
        : { value: null, errors: [invalidValue(prop, cls, `Class ${cls} could not be found.`)] },
    );
  }
  // Keys with a null value: the basic ones get the error, the others are listed first, in the
  // order of Connect's validated names (validated-names.ts).
  const undefinedValues = new Map<string, KeyValidation>();
  for (const k of validatedNames(
    def.keys.map((key) => key.name),
    config,
  )) {
    if (config[k] !== null) continue;
    if (def.has(k)) results.set(k, withError(results.get(k), NULL_VALUE_ERROR));
    else undefinedValues.set(k, { value: null, errors: [NULL_VALUE_ERROR] });
  }
  return configInfos(config["connector.class"] ?? connector.className, def, results, undefinedValues);
}
