/**
 * ConfigValidator: the Herder's plugin and validation views. Validation runs on the config with
 * provider references resolved, as Connect's does, but entries whose raw value holds a reference
 * show the reference again, never the resolved value; secret values are registered for redaction
 * before anything can log them. Also the plugin list and a plugin's ConfigKeyInfos.
 */
import type { Config } from "../api/connector.ts";
import { BadRequestError, ConnectError, NotFoundError } from "../errors.ts";
import { type ConfigInfos, type ConfigKeyInfo, describeConfig } from "../plugin/describe-config.ts";
import type { PluginType } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import { parseVersionRange } from "../plugin/version-range.ts";
import type { LogManager } from "../util/logger.ts";
import { connectorPluginConfigDef } from "./connector-config.ts";
import type { PluginInfo } from "./entities.ts";
import { secretValues } from "./secret-keys.ts";
import {
  type ConverterDefaults,
  configErrorMessage,
  UnknownConnectorClassError,
  validateConnectorConfig,
} from "./validate-connector-config.ts";

export class ConfigValidator {
  private readonly unknownClasses = new Set<string>();

  constructor(
    private readonly registry: PluginRegistry,
    private readonly logs: LogManager,
    private readonly resolveConfig: (config: Config) => Promise<Config>,
    private readonly converterDefaults?: ConverterDefaults,
  ) {}

  registerSecrets(config: Readonly<Record<string, string | null>>): void {
    for (const secret of secretValues(config, this.registry)) this.logs.registerSecret(secret);
  }

  async validate(config: Readonly<Record<string, string | null>>): Promise<ConfigInfos> {
    this.registerSecrets(config);
    const present = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null)) as Record<string, string>;
    const resolved: Record<string, string | null> = { ...config, ...(await this.resolveConfig(present)) };
    const { infos } = validateConnectorConfig(this.registry, resolved, this.converterDefaults);
    for (const entry of infos.configs) {
      if (!entry.value) continue;
      const raw = config[entry.value.name];
      if (typeof raw === "string" && raw.includes("${") && entry.value.value !== "[hidden]") entry.value.value = raw;
      // Messages quote values; a resolved secret in one becomes [hidden].
      entry.value.errors = entry.value.errors.map((e) => this.logs.redact(e));
      if (entry.value.value !== null) entry.value.value = this.logs.redact(entry.value.value);
    }
    return infos;
  }

  /**
   * Throws Connect's 400 listing every error when the config is invalid. Connect caches a failed
   * class lookup and answers a repeated one with the cached exception wrapped once more, so its
   * message then starts with the exception class: the same here.
   */
  async validateOrThrow(config: Readonly<Record<string, string | null>>): Promise<void> {
    let infos: ConfigInfos;
    try {
      infos = await this.validate(config);
    } catch (error) {
      if (!(error instanceof UnknownConnectorClassError)) throw error;
      if (!this.unknownClasses.has(error.className)) {
        this.unknownClasses.add(error.className);
        throw error;
      }
      throw new BadRequestError(`org.apache.kafka.connect.errors.ConnectException: ${error.message}`);
    }
    if (infos.error_count > 0) throw new BadRequestError(configErrorMessage(infos));
  }

  /** `PUT /connector-plugins/{p}/config/validate`, with that endpoint's own error rules. */
  async validateForPlugin(pluginName: string, config: Readonly<Record<string, string | null>>): Promise<ConfigInfos> {
    const cls = config["connector.class"];
    if (cls !== undefined && cls !== null) {
      const normalize = (s: string) => (s.endsWith("Connector") && s.length > 9 ? s.slice(0, -9) : s);
      if (!normalize(cls).endsWith(normalize(pluginName))) {
        throw new BadRequestError(`Included connector type ${cls} does not match request type ${pluginName}`);
      }
    }
    try {
      return await this.validate(config);
    } catch (error) {
      // Connect's validate endpoint does not unwrap: every failure is a 500 "<class>: <message>".
      const e = error as { javaClass?: string; message?: string };
      throw new ConnectError(`${e.javaClass ?? "java.lang.RuntimeException"}: ${e.message ?? String(error)}`);
    }
  }

  plugins(connectorsOnly: boolean): PluginInfo[] {
    const types: PluginType[] | undefined = connectorsOnly ? ["sink", "source"] : undefined;
    return this.registry.sorted(types).map((p) => ({ class: p.className, type: p.type, version: p.version }));
  }

  /** A plugin's ConfigKeyInfos; `versionSpec` is KIP-891's `?version=` Maven range. */
  pluginConfig(pluginName: string, versionSpec?: string): ConfigKeyInfo[] {
    const range = versionSpec === undefined ? undefined : parseVersionRange(versionSpec);
    const plugin = this.registry.findAny(pluginName);
    if (!plugin) throw new NotFoundError(`Unknown plugin ${pluginName}.`);
    if (range !== undefined) {
      const versions = this.registry
        .sorted()
        .filter((p) => p.className === plugin.className)
        .map((p) => p.version);
      if (!versions.some((v) => range.contains(v))) {
        throw new BadRequestError(
          `Plugin ${plugin.className} not found that matches the version range ${range}, available versions: [${versions.join(", ")}]`,
        );
      }
    }
    if (plugin.type === "source" || plugin.type === "sink") return describeConfig(connectorPluginConfigDef(plugin));
    return describeConfig(plugin.config);
  }
}
