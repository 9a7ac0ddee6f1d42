/**
 * The framework's connector keys (Connect's ConnectorConfig, SinkConnectorConfig and
 * SourceConnectorConfig), in Connect's order with its groups, and `validateConnectorConfig`:
 * the whole validation behind `PUT /connector-plugins/{p}/config/validate` and connector
 * create/update, producing Connect's ConfigInfos (enrichment with `transforms.<alias>.*` and
 * `predicates.<alias>.*`, converter sub-configs, sink topic checks, null values).
 */
import { BadRequestError, ConnectError } from "../errors.ts";
import { ConfigDef, check, defineConfig, type KeyValidation, key } from "../plugin/config-def.ts";
import { type ConfigInfos, configInfos, groupsOf } from "../plugin/describe-config.ts";
import type { ConnectorDescriptor, PluginType } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";

const COMMON = "Common";
const ERRORS = "Error Handling";

export const commonConnectorConfig = defineConfig({
  name: key.string({
    doc: "Globally unique name to use for this connector.",
    importance: "HIGH",
    group: COMMON,
    order: 1,
    width: "MEDIUM",
    displayName: "Connector name",
    validators: [
      check.nonEmpty(),
      (s) => (s !== null && /[\u0000-\u001f\u007f]/.test(s) ? "String may not contain control sequences" : undefined),
    ],
  }),
  "connector.class": key.string({
    doc: 'Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name, or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit shorter',
    importance: "HIGH",
    group: COMMON,
    order: 2,
    width: "LONG",
    displayName: "Connector class",
  }),
  "tasks.max": key.int({
    doc: "Maximum number of tasks to use for this connector.",
    default: 1,
    importance: "HIGH",
    group: COMMON,
    order: 3,
    width: "SHORT",
    displayName: "Tasks max",
    validators: [check.atLeast(1)],
  }),
  "tasks.max.enforce": key.boolean({
    doc: "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, and existing sets of tasks that exceed the tasks.max property will be allowed to run.",
    default: true,
    importance: "LOW",
    group: COMMON,
    order: 4,
    width: "SHORT",
    displayName: "Enforce tasks max",
  }),
  "key.converter": key.class({
    doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the keys in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 5,
    width: "SHORT",
    displayName: "Key converter class",
  }),
  "value.converter": key.class({
    doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 6,
    width: "SHORT",
    displayName: "Value converter class",
  }),
  "header.converter": key.class({
    doc: "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the header values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro. By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 7,
    width: "SHORT",
    displayName: "Header converter class",
  }),
  transforms: key.list({
    doc: "Aliases for the transformations to be applied to records.",
    default: [],
    importance: "LOW",
    group: "Transforms",
    order: 8,
    width: "LONG",
    displayName: "Transforms",
    validators: [duplicateAliases],
  }),
  predicates: key.list({
    doc: "Aliases for the predicates used by transformations.",
    default: [],
    importance: "LOW",
    group: "Predicates",
    order: 9,
    width: "LONG",
    displayName: "Predicates",
    validators: [duplicateAliases],
  }),
  "config.action.reload": key.string({
    doc: "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties. A value of 'none' indicates that Connect will do nothing. A value of 'restart' indicates that Connect should restart/reload the connector with the updated configuration properties.The restart may actually be scheduled in the future if the external configuration provider indicates that a configuration value will expire in the future.",
    default: "restart",
    importance: "LOW",
    group: COMMON,
    order: 10,
    width: "MEDIUM",
    displayName: "Reload Action",
    validators: [check.oneOfIgnoreCase(["none", "restart"])],
  }),
  "errors.retry.timeout": key.long({
    doc: "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.",
    default: 0,
    importance: "MEDIUM",
    group: ERRORS,
    order: 1,
    width: "MEDIUM",
    displayName: "Retry Timeout for Errors",
  }),
  "errors.retry.delay.max.ms": key.long({
    doc: "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.",
    default: 60000,
    importance: "MEDIUM",
    group: ERRORS,
    order: 2,
    width: "MEDIUM",
    displayName: "Maximum Delay Between Retries for Errors",
  }),
  "errors.tolerance": key.string({
    doc: "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.",
    default: "none",
    importance: "MEDIUM",
    group: ERRORS,
    order: 3,
    width: "SHORT",
    displayName: "Error Tolerance",
    validators: [check.oneOf(["none", "all"])],
  }),
  "errors.log.enable": key.boolean({
    doc: "If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported.",
    default: false,
    importance: "MEDIUM",
    group: ERRORS,
    order: 4,
    width: "SHORT",
    displayName: "Log Errors",
  }),
  "errors.log.include.messages": key.boolean({
    doc: "Whether to include in the log the Connect record that resulted in a failure. For sink records, the topic, partition, offset, and timestamp will be logged. For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files.",
    default: false,
    importance: "MEDIUM",
    group: ERRORS,
    order: 5,
    width: "SHORT",
    displayName: "Log Error Details",
  }),
});

function duplicateAliases(list: string[] | null): string | undefined {
  if (!list) return undefined;
  return new Set(list).size !== list.length ? "Duplicate alias provided." : undefined;
}

/** Keys only sink connectors have (SinkConnectorConfig). */
export const sinkOnlyConfig = defineConfig({
  topics: key.list({
    doc: "List of topics to consume, separated by commas",
    default: [],
    importance: "HIGH",
    group: COMMON,
    order: 4,
    width: "LONG",
    displayName: "Topics",
  }),
  "topics.regex": key.string({
    doc: "Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.",
    default: "",
    importance: "HIGH",
    group: COMMON,
    order: 4,
    width: "LONG",
    displayName: "Topics regex",
    validators: [(s) => (s ? regexError(s) : undefined)],
  }),
  "errors.deadletterqueue.topic.name": key.string({
    doc: "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.",
    default: "",
    importance: "MEDIUM",
    group: ERRORS,
    order: 6,
    width: "MEDIUM",
    displayName: "Dead Letter Queue Topic Name",
  }),
  "errors.deadletterqueue.topic.replication.factor": key.short({
    doc: "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
    default: 3,
    importance: "MEDIUM",
    group: ERRORS,
    order: 7,
    width: "MEDIUM",
    displayName: "Dead Letter Queue Topic Replication Factor",
  }),
  "errors.deadletterqueue.context.headers.enable": key.boolean({
    doc: "If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with <code>__connect.errors.</code>",
    default: false,
    importance: "MEDIUM",
    group: ERRORS,
    order: 8,
    width: "MEDIUM",
    displayName: "Enable Error Context Headers",
  }),
});

export const sinkConnectorConfig = commonConnectorConfig.concat(sinkOnlyConfig);

/** Keys only source connectors have (SourceConnectorConfig). */
export const sourceOnlyConfig = defineConfig({
  "topic.creation.groups": key.list({
    doc: "Groups of configurations for topics created by source connectors",
    default: [],
    importance: "LOW",
    group: "Topic Creation",
    order: 1,
    width: "LONG",
    displayName: "Topic Creation Groups",
  }),
  "exactly.once.support": key.string({
    doc: 'Permitted values are requested, required. If set to "required", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to "requested". Additionally, if the value is set to "required" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail.',
    default: "requested",
    importance: "MEDIUM",
    group: "Exactly Once Support",
    order: 2,
    width: "SHORT",
    displayName: "Exactly once support",
    validators: [check.oneOfIgnoreCase(["requested", "required"])],
  }),
  "transaction.boundary": key.string({
    doc: "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.",
    default: "poll",
    importance: "MEDIUM",
    group: "Exactly Once Support",
    order: 3,
    width: "SHORT",
    displayName: "Transaction Boundary",
    validators: [check.oneOfIgnoreCase(["poll", "interval", "connector"])],
  }),
  "transaction.boundary.interval.ms": key.long({
    doc: "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified.",
    default: null,
    importance: "LOW",
    group: "Exactly Once Support",
    order: 4,
    width: "SHORT",
    displayName: "Transaction boundary interval",
  }),
  "offsets.storage.topic": key.string({
    doc: "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker’s global offsets topic name will be used. If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector (which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer has been overridden from the worker's). Only applicable in distributed mode; in standalone mode, setting this property will have no effect.",
    default: null,
    importance: "LOW",
    group: "offsets.topic",
    order: 1,
    width: "LONG",
    displayName: "Offsets topic",
    validators: [check.nonEmpty()],
  }),
});

export const sourceConnectorConfig = commonConnectorConfig.concat(sourceOnlyConfig);

export function regexError(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Java's `Map.toString()` rendering, as Connect prints configs in some messages. */
export function javaMapString(config: Readonly<Record<string, string | null>>): string {
  return `{${Object.entries(config)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ")}}`;
}

/** Connect's "PluginDesc{…}" list in the unknown-connector message. */
function pluginDescs(registry: PluginRegistry): string {
  return registry
    .sorted(["sink", "source"])
    .map(
      (p) =>
        `PluginDesc{klass=class ${p.className}, name='${p.className}', version='${p.version}', encodedVersion=${p.version}, type=${p.type}, typeName='${p.type}', location='classpath'}`,
    )
    .join(", ");
}

export function resolveConnector(registry: PluginRegistry, className: string): ConnectorDescriptor {
  const found = registry.find(["source", "sink"], className);
  if (!found) {
    throw new ConnectError(
      `Failed to find any class that implements Connector and which name matches ${className}, available connectors are: ${pluginDescs(registry)}`,
    );
  }
  return found;
}

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

export function splitList(value: string | null | undefined): string[] {
  const trimmed = (value ?? "").trim();
  return trimmed === "" ? [] : trimmed.split(/\s*,\s*/);
}

function aliasConfigDef(
  registry: PluginRegistry,
  kind: "transforms" | "predicates",
  alias: string,
  config: Readonly<Record<string, string | null>>,
): ConfigDef {
  const pluginType: PluginType = kind === "transforms" ? "transformation" : "predicate";
  const prefix = `${kind}.${alias}.`;
  const group = `${kind === "transforms" ? "Transforms" : "Predicates"}: ${alias}`;
  const recommended = registry.ofType(pluginType).map((p) => p.className);
  const classKey = key.class({
    doc: `Class for the '${alias}' ${kind === "transforms" ? "transformation" : "predicate"}.`,
    importance: "HIGH",
    group,
    order: 0,
    width: "LONG",
    displayName: `${kind === "transforms" ? "Transformation" : "Predicate"} type for ${alias}`,
    recommended,
    validators: [(cls) => (registry.find([pluginType], cls) ? undefined : `Class ${cls} could not be found.`)],
  });
  const keys: Record<
    string,
    ReturnType<typeof key.class> | ReturnType<typeof key.string> | ReturnType<typeof key.boolean>
  > = { [`${prefix}type`]: classKey };
  let order = 1;
  if (kind === "transforms") {
    keys[`${prefix}predicate`] = key.string({
      doc: "The alias of a predicate used to determine whether to apply this transformation.",
      default: null,
      importance: "MEDIUM",
      group,
      order: order++,
      width: "LONG",
      displayName: `Predicate for ${alias}`,
      validators: [
        (p) =>
          p && !splitList(config.predicates).includes(p)
            ? `Predicate '${p}' is not defined in 'predicates'`
            : undefined,
      ],
    });
    keys[`${prefix}negate`] = key.boolean({
      doc: "Whether the configured predicate should be negated.",
      default: false,
      importance: "MEDIUM",
      group,
      order: order++,
      width: "SHORT",
      displayName: `Negate predicate for ${alias}`,
    });
  }
  let def: ConfigDef = defineConfig(keys);
  const plugin = registry.find([pluginType], config[`${prefix}type`]?.trim() ?? "");
  if (plugin) {
    def = def.concat(
      new ConfigDef(
        plugin.config.keys.map((k, i) => ({
          ...k,
          name: `${prefix}${k.name}`,
          meta: { ...k.meta, group: k.meta.group ? `${group}: ${k.meta.group}` : group, order: order + i },
        })),
      ),
    );
  }
  return def;
}

const NULL_VALUE_ERROR = "Null value can not be supplied as the configuration value.";

/**
 * Validates a full connector config as Connect's AbstractHerder does. Throws BadRequestError when
 * there is no `connector.class` and ConnectError when the class is unknown; config errors are in
 * the returned ConfigInfos.
 */
export function validateConnectorConfig(
  registry: PluginRegistry,
  config: Readonly<Record<string, string | null>>,
): { infos: ConfigInfos; connector: ConnectorDescriptor } {
  const connectorClass = config["connector.class"];
  if (connectorClass === undefined || connectorClass === null) {
    throw new BadRequestError(`Connector config ${javaMapString(config)} contains no connector type`);
  }
  const connector = resolveConnector(registry, connectorClass);
  const frameworkDef = enrichedConfigDef(registry, connector.type, config);
  const results = frameworkDef.validate(config);

  if (connector.type === "sink") sinkChecks(config, results);
  const negateErrors = new Map<string, string>();
  for (const alias of splitList(config.transforms)) {
    const negate = config[`transforms.${alias}.negate`];
    if (negate !== undefined && negate !== null && !config[`transforms.${alias}.predicate`]) {
      negateErrors.set(
        `transforms.${alias}.negate`,
        `Config 'transforms.${alias}.negate' was provided but there is no config 'transforms.${alias}.predicate' defining a predicate to be negated.`,
      );
    }
  }
  for (const [k, message] of negateErrors) addError(results, k, message);

  // Converter classes must exist; a converter's own keys are validated under its prefix.
  const converterDefs: ConfigDef[] = [];
  const converterResults = new Map<string, KeyValidation>();
  for (const [prop, types] of [
    ["header.converter", ["header_converter"]],
    ["key.converter", ["converter"]],
    ["value.converter", ["converter"]],
  ] as const) {
    const cls = config[prop];
    if (cls === undefined || cls === null || cls.trim() === "") continue;
    const converter = registry.find(types, cls);
    if (!converter) {
      addError(results, prop, `Invalid value ${cls} for configuration ${prop}: Class ${cls} could not be found.`);
      continue;
    }
    // As AbstractHerder.validateConverterConfig: the runtime supplies converter.type.
    const sub = {
      ...Object.fromEntries(
        Object.entries(config)
          .filter(([k]) => k.startsWith(`${prop}.`))
          .map(([k, v]) => [k.slice(prop.length + 1), v]),
      ),
      "converter.type": prop.split(".")[0]!,
    };
    const def = (converter.config as ConfigDef).prefixed(`${prop}.`);
    converterDefs.push(def);
    for (const [name, result] of (converter.config as ConfigDef).validate(sub))
      converterResults.set(`${prop}.${name}`, result);
  }

  // Connector's own keys follow the framework keys (keys the framework defines keep their place).
  const connectorDef = connector.config as ConfigDef;
  for (const [name, result] of connectorDef.validate(config)) if (!results.has(name)) results.set(name, result);
  let def = frameworkDef.concat(connectorDef);
  const groups = [...groupsOf(frameworkDef)];
  for (const g of groupsOf(connectorDef)) if (!groups.includes(g)) groups.push(g);

  const undefinedValues = new Map<string, KeyValidation>();
  for (const [k, v] of Object.entries(config)) {
    if (v !== null) continue;
    if (def.has(k)) addError(results, k, NULL_VALUE_ERROR);
    else undefinedValues.set(k, { value: null, errors: [NULL_VALUE_ERROR] });
  }

  for (const c of converterDefs) {
    def = def.concat(c);
    for (const g of groupsOf(c)) if (!groups.includes(g)) groups.push(g);
  }
  for (const [k, v] of converterResults) results.set(k, v);
  return { infos: configInfos(connectorClass, def, results, undefinedValues, groups), connector };
}

function addError(results: Map<string, KeyValidation>, name: string, message: string): void {
  const current = results.get(name) ?? { value: null, errors: [] };
  results.set(name, { value: current.value, errors: [...current.errors, message] });
}

function sinkChecks(config: Readonly<Record<string, string | null>>, results: Map<string, KeyValidation>): void {
  const topics = splitList(config.topics);
  const regex = (config["topics.regex"] ?? "").trim();
  if (topics.length === 0 && regex === "") {
    addError(results, "topics", "Must configure one of topics or topics.regex");
    addError(results, "topics.regex", "Must configure one of topics or topics.regex");
    return;
  }
  if (topics.length > 0 && regex !== "") {
    const message = "topics and topics.regex are mutually exclusive options, but both are set.";
    addError(results, "topics", message);
    addError(results, "topics.regex", message);
    return;
  }
  const dlq = (config["errors.deadletterqueue.topic.name"] ?? "").trim();
  if (dlq === "") return;
  if (topics.includes(dlq)) {
    addError(
      results,
      "topics",
      `The DLQ topic '${dlq}' may not be included in the list of topics ('topics=[${topics.join(", ")}]') consumed by the connector`,
    );
  } else if (regex !== "" && !regexError(regex) && new RegExp(`^(?:${regex})$`).test(dlq)) {
    addError(
      results,
      "topics.regex",
      `The DLQ topic '${dlq}' may not be matched by the regex for the topics ('topics.regex=${regex}') consumed by the connector`,
    );
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

/** The full (un-enriched) key list of `GET /connector-plugins/{p}/config` for a connector. */
export function connectorPluginConfigDef(connector: ConnectorDescriptor): ConfigDef {
  const framework: ConfigDef = connector.type === "sink" ? sinkConnectorConfig : sourceConnectorConfig;
  return (connector.config as ConfigDef).concat(framework);
}
