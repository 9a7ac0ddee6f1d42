/**
 * The ConfigProvider contract (org.apache.kafka.common.config.provider.ConfigProvider) and the
 * registry that finds a provider by the class name or alias a worker names in
 * `config.providers.<name>.class`. `config-transformer.ts` builds providers through the registry
 * and resolves `${provider:[path:]key}` references with them.
 *
 * Aliases follow Connect's PluginUtils.computeAliases for config providers: the simple class name
 * (`FileConfigProvider`) and that name without its `ConfigProvider` suffix (`File`), each only when
 * it names exactly one registered class.
 */
import type { ConfigDef } from "../plugin/config-def.ts";
import { simpleName } from "../plugin/registry.ts";
import type { Logger } from "../util/logger.ts";
import { directoryConfigProvider } from "./directory-config-provider.ts";
import { envVarConfigProvider } from "./env-var-config-provider.ts";
import { fileConfigProvider } from "./file-config-provider.ts";
import { secretFilesConfigProvider } from "./secret-files-config-provider.ts";

/**
 * A source of configuration values, as Apache's ConfigProvider: `configure` once, then `get` for
 * each path the references name. Implementations must never put a value in an error message or a
 * log line; paths and keys are fine.
 */
export interface ConfigProvider {
  /** Receives the `config.providers.<name>.param.*` keys with that prefix removed. Throws ConfigError. */
  configure(params: Readonly<Record<string, string>>): void;
  /**
   * The values stored at `path` (`""` when a reference has no path), only those in `keys` when
   * given. A key the provider has no value for is absent from the result, and its reference is
   * left as written.
   */
  get(path: string, keys?: ReadonlySet<string>): Map<string, string> | Promise<Map<string, string>>;
  /** Releases resources; called when the worker stops. */
  close?(): void | Promise<void>;
}

/** What the worker hands a provider when it creates one. */
export interface ConfigProviderContext {
  /** The provider's logger, named after its class as in Connect. */
  readonly logger: Logger;
  /** The process environment (EnvVarConfigProvider reads it). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A config provider class: its name, its declared params (for validation and docs) and a factory. */
export interface ConfigProviderDescriptor {
  readonly className: string;
  readonly version: string;
  /** One paragraph for the generated docs. */
  readonly summary: string;
  /** The `config.providers.<name>.param.*` keys, without the prefix. */
  readonly config: ConfigDef<never> | ConfigDef;
  create(context: ConfigProviderContext): ConfigProvider;
}

const SUFFIX = "ConfigProvider";

function prunedName(className: string): string {
  const simple = simpleName(className);
  const pos = simple.lastIndexOf(SUFFIX);
  return pos > 0 ? simple.slice(0, pos) : simple;
}

/** The installed config providers, found by class name or unique alias. */
export class ConfigProviderRegistry {
  private readonly aliases = new Map<string, string>();

  constructor(readonly providers: readonly ConfigProviderDescriptor[]) {
    const candidates = new Map<string, Set<string>>();
    for (const p of providers) {
      for (const alias of [simpleName(p.className), prunedName(p.className)]) {
        if (alias === p.className) continue;
        const set = candidates.get(alias) ?? new Set<string>();
        set.add(p.className);
        candidates.set(alias, set);
      }
    }
    for (const [alias, classes] of candidates) if (classes.size === 1) this.aliases.set(alias, [...classes][0]!);
  }

  /** The provider with this class name or alias. */
  find(nameOrAlias: string): ConfigProviderDescriptor | undefined {
    const name = nameOrAlias.trim();
    const full = this.aliases.get(name) ?? name;
    return this.providers.find((p) => p.className === full);
  }

  /** Every class name, sorted, for error messages and docs. */
  classNames(): string[] {
    return this.providers.map((p) => p.className).sort();
  }
}

/** Apache's three providers and the gateway's secret-files provider. */
export const builtinConfigProviders: readonly ConfigProviderDescriptor[] = [
  directoryConfigProvider,
  envVarConfigProvider,
  fileConfigProvider,
  secretFilesConfigProvider,
];

export function defaultConfigProviderRegistry(): ConfigProviderRegistry {
  return new ConfigProviderRegistry(builtinConfigProviders);
}
