/**
 * EnvVarConfigProvider (org.apache.kafka.common.config.provider.EnvVarConfigProvider, KIP-887):
 * `${env:DB_PASSWORD}` yields the environment variable. As Apache: the environment is read when
 * the provider is created; `allowlist.pattern` (a Java regular expression, default `.*`) must match
 * a variable's whole name for it to be visible, otherwise the reference stays as written; a
 * reference with a path (`${env:some/path:VAR}`) is a ConfigError, "Path is not supported".
 */
import { ConfigError, ConnectError, messageOf } from "../errors.ts";
import { defineConfig, key, type Validator } from "../plugin/config-def.ts";
import { compileJavaRegex, type JavaPattern, matches } from "../transforms/util/java-regex.ts";
import type { Logger } from "../util/logger.ts";
import { CONNECT_VERSION } from "../version.ts";
import type { ConfigProvider, ConfigProviderDescriptor } from "./config-provider.ts";

export const ALLOWLIST_PATTERN_CONFIG = "allowlist.pattern";

const validPattern: Validator<string | null> = (pattern) => {
  if (pattern === null) return undefined;
  try {
    compileJavaRegex(pattern);
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
};

export const envVarConfigProviderConfig = defineConfig({
  [ALLOWLIST_PATTERN_CONFIG]: key.string({
    doc: "A pattern / regular expression that needs to match for environment variables to be used by this config provider.",
    default: null,
    importance: "MEDIUM",
    validators: [validPattern],
  }),
});

export class EnvVarConfigProvider implements ConfigProvider {
  private readonly env: ReadonlyMap<string, string>;
  private visible: ReadonlyMap<string, string> | undefined;

  constructor(
    env: Readonly<Record<string, string | undefined>>,
    private readonly logger: Logger,
  ) {
    const snapshot = new Map<string, string>();
    for (const [name, value] of Object.entries(env)) if (value !== undefined) snapshot.set(name, value);
    this.env = snapshot;
  }

  configure(params: Readonly<Record<string, string>>): void {
    const configured = envVarConfigProviderConfig.parse(params)[ALLOWLIST_PATTERN_CONFIG];
    let pattern: JavaPattern;
    if (configured === null) {
      pattern = compileJavaRegex(".*");
      this.logger.info("No pattern for environment variables provided. Using default pattern '(.*)'.");
    } else {
      pattern = compileJavaRegex(configured);
    }
    this.visible = new Map([...this.env].filter(([name]) => matches(pattern, name)));
  }

  get(path: string, keys?: ReadonlySet<string>): Map<string, string> {
    if (path !== "") throw new ConfigError(`Path is not supported for EnvVarConfigProvider, invalid value '${path}'`);
    const visible = this.visible;
    if (visible === undefined) throw new ConnectError("The provider has not been configured yet.");
    if (keys === undefined) return new Map(visible);
    const data = new Map<string, string>();
    for (const name of keys) {
      const value = visible.get(name);
      if (value !== undefined) data.set(name, value);
    }
    return data;
  }

  close(): void {}
}

export const envVarConfigProvider: ConfigProviderDescriptor = {
  className: "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
  version: CONNECT_VERSION,
  summary:
    "Reads values from the worker's environment variables: `${env:VARIABLE}`. Restrict the variables it exposes " +
    "with `allowlist.pattern`.",
  config: envVarConfigProviderConfig,
  create: ({ env, logger }) => new EnvVarConfigProvider(env, logger),
};
