/**
 * ConfigValidator: the Herder's plugin and validation views. Validation runs on the config with
 * provider references resolved, as Connect's does, but entries whose raw value holds a reference
 * show the reference again, never the resolved value, and nothing else in the answer (key and group
 * names derived from a resolved `transforms` list, messages) shows a resolved value either (see
 * resolved-values.ts); secret values are registered for redaction before anything can log them. Also the plugin list and a plugin's ConfigKeyInfos.
 */
import type { Config } from "../api/connector.ts";
import { providedKeys } from "../config-providers/config-transformer.ts";
import { hasConfigVariable } from "../config-providers/config-variables.ts";
import type { ConnectorClientConfigOverridePolicy } from "../connector-client-config-override-policy.ts";
import { BadRequestError, ConfigError, ConnectError, NotFoundError } from "../errors.ts";
import { type ConfigInfos, type ConfigKeyInfo, describeConfig } from "../plugin/describe-config.ts";
import type { PluginType, SourceConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import { parseVersionRange } from "../plugin/version-range.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { javaUtf8Text } from "../util/java-utf8.ts";
import { HIDDEN, type LogManager } from "../util/logger.ts";
import type { ConverterDefaults } from "./connector-config-def.ts";
import { connectorPluginConfigDef } from "./connector-config-def.ts";
import type { PluginInfo } from "./entities.ts";
import { invalidPluginClassMessage, isNonPluginClass, nonPluginVersionMessage } from "./non-plugin-classes.ts";
import { type OtherConnector, OtherConnectorValues } from "./other-connector-values.ts";
import { UnknownConnectorClassError } from "./resolve-connector.ts";
import { heldResolution, type Redact, type ResolveConfig, ResolvedValues } from "./resolved-values.ts";
import { secretValues } from "./secret-keys.ts";
import type { WorkerClientProperties } from "./validate-client-overrides.ts";
import { configErrorMessage, validateConnectorConfig } from "./validate-connector-config.ts";

export class ConfigValidator {
  private readonly unknownClasses = new Set<string>();
  /** Per stored connector: releases the secrets of the config it last started with. */
  private readonly connectorSecrets = new Map<string, () => void>();

  constructor(
    private readonly registry: PluginRegistry,
    private readonly logs: LogManager,
    private readonly resolveConfig: ResolveConfig,
    /** The worker's connector.client.config.override.policy. */
    private readonly overridePolicy: ConnectorClientConfigOverridePolicy,
    /** The stored connectors, for keys that must be unique across connectors. */
    private readonly otherConnectors: () => Iterable<OtherConnector> = () => [],
    private readonly converterDefaults?: ConverterDefaults,
    /** The worker's settings of each Kafka client type, which a connector's overrides complete. */
    private readonly workerClients?: WorkerClientProperties,
  ) {
    this.otherValues = new OtherConnectorValues(logs.get("org.apache.kafka.connect.runtime.AbstractHerder"));
  }

  private readonly otherValues: OtherConnectorValues;

  /**
   * Hides the secrets of `connector`'s config from the logs until its next config replaces them or
   * it is deleted (`releaseConnectorSecrets`): secrets of replaced and deleted configs are forgotten.
   */
  holdConnectorSecrets(
    connector: string,
    config: Readonly<Record<string, string | null>>,
    previousInUseUntil: Promise<void> = Promise.resolve(),
  ): void {
    const release = this.logs.holdSecrets(secretValues(config, this.registry));
    this.releaseWhen(this.connectorSecrets.get(connector), previousInUseUntil);
    this.connectorSecrets.set(connector, release);
  }

  /**
   * Forgets the secrets of a deleted connector once its connector and tasks have stopped: those a
   * stop abandoned still run with them until `inUseUntil` settles.
   */
  releaseConnectorSecrets(connector: string, inUseUntil: Promise<void> = Promise.resolve()): void {
    this.releaseWhen(this.connectorSecrets.get(connector), inUseUntil);
    this.connectorSecrets.delete(connector);
  }

  private releaseWhen(release: (() => void) | undefined, until: Promise<void>): void {
    if (release) void until.then(release, release);
  }

  /**
   * The submitted secrets, and the values providers resolve for it, are hidden while it is
   * validated (messages built then), not forever. `connectorName`: the connector validated, as the
   * herder knows it (its config's `name` keeps a lone surrogate that name holds as `?`); by default
   * the name a create of `config` would key it by.
   */
  async validate(
    config: Readonly<Record<string, string | null>>,
    connectorName = javaUtf8Text(config.name ?? ""),
  ): Promise<ConfigInfos> {
    const release = this.logs.holdSecrets(secretValues(config, this.registry));
    const resolution = heldResolution(this.logs, this.resolveConfig);
    try {
      return await this.validateHeld(config, resolution.resolveConfig, connectorName);
    } catch (error) {
      // Connect's plugin lookup remembers a class it failed to find, whichever endpoint asked:
      // from the second time on the failure is its ConnectException, message and all.
      if (!(error instanceof UnknownConnectorClassError)) throw error;
      if (!this.unknownClasses.has(error.className)) {
        this.unknownClasses.add(error.className);
        throw error;
      }
      throw new BadRequestError(`org.apache.kafka.connect.errors.ConnectException: ${error.message}`);
    } finally {
      release();
      resolution.release();
    }
  }

  private async validateHeld(
    config: Readonly<Record<string, string | null>>,
    resolveConfig: ResolveConfig,
    connectorName: string,
  ): Promise<ConfigInfos> {
    const present = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null)) as Record<string, string>;
    const { config: resolvedPresent, values } = await ResolvedValues.resolve(present, resolveConfig);
    const resolved: Record<string, string | null> = { ...config, ...resolvedPresent };
    let validated: ReturnType<typeof validateConnectorConfig>;
    try {
      validated = validateConnectorConfig(
        this.registry,
        resolved,
        this.converterDefaults,
        this.overridePolicy,
        this.workerClients,
        providedKeys(config, resolved),
      );
    } catch (error) {
      // A value that does not parse (a client override's type) is named in the message, and a
      // config without connector.class is printed whole: the resolved values must not be shown,
      // however short.
      const { hide } = values.redaction((text) => this.logs.redact(text), { references: true });
      if (error instanceof BadRequestError && !(error instanceof UnknownConnectorClassError))
        throw new BadRequestError(hide(error.message));
      if (!(error instanceof ConfigError)) throw error;
      // Keys are names: only this request's resolved aliases are hidden in them, as in the answer.
      const { hide: hideOwn } = values.redaction((text) => text, { references: true });
      const errors = new Map([...error.errors].map(([k, messages]) => [hideOwn(k), messages.map(hide)] as const));
      throw new ConfigError(hide(error.message), errors);
    }
    const { infos, connector } = validated;
    if (connector.type === "source" && (connector.uniqueKeys || connector.conflicts))
      await this.checkUnique(connector, resolved, infos, resolveConfig, connectorName);
    const secrets = new Set(secretValues(config, this.registry));
    return hideResolvedValues(infos, config, values, (text) => this.logs.redact(text), secrets);
  }

  /**
   * Adds an error on each unique key whose value another connector of the same class already uses,
   * and on the keys of the descriptor's `conflicts` with the other connectors of the class. The
   * others' values are compared resolved, as `config` is (ingestp4: a stored
   * `${provider:…}` list resolving to a topic the new config names was not seen to name it), as
   * serving has them: only those keys, a running connector's as resolved at its start
   * (other-connector-values.ts).
   */
  private async checkUnique(
    connector: Pick<SourceConnectorDescriptor, "className" | "uniqueKeys" | "conflicts" | "conflictKeys">,
    config: Readonly<Record<string, string | null>>,
    infos: ConfigInfos,
    resolveConfig: ResolveConfig,
    connectorName: string,
  ): Promise<void> {
    const addError = (key: string, message: string) => {
      const entry = infos.configs.find((c) => c.value?.name === key);
      if (!entry?.value) return;
      entry.value.errors.push(message);
      infos.error_count++;
    };
    const present = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null)) as Config;
    // A connector.class given by reference is compared as resolved (as its running instance's, if it runs).
    const keys = ["connector.class", ...(connector.uniqueKeys ?? []), ...(connector.conflictKeys ?? [])];
    const candidates = [...this.otherConnectors()].filter(
      (each) =>
        each.name !== connectorName &&
        (hasConfigVariable(each.stored["connector.class"] ?? null) ||
          this.registry.fullName(each.stored["connector.class"]?.trim() ?? "") === connector.className),
    );
    // Asked at once: providers that do not answer hold the validation one timeout, not one each.
    const values = await Promise.all(
      candidates.map((each) => this.otherValues.of(each, keys, resolveConfig, connectorName)),
    );
    for (const [i, { name }] of candidates.entries()) {
      const other = values[i]!;
      if (this.registry.find(["source", "sink"], other["connector.class"] ?? "")?.className !== connector.className)
        continue;
      for (const k of connector.uniqueKeys ?? []) {
        const value = config[k]?.trim();
        if (!value || other[k]?.trim() !== value) continue;
        addError(k, invalidValue(k, value, `already used by connector ${name}`));
      }
      for (const problem of connector.conflicts?.(present, other, name) ?? []) addError(problem.key, problem.message);
    }
  }

  /**
   * Throws Connect's 400 listing every error when the config is invalid. Connect caches a failed
   * class lookup and answers a repeated one with the cached exception wrapped once more, so its
   * message then starts with the exception class: the same here.
   */
  async validateOrThrow(config: Readonly<Record<string, string | null>>, connectorName: string): Promise<void> {
    const infos = await this.validate(config, connectorName);
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
    if (!plugin && isNonPluginClass(this.registry, pluginName)) {
      if (range !== undefined) throw new BadRequestError(nonPluginVersionMessage(pluginName, String(range)));
      throw new BadRequestError(invalidPluginClassMessage(pluginName));
    }
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

/**
 * ConfigInfos as a client may see them. Entries whose raw value holds a reference show it (unless
 * it did not parse: null, as Connect); entries
 * named after resolved aliases get their names, groups and docs hidden. Messages of those two kinds
 * of entries hide every resolved value; other entries' messages hide values of 4 characters or
 * more (a short value would otherwise blank out ordinary words and numbers such as "at least 1"),
 * and their values are what the client sent or a default, so they are shown as they are. The log
 * manager's registered secrets (`redact`) are hidden everywhere but in a literal value the client
 * typed (unless it is one of its `secrets`), and in its entry's messages where they quote it: a
 * value another connector's provider resolved to the same string showed the client's own literal
 * as [hidden] (and told it that it was another connector's value). Messages are cut at the literal
 * only when it would be hidden: a resolved value containing it stays hidden whole.
 *
 * The registered secrets touch only what can hold one: values, recommended values and messages.
 * Names, groups, docs, defaults and dependents are the plugin's own text (or this request's
 * resolved aliases, hidden by `hideOwn`): a stored password `store` renamed
 * `http.ssl.keystore.location` to `http.ssl.key[hidden].location` in every validate answer, and
 * a key's default `true` showed as `[hidden]` with a password `true` (explore3 H3).
 */
function hideResolvedValues(
  infos: ConfigInfos,
  raw: Readonly<Record<string, string | null>>,
  values: ResolvedValues,
  redact: Redact,
  secrets: ReadonlySet<string>,
): ConfigInfos {
  const { hide, hideLong } = values.redaction(redact, { references: true });
  const { hide: hideOwn } = values.redaction((text) => text, { references: true });
  for (const entry of infos.configs) {
    const definition = entry.definition;
    // Only names derived from resolved aliases carry request data; static docs stay untouched.
    if (
      definition &&
      (hideOwn(definition.name) !== definition.name || hideOwn(definition.group ?? "") !== (definition.group ?? ""))
    ) {
      definition.name = hideOwn(definition.name);
      if (definition.group !== null) definition.group = hideOwn(definition.group);
      definition.display_name = hideOwn(definition.display_name);
      definition.documentation = hideOwn(definition.documentation);
      definition.dependents = definition.dependents.map(hideOwn);
    }
    const value = entry.value;
    if (!value) continue;
    const rawValue = raw[value.name];
    const referenced = typeof rawValue === "string" && rawValue.includes("${");
    const aliasNamed = hideOwn(value.name) !== value.name;
    /** The literal the client typed, shown as typed unless it is a secret. */
    const typed =
      !referenced && typeof rawValue === "string" && rawValue !== "" && !secrets.has(rawValue) ? rawValue : undefined;
    /** A key the client left out shows its default, which the definition shows anyway. */
    const defaulted = (rawValue === undefined || rawValue === null) && value.value === definition?.default_value;
    value.name = hideOwn(value.name);
    if (referenced) {
      // A value that did not parse stays null, as Connect shows it; a parsed one shows its reference.
      if (value.value !== HIDDEN && value.value !== null) value.value = rawValue;
    } else if (value.value !== null && !defaulted) {
      value.value = aliasNamed ? hide(value.value) : value.value === typed ? typed : redact(value.value);
    }
    // Cut at the literal only when it would be hidden itself: cut anywhere else, a resolved value
    // containing it (a rule quoting another key's value) fell into pieces that were not hidden.
    const keepTyped = typed !== undefined && hideLong(typed) !== typed;
    value.errors = value.errors.map(
      referenced || aliasNamed ? hide : keepTyped ? (text) => text.split(typed).map(hideLong).join(typed) : hideLong,
    );
    value.recommended_values = value.recommended_values.map(hideLong);
  }
  infos.groups = infos.groups.map(hideOwn);
  infos.name = hideOwn(infos.name);
  return infos;
}
