/**
 * The framework's keys every connector has (Connect's ConnectorConfig), declared once in Connect's
 * order with its groups; the sink and source keys are in sink-connector-config.ts and
 * source-connector-config.ts. Validation of a whole connector config lives in
 * `validate-connector-config.ts`.
 */
import { check, defineConfig, key } from "../plugin/config-def.ts";
import { CONNECT_VERSION } from "../version.ts";

/** Whether two connector configs have the same keys and values, in whatever order (Java's Map.equals). */
export function sameConfig(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export const COMMON = "Common";
export const ERRORS = "Error Handling";

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
      // NonEmptyStringWithoutControlChars: lists each ISO control character's code (Character.isISOControl).
      (s) => {
        const codes = [...(s ?? "")].map((c) => c.codePointAt(0)!).filter((c) => c <= 0x1f || (c >= 0x7f && c <= 0x9f));
        return codes.length > 0
          ? `String may not contain control sequences but had the following ASCII chars: ${codes.join(", ")}`
          : undefined;
      },
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
    validators: [check.oneOf(["none", "restart"])],
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

/** ConfigDef.ValidList.anyNonDuplicateValues: a null (an explicit JSON null) is refused too. */
export function duplicateAliases(list: string[] | null): string | undefined {
  if (list === null) return NON_NULL_LIST;
  return new Set(list).size !== list.length ? "Duplicate alias provided." : undefined;
}

/** ConfigDef.ValidList's message for a null list (Connect 4.3.1). */
export const NON_NULL_LIST = "entry must be non null";
