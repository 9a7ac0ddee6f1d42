/**
 * The keys only sink connectors have (Connect's SinkConnectorConfig), declared once in Connect's
 * order, and the full framework key list of a sink connector.
 */
import { ConfigError } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { COMMON, commonConnectorConfig, ERRORS } from "./connector-config.ts";
import { regexError } from "./connector-config-values.ts";

/**
 * ConfigDef.ValidList.anyNonDuplicateValues(true, false) as SinkConnectorConfig declares `topics`:
 * duplicates, then empty names; it throws its ConfigException itself (no "Invalid value" prefix).
 * A null is refused in validate-connector-config.ts.
 */
function topicList(list: string[] | null): undefined {
  if (list === null) return undefined;
  if (new Set(list).size !== list.length)
    throw new ConfigError("Configuration 'topics' values must not be duplicated.");
  if (list.some((t) => t.trim() === "")) throw new ConfigError("Configuration 'topics' values must not be empty.");
  return undefined;
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
    validators: [topicList],
  }),
  "topics.regex": key.string({
    doc: "Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.",
    default: "",
    importance: "HIGH",
    group: COMMON,
    order: 4,
    width: "LONG",
    displayName: "Topics regex",
    // RegexValidator hands a null (an explicit null value) to Pattern.compile, which throws an NPE.
    validators: [
      (s) =>
        s === null
          ? 'Invalid regex: Cannot invoke "String.isEmpty()" because "this.pattern" is null'
          : s
            ? regexError(s)
            : undefined,
    ],
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
