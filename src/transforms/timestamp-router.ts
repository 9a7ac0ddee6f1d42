/**
 * TimestampRouter (org.apache.kafka.connect.transforms.TimestampRouter): sets the topic from
 * `topic.format`, where `${topic}` is the original topic and `${timestamp}` the record timestamp
 * formatted in UTC with `timestamp.format` (a SimpleDateFormat pattern). Mostly for sinks, whose
 * topic often names the destination table or index.
 */
import { dateOfMillis } from "../api/data/logical.ts";
import type { ConnectRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { DataError } from "../errors.ts";
import { defineConfig, key } from "../plugin/config-def.ts";
import { transformation } from "./util/descriptors.ts";
import { SimpleDateFormat } from "./util/simple-date-format.ts";

// Connect's placeholders look like template literals but are plain text.
const TOPIC = "$" + "{topic}";
const TIMESTAMP = "$" + "{timestamp}";

const config = defineConfig({
  "topic.format": key.string({
    doc: `Format string which can contain <code>${TOPIC}</code> and <code>${TIMESTAMP}</code> as placeholders for the topic and timestamp, respectively.`,
    default: `${TOPIC}-${TIMESTAMP}`,
    importance: "HIGH",
  }),
  "timestamp.format": key.string({
    doc: "Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.",
    default: "yyyyMMdd",
    importance: "HIGH",
  }),
});

export class TimestampRouter implements Transformation {
  private topicFormat = "";
  private pattern = "";
  private format: SimpleDateFormat | undefined;

  configure(configs: Readonly<Record<string, string>>): void {
    const parsed = config.parse(configs);
    this.topicFormat = parsed["topic.format"];
    this.pattern = parsed["timestamp.format"];
    this.format = undefined;
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (record.timestamp === null) throw new DataError(`Timestamp missing on record: ${describe(record)}`);
    // As Apache's ThreadLocal.withInitial: the pattern is compiled at the first record, so a bad
    // one fails each record (IllegalArgumentException), not configure.
    this.format ??= new SimpleDateFormat(this.pattern);
    const formatted = this.format.format(dateOfMillis(record.timestamp, "Record timestamp"));
    // As Java's String.replace, literally: `$&` or `$'` in the formatted timestamp is no pattern.
    const topic = this.topicFormat.replaceAll(TOPIC, () => record.topic).replaceAll(TIMESTAMP, () => formatted);
    return { ...record, topic };
  }
}

function describe(record: ConnectRecord): string {
  return `ConnectRecord{topic='${record.topic}', kafkaPartition=${record.kafkaPartition}, timestamp=${record.timestamp}}`;
}

export const timestampRouter = transformation(
  "TimestampRouter",
  "Sets the record's topic from the original topic and the record timestamp. Mainly for sink connectors, whose " +
    "topic often names the destination table or index.",
  config,
  () => new TimestampRouter(),
);
