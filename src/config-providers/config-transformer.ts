/**
 * Config provider references in connector configs, as Apache Kafka's ConfigTransformer and
 * Connect's Worker.initConfigTransformer: the worker builds its providers once from
 * `config.providers*` (`configProvidersFromWorkerConfig`), and the runtime resolves a connector's
 * or task's config with them just before it starts (`resolveConfig`); the REST API keeps showing
 * the references.
 *
 * Resolution follows ConfigTransformer.transform exactly: every `${provider:[path:]key}` in every
 * value is collected, each provider is asked once per path for the keys referenced there, then
 * each reference is replaced in one pass. A reference to a provider the worker does not have, or
 * to a key its provider has no value for, is left as written; resolved values are not scanned
 * again (no recursion); text that is not a reference (`pa$$word`, `${no-colon}`) is untouched.
 * A provider that fails is a ConfigError naming the provider, the path and the config keys, never
 * a value. Every resolved value is handed to `onSecret` so the log manager can redact it, and so
 * is the whole resolved value of each key whose raw value holds a reference among other text
 * (`password=${env:PW}x9`): a short value glued to the config's own letters or digits is no whole
 * token, which the secret rule (util/secret-index.ts) would hide.
 */
import type { Config } from "../api/connector.ts";
import { ConfigError, messageOf } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { type LogManager, logManager } from "../util/logger.ts";
import { type ConfigProvider, type ConfigProviderRegistry, defaultConfigProviderRegistry } from "./config-provider.ts";
import {
  type ConfigVariable,
  configVariables,
  isWholeConfigVariable,
  replaceConfigVariables,
} from "./config-variables.ts";

export const CONFIG_PROVIDERS_CONFIG = "config.providers";

/** The worker key that lists the providers, declared once so the worker's config and docs can include it. */
export const configProvidersWorkerConfig = defineConfig({
  [CONFIG_PROVIDERS_CONFIG]: key.list({
    doc:
      "Comma-separated names of ConfigProvider classes, loaded and used in the order specified. Implementing the " +
      "interface ConfigProvider allows you to replace variable references in connector configurations, such as " +
      "for externalized secrets. Each name needs config.providers.<name>.class and takes its parameters from " +
      "config.providers.<name>.param.<param>.",
    default: [],
    importance: "LOW",
  }),
});

export interface ConfigProvidersOptions {
  /** Defaults to the built-in providers. */
  readonly registry?: ConfigProviderRegistry;
  /** Where provider loggers come from; defaults to the process log manager. */
  readonly logs?: LogManager;
  /** The environment EnvVarConfigProvider reads; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function keyError(configKey: string, message: string): ConfigError {
  return new ConfigError(message, new Map([[configKey, [message]]]));
}

/**
 * The providers a worker config declares, by name, each configured with its
 * `config.providers.<name>.param.*` keys. A listed name without a `.class` key is skipped with a
 * warning (Connect ignores it, leaving its references as written); a class no registered provider
 * has, or invalid params, is a ConfigError naming the key.
 */
export function configProvidersFromWorkerConfig(
  originals: Readonly<Record<string, string>>,
  options: ConfigProvidersOptions = {},
): Map<string, ConfigProvider> {
  const registry = options.registry ?? defaultConfigProviderRegistry();
  const logs = options.logs ?? logManager;
  const env = options.env ?? process.env;
  const names = configProvidersWorkerConfig.parse(originals)[CONFIG_PROVIDERS_CONFIG];
  const providers = new Map<string, ConfigProvider>();
  try {
    for (const name of names) {
      if (name === "" || providers.has(name)) continue;
      const classKey = `${CONFIG_PROVIDERS_CONFIG}.${name}.class`;
      const className = originals[classKey];
      if (className === undefined) {
        logs
          .get("org.apache.kafka.connect.runtime.Worker")
          .warn(`Config provider '${name}' is listed in ${CONFIG_PROVIDERS_CONFIG} but ${classKey} is not set`);
        continue;
      }
      const descriptor = registry.find(className);
      if (descriptor === undefined) {
        throw keyError(
          classKey,
          invalidValue(
            classKey,
            className,
            `Failed to find any class that implements ConfigProvider and which name matches ${className}, ` +
              `available ConfigProviders are: ${registry.classNames().join(", ")}`,
          ),
        );
      }
      const prefix = `${CONFIG_PROVIDERS_CONFIG}.${name}.param.`;
      descriptor.config.prefixed(prefix).parse(originals);
      const params = Object.fromEntries(
        Object.entries(originals)
          .filter(([k]) => k.startsWith(prefix) && k.length > prefix.length)
          .map(([k, v]) => [k.slice(prefix.length), v]),
      );
      const provider = descriptor.create({ logger: logs.get(descriptor.className), env });
      provider.configure(params);
      providers.set(name, provider);
    }
  } catch (error) {
    void closeConfigProviders(providers);
    throw error;
  }
  return providers;
}

/** Closes every provider; a failing close does not stop the others (Utils.closeQuietly). */
export async function closeConfigProviders(providers: ReadonlyMap<string, ConfigProvider>): Promise<void> {
  for (const provider of providers.values()) {
    try {
      await provider.close?.();
    } catch {
      // Connect closes providers quietly; a provider that cannot close has nothing left to leak.
    }
  }
}

/**
 * A provider failed to resolve a reference. The message is the provider's own, as Connect's REST
 * answer and the connector's trace show it (its ConfigException); `described` names the provider,
 * path and the keys referencing it, for the worker's startup error and the per-key messages.
 */
export class ConfigProviderError extends ConfigError {
  override name = "ConfigProviderError";
  constructor(
    message: string,
    readonly described: string,
    errors: ReadonlyMap<string, readonly string[]>,
    options?: ErrorOptions,
  ) {
    super(message, errors, options);
  }
}

interface PathLookup {
  /** Each key asked of the provider at this path, with the config keys whose values reference it. */
  readonly keys: Map<string, Set<string>>;
  /** The config keys whose values reference this provider and path, for error messages. */
  readonly configKeys: Set<string>;
}

function describeReference(provider: string, path: string): string {
  return path === "" ? `config provider '${provider}'` : `config provider '${provider}' at path '${path}'`;
}

/**
 * What a resolution reports: a provider's `value` with its `reference` (`provider:path:key`), or,
 * `composed`, the whole resolved value of a key whose raw value holds a reference but is not one
 * whole reference, and each element of such a list glued to a resolved value (`prodorders` in
 * `${env:ENV}orders,audit`), with that raw value as its `reference` (a key without any, or whose
 * references all stayed as written, reports nothing); `configKeys` are the config keys the value
 * was resolved for.
 */
export type OnResolved = (value: string, reference: string, composed: boolean, configKeys: readonly string[]) => void;

/**
 * `config` with every `${provider:[path:]key}` the providers can resolve replaced by its value.
 * Keys keep their order. `onSecret` receives every resolved value before it is substituted, then
 * every composed value (`OnResolved`); `onUnresolved` the config key of each reference left as
 * written (a provider the worker does not have, a key its provider has no value for), once per
 * reference, as the one replacing pass meets it.
 */
export async function resolveConfig(
  config: Config,
  providers: ReadonlyMap<string, ConfigProvider>,
  onSecret: OnResolved = () => {},
  onUnresolved: (configKey: string) => void = () => {},
): Promise<Record<string, string>> {
  const wanted = new Map<string, Map<string, PathLookup>>();
  for (const [configKey, value] of Object.entries(config)) {
    // As ConfigTransformer.transform: a null value (a stored JSON null) is passed on untouched.
    if (typeof value !== "string") continue;
    for (const { provider, path = "", key: variable } of configVariables(value)) {
      const byPath = wanted.get(provider) ?? new Map<string, PathLookup>();
      wanted.set(provider, byPath);
      const lookup = byPath.get(path) ?? { keys: new Map<string, Set<string>>(), configKeys: new Set<string>() };
      byPath.set(path, lookup);
      lookup.keys.set(variable, (lookup.keys.get(variable) ?? new Set<string>()).add(configKey));
      lookup.configKeys.add(configKey);
    }
  }

  const resolved = new Map<string, Map<string, ReadonlyMap<string, string>>>();
  for (const [name, byPath] of wanted) {
    const provider = providers.get(name);
    if (provider === undefined) continue;
    const values = new Map<string, ReadonlyMap<string, string>>();
    resolved.set(name, values);
    for (const [path, { keys, configKeys }] of byPath) {
      let data: ReadonlyMap<string, string>;
      try {
        data = await provider.get(path, new Set(keys.keys()));
      } catch (cause) {
        const used = [...configKeys];
        const described =
          `Could not resolve ${describeReference(name, path)} referenced by ${used.join(", ")}: ` + messageOf(cause);
        throw new ConfigProviderError(messageOf(cause), described, new Map(used.map((k) => [k, [described]])), {
          cause,
        });
      }
      for (const [variable, keysReferencing] of keys) {
        const value = data.get(variable);
        if (value !== undefined) onSecret(value, `${name}:${path}:${variable}`, false, [...keysReferencing]);
      }
      values.set(path, data);
    }
  }

  const lookup = ({ provider, path, key }: ConfigVariable) =>
    resolved
      .get(provider)
      ?.get(path ?? "")
      ?.get(key);
  // fromEntries defines own properties, so a key such as `__proto__` stays a plain key.
  return Object.fromEntries(
    Object.entries(config).map(([configKey, value]) => {
      if (typeof value !== "string") return [configKey, value];
      const { text, spans } = resolveValue(value, lookup, () => onUnresolved(configKey));
      // A value whose resolved parts are all empty or blank (`orders${env:SUFFIX}`, SUFFIX="" or
      // " ") is the config's own text: no secret of `orders`.
      if (resolvedSomething(text, spans) && !isWholeConfigVariable(value)) {
        for (const composed of composedValues(text, spans)) onSecret(composed, value, true, [configKey]);
      }
      return [configKey, text];
    }),
  );
}

/**
 * The keys of `raw` whose value a provider resolved a reference in, wholly or in part
 * (PluginContext.providedKeys), read off `resolved`, its resolveConfig result: a value holding one
 * changes, as ConfigTransformer.transform substitutes what its provider returned. A reference to a
 * provider the worker does not have, or to a key its provider has no value for, stays as written
 * (Connect's `${a:b}` in a literal URL's path): such a value is the user's literal text.
 */
export function providedKeys(
  raw: Readonly<Record<string, string | null>>,
  resolved: Readonly<Record<string, string | null>>,
): ReadonlySet<string> {
  return new Set(
    Object.keys(raw).filter((key) => {
      const [value, result] = [raw[key], resolved[key]];
      return typeof value === "string" && typeof result === "string" && result !== value;
    }),
  );
}

/** Whether any resolved value in `text` (start, end pairs) is neither empty nor white space only. */
function resolvedSomething(text: string, spans: readonly number[]): boolean {
  for (let i = 0; i < spans.length; i += 2) if (text.slice(spans[i], spans[i + 1]).trim() !== "") return true;
  return false;
}

/**
 * `value` with each reference `lookup` has a value for replaced, and where each such value stands
 * in it (start, end pairs); `onUnresolved` is called for each reference it has none for.
 */
function resolveValue(
  value: string,
  lookup: (variable: ConfigVariable) => string | undefined,
  onUnresolved: () => void,
): { text: string; spans: number[] } {
  const spans: number[] = [];
  let shift = 0;
  const text = replaceConfigVariables(value, (variable, reference) => {
    const found = lookup(variable);
    if (found === undefined) {
      onUnresolved();
      return reference;
    }
    spans.push(variable.start + shift, variable.start + shift + found.length);
    shift += found.length - reference.length;
    return found;
  });
  return { text, spans };
}

/**
 * A value composed around resolved ones (`spans`), and, when it is a comma-separated list, each
 * element (trimmed) holding part of a resolved value and other text (`prodorders` in
 * `${env:ENV}orders,audit`): the config's own elements (`audit`) and those wholly inside one
 * resolved value (its own elements, hidden as such) are not.
 */
function composedValues(text: string, spans: readonly number[]): string[] {
  const values = [text];
  if (!text.includes(",")) return values;
  let from = 0;
  for (const part of text.split(",")) {
    const start = from + part.length - part.trimStart().length;
    const end = start + part.trim().length;
    from += part.length + 1;
    if (start === end) continue;
    let overlaps = false;
    let inside = false;
    for (let i = 0; i < spans.length; i += 2) {
      const [a, b] = [spans[i]!, spans[i + 1]!];
      if (a < end && start < b) overlaps = true;
      if (a <= start && end <= b) inside = true;
    }
    if (overlaps && !inside) values.push(text.slice(start, end));
  }
  return values;
}
