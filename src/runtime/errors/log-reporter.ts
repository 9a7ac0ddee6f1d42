/**
 * LogReporter (errors.log.enable): one ERROR line per failed operation, naming the task, stage and
 * executing class, ended by a period with the error on the lines after it, as Connect 4.3.1's
 * (LogReporter with ProcessingContext.toString). The record is described only with
 * errors.log.include.messages=true, and then as Connect describes it: a consumed record by its
 * topic, partition, offset and timestamp only (never its key, value or headers: the option's
 * documented promise for sinks), a source record (the one the task returned, before any
 * transformation) as Java's SourceRecord.toString prints it, key, value and headers included (a
 * JsonText key or value as the schemaless value Connect would hold: dataString).
 */
import type { Header, Headers } from "../../api/data/headers.ts";
import { javaToString } from "../../api/data/java-text.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { Schema } from "../../api/data/schema.ts";
import type { SourceRecord } from "../../api/record.ts";
import { DataError } from "../../errors.ts";
import type { Logger } from "../../util/logger.ts";
import type { TaskMetrics } from "../task-metrics.ts";
import type { ErrorReporter, ProcessingContext } from "./processing-context.ts";

export class LogReporter implements ErrorReporter {
  constructor(
    private readonly log: Logger,
    private readonly includeMessages: boolean,
    private readonly metrics: TaskMetrics,
  ) {}

  async report(c: ProcessingContext): Promise<void> {
    this.metrics.totalErrorsLogged++;
    let where = "";
    if (this.includeMessages && c.consumed) {
      const r = c.consumed;
      where = `, where consumed record is {topic='${r.topic}', partition=${r.partition}, offset=${r.offset}, timestamp=${r.timestamp}, timestampType=${r.timestampType}}`;
    } else if (this.includeMessages && c.source) {
      where = `, where source record is = ${sourceRecordString(c.source)}`;
    }
    this.log.error(
      `Error encountered in task ${c.connector}-${c.task}. Executing stage '${c.stage}' with class '${c.executingClass}'${where}.`,
      c.error,
    );
  }
}

/** Java's SourceRecord.toString: its source partition and offset, then ConnectRecord.toString. */
function sourceRecordString(r: SourceRecord): string {
  const key = dataString(r.key, r.keySchema);
  const value = dataString(r.value, r.valueSchema);
  return (
    `SourceRecord{sourcePartition=${javaToString(r.sourcePartition)}, sourceOffset=${javaToString(r.sourceOffset)}} ` +
    `ConnectRecord{topic='${r.topic}', kafkaPartition=${r.kafkaPartition}, key=${key}, keySchema=${String(r.keySchema)}, ` +
    `value=${value}, valueSchema=${String(r.valueSchema)}, timestamp=${r.timestamp}, headers=${headersString(r.headers)}}`
  );
}

/**
 * A key or value as Java prints it. A JsonText (the exact JSON a device or an HTTP source's API
 * sent) prints as the schemaless value Connect's JsonConverter reads it as (`{id=4, n=x}`, in
 * HashMap order), not as its text; it is parsed here, only when a line is written. A text too deep
 * to read (the failure being logged may be that one) prints as it is.
 */
function dataString(data: unknown, schema: Schema | null): string {
  if (!(data instanceof JsonText)) return javaToString(data, schema);
  try {
    return javaToString(data.value(), schema);
  } catch (error) {
    if (error instanceof DataError) return data.text;
    throw error;
  }
}

/** ConnectHeaders.toString: its list, which a record that never had a header does not have (empty). */
function headersString(headers: Headers): string {
  const list = [...headers].map(
    (h: Header) => `ConnectHeader(key=${h.key}, value=${javaToString(h.value, h.schema)}, schema=${String(h.schema)})`,
  );
  return `ConnectHeaders(headers=${list.length === 0 ? "" : `[${list.join(", ")}]`})`;
}
