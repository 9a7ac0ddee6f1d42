/**
 * LogReporter (errors.log.enable): one ERROR line per failed operation, naming the task, stage and
 * executing class, as Connect 4.3.1's. The record is described only with
 * errors.log.include.messages=true, and then as Connect describes it: a consumed record by its
 * topic, partition, offset and timestamp only (never its key, value or headers: the option's
 * documented promise for sinks), a source record with its key and value.
 */
import { javaToString } from "../../api/data/java-text.ts";
import { messageOf } from "../../errors.ts";
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
      const s = c.source;
      where = `, where source record is {topic='${s.topic}', kafkaPartition=${s.kafkaPartition}, sourcePartition=${JSON.stringify(s.sourcePartition)}, sourceOffset=${JSON.stringify(s.sourceOffset)}, timestamp=${s.timestamp}} with key=${javaToString(s.key, s.keySchema)}, value=${javaToString(s.value, s.valueSchema)}`;
    }
    this.log.error(
      `Error encountered in task ${c.connector}-${c.task}. Executing stage '${c.stage}' with class '${c.executingClass}'${where}. Error: ${messageOf(c.error)}`,
      c.error,
    );
  }
}
