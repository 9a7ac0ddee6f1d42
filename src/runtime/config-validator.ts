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
import type { LogManager } from "../util/logger.ts";
import { connectorPluginConfigDef } from "./connector-config.ts";
import type { PluginInfo } from "./entities.ts";
import { secretValues } from "./secret-keys.ts";
import { configErrorMessage, validateConnectorConfig } from "./validate-connector-config.ts";

export class ConfigValidator {
  constructor(
    private readonly registry: PluginRegistry,
    private readonly logs: LogManager,
    private readonly resolveConfig: (config: Config) => Promise<Config>,
    /** The stored connectors' configs, for keys that must be unique across connectors. */
    private readonly storedConfigs: () => Iterable<readonly [string, Config]> = () => [],
  ) {}

  registerSecrets(config: Readonly<Record<string, string | null>>): void {
    for (const secret of secretValues(config, this.registry)) this.logs.registerSecret(secret);
  }

  async validate(config: Readonly<Record<string, string | null>>): Promise<ConfigInfos> {
    this.registerSecrets(config);
    const present = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null)) as Record<string, string>;
    const resolved: Record<string, string | null> = { ...config, ...(await this.resolveConfig(present)) };
    const { infos, connector } = validateConnectorConfig(this.registry, resolved);
    if (connector.type === "source" && connector.uniqueKeys)
      this.checkUnique(connector.className, connector.uniqueKeys, resolved, infos);
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

  /** Adds an error on each unique key whose value another connector of the same class already uses. */
  private checkUnique(
    className: string,
    keys: readonly string[],
    config: Readonly<Record<string, string | null>>,
    infos: ConfigInfos,
  ): void {
    for (const [name, other] of this.storedConfigs()) {
      if (name === config.name) continue;
      if (this.registry.fullName(other["connector.class"]?.trim() ?? "") !== className) continue;
      for (const k of keys) {
        const value = config[k]?.trim();
        if (!value || other[k]?.trim() !== value) continue;
        const entry = infos.configs.find((c) => c.value?.name === k);
        if (!entry?.value) continue;
        entry.value.errors.push(`Invalid value ${value} for configuration ${k}: already used by connector ${name}`);
        infos.error_count++;
      }
    }
  }

  /** Throws Connect's 400 listing every error when the config is invalid. */
  async validateOrThrow(config: Readonly<Record<string, string | null>>): Promise<void> {
    const infos = await this.validate(config);
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

  pluginConfig(pluginName: string): ConfigKeyInfo[] {
    const plugin = this.registry.findAny(pluginName);
    if (!plugin) throw new NotFoundError(`Unknown plugin ${pluginName}.`);
    if (plugin.type === "source" || plugin.type === "sink") return describeConfig(connectorPluginConfigDef(plugin));
    return describeConfig(plugin.config);
  }
}
