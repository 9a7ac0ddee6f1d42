/**
 * The framework's connector keys (Connect's ConnectorConfig, SinkConnectorConfig and
 * SourceConnectorConfig), declared once in Connect's order with its groups. Validation of a whole
 * connector config lives in `validate-connector-config.ts`.
 */
import type { ConfigDef } from "../plugin/config-def.ts";
import { check, defineConfig, key } from "../plugin/config-def.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import { validRegex } from "../transforms/util/config.ts";
import { compileJavaRegex } from "../transforms/util/java-regex.ts";
import { CONNECT_VERSION } from "../version.ts";

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
    doc: 'Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit shorter',
    importance: "HIGH",
    group: COMMON,
    order: 2,
    width: "LONG",
    displayName: "Connector class",
  }),
  "connector.plugin.version": key.string({
    doc: "Version of the connector.",
    default: CONNECT_VERSION,
    importance: "MEDIUM",
    group: COMMON,
    order: 3,
    width: "MEDIUM",
    displayName: "Connector version",
    recommended: [CONNECT_VERSION],
  }),
  "tasks.max": key.int({
    doc: "Maximum number of tasks to use for this connector.",
    default: 1,
    importance: "HIGH",
    group: COMMON,
    order: 4,
    width: "SHORT",
    displayName: "Tasks max",
    validators: [check.atLeast(1)],
  }),
  "tasks.max.enforce": key.boolean({
    doc: "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, and existing sets of tasks that exceed the tasks.max property will be allowed to run. This property is deprecated and will be removed in an upcoming major release.",
    default: true,
    importance: "LOW",
    group: COMMON,
    order: 5,
    width: "SHORT",
    displayName: "Enforce tasks max",
  }),
  "key.converter": key.class({
    doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the keys in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 6,
    width: "SHORT",
    displayName: "Key converter class",
  }),
  "key.converter.plugin.version": key.string({
    doc: "Version of the key converter.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 7,
    width: "SHORT",
    displayName: "Key converter version",
    recommended: [CONNECT_VERSION],
  }),
  "value.converter": key.class({
    doc: "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 8,
    width: "SHORT",
    displayName: "Value converter class",
  }),
  "value.converter.plugin.version": key.string({
    doc: "Version of the value converter.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 9,
    width: "SHORT",
    displayName: "Value converter version",
    recommended: [CONNECT_VERSION],
  }),
  "header.converter": key.class({
    doc: "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the header values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro. By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 10,
    width: "SHORT",
    displayName: "Header converter class",
  }),
  "header.converter.plugin.version": key.string({
    doc: "Version of the header converter.",
    default: null,
    importance: "LOW",
    group: COMMON,
    order: 11,
    width: "SHORT",
    displayName: "Header converter version",
    recommended: [CONNECT_VERSION],
  }),
  transforms: key.list({
    doc: "Aliases for the transformations to be applied to records.",
    default: [],
    importance: "LOW",
    group: "Transforms",
    order: 12,
    width: "LONG",
    displayName: "Transforms",
    validators: [duplicateAliases],
  }),
  predicates: key.list({
    doc: "Aliases for the predicates used by transformations.",
    default: [],
    importance: "LOW",
    group: "Predicates",
    order: 13,
    width: "LONG",
    displayName: "Predicates",
    validators: [duplicateAliases],
  }),
  "config.action.reload": key.string({
    doc: "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties. A value of 'none' indicates that Connect will do nothing. A value of 'restart' indicates that Connect should restart/reload the connector with the updated configuration properties.The restart may actually be scheduled in the future if the external configuration provider indicates that a configuration value will expire in the future.",
    default: "restart",
    importance: "LOW",
    group: COMMON,
    order: 14,
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

/** Why `pattern` is not a valid Java regular expression (Connect's RegexValidator message), or undefined. */
export function regexError(pattern: string): string | undefined {
  return validRegex(pattern);
}

/**
 * A Java regular expression (topics.regex, topic.creation.<group>.include/exclude) as a RegExp
 * matching whole topic names (Matcher.matches), with the SMTs' Java-regex translation.
 */
export function topicPattern(pattern: string): RegExp {
  return compileJavaRegex(pattern).whole;
}

/** A LIST value as Connect splits it (trimmed, comma-separated, empty → []). */
export function splitList(value: string | null | undefined): string[] {
  const trimmed = (value ?? "").trim();
  return trimmed === "" ? [] : trimmed.split(/\s*,\s*/);
}

/** The full (un-enriched) key list of `GET /connector-plugins/{p}/config` for a connector. */
export function connectorPluginConfigDef(connector: ConnectorDescriptor): ConfigDef {
  const framework: ConfigDef = connector.type === "sink" ? sinkConnectorConfig : sourceConnectorConfig;
  return (connector.config as ConfigDef).concat(framework);
}
