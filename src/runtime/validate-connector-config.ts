/**
 * validateConnectorConfig: the whole validation behind `PUT /connector-plugins/{p}/config/validate`
 * and connector create/update, as Connect's AbstractHerder does it: the framework keys enriched
 * with `transforms.<alias>.*` and `predicates.<alias>.*`, the connector's own keys, client
 * overrides against the worker's override policy, converter sub-configs, sink topic checks, null
 * values and the connector's cross-key rules (its descriptor's `validate`, Connect's
 * `Connector.validate`, and its `validationOnly` rules, which a stored config's start only warns
 * about: stored-config-warnings.ts), producing Connect's ConfigInfos and messages.
 */
import { javaTrim } from "../api/data/java-text.ts";
import { ConnectorClientConfigOverridePolicy } from "../connector-client-config-override-policy.ts";
import { BadRequestError, JavaException } from "../errors.ts";
import { ConfigDef, type KeyValidation } from "../plugin/config-def.ts";
import { type ConfigInfos, configInfos, groupsOf } from "../plugin/describe-config.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import { pluginVersionProblem } from "../plugin/version-range.ts";
import { PatternSyntaxException } from "../transforms/util/java-pattern-syntax.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { javaHashMap, javaHashOrder } from "../util/java-hash-order.ts";
import { HIDDEN } from "../util/logger.ts";
import { hideValueCredentials } from "../util/url-credentials.ts";
import { aliasTypeResults } from "./alias-config-def.ts";
import { type ConverterDefaults, enrichedConfigDef, withWorkerDefaults } from "./connector-config-def.ts";
import { splitList, topicPattern } from "./connector-config-values.ts";
import { resolveConnector } from "./resolve-connector.ts";
import { isClientSecret } from "./secret-keys.ts";
import { validateClientOverrides, type WorkerClientProperties } from "./validate-client-overrides.ts";
import { exactlyOnceChecks } from "./validate-exactly-once.ts";
import { NULL_VALUE_ERROR, unloadableConnectorInfos } from "./validate-unloadable-connector.ts";
import { validatedNames } from "./validated-names.ts";

/** Java's `Map.toString()` rendering, as Connect prints configs in some messages. */
export function javaMapString(config: Readonly<Record<string, string | null>>): string {
  return `{${Object.entries(javaHashMap(config, true))
    .map(([k, v]) => `${k}=${v}`)
    .join(", ")}}`;
}

/**
 * Validates a full connector config as Connect's AbstractHerder does. Throws BadRequestError when
 * there is no `connector.class` or the class is unknown, and ConfigError when a client override's
 * value does not parse (validate-client-overrides.ts); config errors, among them the override keys
 * `policy` (the worker's connector.client.config.override.policy) does not allow and the security
 * settings `workerClients` (the worker's client settings) completed by the overrides refuse, are
 * in the returned ConfigInfos.
 */
const TRIM_NPE =
  'Cannot invoke "String.trim()" because the return value of "java.util.Map.getOrDefault(Object, Object)" is null';

export function validateConnectorConfig(
  registry: PluginRegistry,
  config: Readonly<Record<string, string | null>>,
  converterDefaults?: ConverterDefaults,
  policy: ConnectorClientConfigOverridePolicy = ConnectorClientConfigOverridePolicy.ALL,
  workerClients?: WorkerClientProperties,
  /**
   * The keys whose raw value held a reference a config provider resolved: their messages show them
   * as the plugin says.
   */
  providedKeys?: ReadonlySet<string>,
): { infos: ConfigInfos; connector: ConnectorDescriptor } {
  const connectorClass = config["connector.class"];
  if (connectorClass === undefined || connectorClass === null) {
    // Connect prints the map as it is; with no plugin to say which keys are PASSWORD, keys that are
    // secrets by name show [hidden] (ConfigValidator hides resolved values in it), and a URL's
    // credentials in the others are hidden (url-credentials.ts).
    const shown = Object.fromEntries(
      Object.entries(config).map(([k, v]) => [k, v && isClientSecret(k) ? HIDDEN : v && hideValueCredentials(v, v)]),
    );
    throw new BadRequestError(`Connector config ${javaMapString(shown)} contains no connector type`);
  }
  const connector = resolveConnector(registry, connectorClass);
  // A connector.plugin.version that does not parse is Maven's message (a 400; the validate endpoint's
  // 500); one the connector's version is not in leaves the connector unloaded.
  const version = pluginVersionProblem(connector.className, [connector.version], config["connector.plugin.version"]);
  if (version?.malformed) throw new BadRequestError(version.message);
  if (version) return { infos: unloadableConnectorInfos(registry, connector, config, version.message), connector };
  // Connect trims these with props.getOrDefault(key, "").trim(): a null value is an NPE, its 500.
  // A source's client overrides are parsed first: one that does not parse is a ConfigError, and a
  // null offsets.storage.topic fails when Connect asks whether it is set (validate-client-overrides.ts).
  const sourceOverrides =
    connector.type === "source"
      ? validateClientOverrides(connectorClass, connector.type, config, policy, workerClients)
      : undefined;
  if (connector.type === "sink" && config["errors.deadletterqueue.topic.name"] === null) {
    throw new JavaException("java.lang.NullPointerException", TRIM_NPE);
  }
  const frameworkDef = withWorkerDefaults(
    registry,
    enrichedConfigDef(registry, connector.type, config),
    connector,
    config,
    converterDefaults,
  );
  const results = frameworkDef.validate(config);
  aliasTypeResults(registry, config, results);

  if (connector.type === "sink") sinkChecks(config, results);
  else exactlyOnceChecks(connector, config, results);

  // Converter classes must exist; a converter's own keys are validated under its prefix.
  let convertersDef = new ConfigDef([]);
  const converterResults = new Map<string, KeyValidation>();
  for (const [prop, types] of [
    ["header.converter", ["header_converter"]],
    ["key.converter", ["converter"]],
    ["value.converter", ["converter"]],
  ] as const) {
    const cls = config[prop];
    if (cls === null) {
      // A JSON null names no converter: its version key is hidden (the worker's version shown).
      const version = results.get(`${prop}.plugin.version`);
      if (version) results.set(`${prop}.plugin.version`, { ...version, visible: false });
    }
    if (cls === undefined || cls === null) continue;
    const converter = registry.find(types, cls);
    const other = converter ? undefined : registry.findAny(cls.trim());
    if (other) {
      // A class Connect loads that is not a converter: ConfigDef parses it (its name is the value),
      // then the converter check refuses it; its version key stays visible with no version.
      const iface = prop === "header.converter" ? "HeaderConverter" : "Converter";
      results.set(prop, {
        value: other.className,
        errors: [
          ...(results.get(prop)?.errors ?? []),
          `Class class ${other.className} does not implement the ${iface} interface`,
        ],
      });
      results.set(`${prop}.plugin.version`, { value: null, errors: [] });
      continue;
    }
    if (!converter) {
      // A CLASS value that names no class fails to parse: its value is null, and the version key
      // of a converter that does not exist is hidden without recommendations.
      results.set(prop, {
        value: null,
        errors: [...(results.get(prop)?.errors ?? []), invalidValue(prop, cls, `Class ${cls} could not be found.`)],
      });
      results.set(`${prop}.plugin.version`, { value: null, errors: [], visible: false });
      continue;
    }
    // ConfigDef parses a CLASS value to the class an alias names: its full name is the value shown.
    const shown = results.get(prop);
    if (shown && shown.errors.length === 0) results.set(prop, { ...shown, value: converter.className });
    if (cls !== cls.trim()) {
      // Connect loads the converter by the value as given, spaces included: it finds none.
      addError(results, prop, `Failed to load class ${cls}: ${cls}`, converter.className);
      results.set(`${prop}.plugin.version`, { value: null, errors: [] });
      continue;
    }
    // A plugin.version the converter's installed versions are not in (or that does not parse) loads
    // nothing: its keys are not listed. Only a malformed one leaves the class key without error.
    const problem = pluginVersionProblem(
      converter.className,
      registry
        .sorted()
        .filter((p) => p.className === converter.className)
        .map((p) => p.version),
      config[`${prop}.plugin.version`],
    );
    if (problem) {
      if (!problem.malformed) addError(results, prop, problem.message);
      addError(results, `${prop}.plugin.version`, problem.message);
      continue;
    }
    // As AbstractHerder.validateConverterConfig: the runtime supplies converter.type unless the
    // connector config sets `<prop>.converter.type` itself.
    const sub = {
      "converter.type": prop.split(".")[0]!,
      ...Object.fromEntries(
        Object.entries(config)
          .filter(([k]) => k.startsWith(`${prop}.`))
          .map(([k, v]) => [k.slice(prop.length + 1), v]),
      ),
    };
    // Connect lists a converter's keys as ConfigDef.validateAll's HashMap iterates them.
    const own = converter.config as ConfigDef;
    const hashOrdered = new ConfigDef(javaHashOrder(own.keys.map((k) => k.name)).map((n) => own.get(n)!));
    convertersDef = convertersDef.concat(hashOrdered.prefixed(`${prop}.`));
    for (const [name, result] of own.validate(sub)) converterResults.set(`${prop}.${name}`, result);
  }

  // Connector's own keys follow the framework keys (keys the framework defines keep their place).
  const connectorDef = connector.config as ConfigDef;
  for (const [name, result] of connectorDef.validate(config, providedKeys))
    if (!results.has(name)) results.set(name, result);
  const def = frameworkDef.concat(connectorDef);
  const groups = [...groupsOf(frameworkDef)];
  for (const g of groupsOf(connectorDef)) if (!groups.includes(g)) groups.push(g);

  // A sink's consumer group override is among Connect's validated names (the distributed herder
  // checks it against its worker's group; the gateway has none to conflict with), listed as the
  // names no definition knows are (validated-names.ts).
  const unordered = new Map<string, KeyValidation>();
  const groupOverride = connector.type === "sink" ? config["consumer.override.group.id"] : undefined;
  const computed = typeof groupOverride === "string" ? ["consumer.override.group.id"] : [];
  if (typeof groupOverride === "string" && !frameworkDef.has("consumer.override.group.id"))
    unordered.set("consumer.override.group.id", { value: groupOverride, errors: [] });
  for (const k of Object.keys(config)) {
    if (config[k] !== null) continue;
    // Connect's generateResult keeps one ConfigValue per name, the connector's own validate()
    // result last: a key the connector defines loses the framework's null-value error.
    if (connectorDef.has(k)) continue;
    if (frameworkDef.has(k)) addError(results, k, NULL_VALUE_ERROR);
    else if (!unordered.has(k)) unordered.set(k, { value: null, errors: [NULL_VALUE_ERROR] });
  }
  const undefinedValues = new Map<string, KeyValidation>();
  for (const k of validatedNames(
    frameworkDef.keys.map((key) => key.name),
    config,
    computed,
  )) {
    const entry = unordered.get(k);
    if (entry) undefinedValues.set(k, entry);
  }

  // The connector's cross-key rules, once its own keys are individually valid and none is null (a null passes
  // validation but never reaches the connector: the worker fails it at start, Worker.checkStringValues).
  const ownKeysValid = connectorDef.keys.every(
    (k) => (results.get(k.name)?.errors.length ?? 0) === 0 && config[k.name] !== null,
  );
  if ((connector.validate || connector.validationOnly) && ownKeysValid) {
    const present = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null)) as Record<string, string>;
    // Validation-only rules first; a key one of them faults gets no other cross-key problem.
    const validationOnly = connector.validationOnly?.(present, providedKeys) ?? [];
    const faulted = new Set(validationOnly.map((p) => p.key));
    const rest = (connector.validate?.(present) ?? []).filter((p) => !faulted.has(p.key));
    for (const problem of [...validationOnly, ...rest]) {
      if (def.has(problem.key)) addError(results, problem.key, problem.message);
      else if (convertersDef.has(problem.key)) addError(converterResults, problem.key, problem.message);
      else addError(undefinedValues, problem.key, problem.message, config[problem.key] ?? null);
    }
  }
  // As Connect merges them: the connector's keys, its client overrides, then its converters' keys.
  const infos = mergeConfigInfos(connectorClass, [
    configInfos(connectorClass, def, results, undefinedValues, groups),
    sourceOverrides ?? validateClientOverrides(connectorClass, connector.type, config, policy, workerClients),
    configInfos(connectorClass, convertersDef, converterResults),
  ]);
  return { infos, connector };
}

/** Connect's mergeConfigInfos: configs one after the other, groups once each, error counts summed. */
function mergeConfigInfos(name: string, parts: readonly ConfigInfos[]): ConfigInfos {
  return {
    name,
    error_count: parts.reduce((n, p) => n + p.error_count, 0),
    groups: [...new Set(parts.flatMap((p) => p.groups))],
    configs: parts.flatMap((p) => p.configs),
  };
}

function addError(
  results: Map<string, KeyValidation>,
  name: string,
  message: string,
  value: string | null = null,
): void {
  const current = results.get(name) ?? { value, errors: [] };
  results.set(name, { value: current.value, errors: [...current.errors, message] });
}

function sinkChecks(config: Readonly<Record<string, string | null>>, results: Map<string, KeyValidation>): void {
  // topics' ValidList refuses a null with a message of its own (no "Invalid value" prefix), as Connect 4.3.1.
  if (config.topics === null) addError(results, "topics", "Configuration 'topics' values must not be null.");
  const topics = splitList(config.topics);
  // Utils.isBlank: Java's trim() drops every char up to U+0020, control characters too.
  const regex = javaTrim(config["topics.regex"] ?? "");
  // As SinkConnectorConfig.validate: each check on its own, none stops the next.
  if (topics.length > 0 && regex !== "") {
    const message = "topics and topics.regex are mutually exclusive options, but both are set.";
    addError(results, "topics", message);
    addError(results, "topics.regex", message);
  }
  if (topics.length === 0 && regex === "") {
    addError(results, "topics", "Must configure one of topics or topics.regex");
    addError(results, "topics.regex", "Must configure one of topics or topics.regex");
  }
  const dlq = (config["errors.deadletterqueue.topic.name"] ?? "").trim();
  if (dlq === "") return;
  if (topics.includes(dlq)) {
    // As SinkConnectorConfig.parseTopicsList: the list shown without empty entries and repeats.
    const listed = [...new Set(topics.filter((topic) => topic !== ""))];
    addError(
      results,
      "topics",
      `The DLQ topic '${dlq}' may not be included in the list of topics ('topics=[${listed.join(", ")}]') consumed by the connector`,
    );
  }
  if (regex === "") return;
  if (compiledTopicsRegex(regex)?.test(dlq)) {
    addError(
      results,
      "topics.regex",
      `The DLQ topic '${dlq}' may not be matched by the regex for the topics ('topics.regex=${regex}') consumed by the connector`,
    );
  }
}

/**
 * topics.regex as Connect compiles it here, without a guard: a pattern Java refuses is its 500
 * (the fault the runtime names); undefined for one Java runs and this gateway cannot.
 */
function compiledTopicsRegex(regex: string): RegExp | undefined {
  try {
    return topicPattern(regex);
  } catch (error) {
    if (!(error instanceof PatternSyntaxException)) return undefined;
    throw new JavaException("java.util.regex.PatternSyntaxException", error.message);
  }
}

/** The validation error lines Connect puts in the 400 message, in ConfigInfos order. */
export function configErrorMessage(infos: ConfigInfos): string {
  const lines = infos.configs.flatMap((c) => c.value?.errors ?? []);
  return (
    `Connector configuration is invalid and contains the following ${lines.length} error(s):\n` +
    lines.join("\n") +
    "\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
  );
}
