/**
 * LogReporter (errors.log.enable): one ERROR line per failed operation, naming the task, stage,
 * executing class and record coordinates; keys, values and headers only with
 * errors.log.include.messages=true.
 */
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
    if (c.consumed) {
      where = `, where consumed record is {topic='${c.consumed.topic}', partition=${c.consumed.partition}, offset=${c.consumed.offset}, timestamp=${c.consumed.timestamp}, timestampType=${c.consumed.timestampType}}`;
      if (this.includeMessages) {
        const text = (b: Uint8Array | null) => (b === null ? "null" : Buffer.from(b).toString("utf8"));
        where += ` with key=${text(c.consumed.key)}, value=${text(c.consumed.value)}, headers=[${c.consumed.headers.map((h) => `${h.key}=${text(h.value)}`).join(", ")}]`;
      }
    } else if (c.source) {
      const s = c.source;
      where = `, where source record is {topic='${s.topic}', kafkaPartition=${s.kafkaPartition}, sourcePartition=${JSON.stringify(s.sourcePartition)}, sourceOffset=${JSON.stringify(s.sourceOffset)}, timestamp=${s.timestamp}}`;
      if (this.includeMessages) where += ` with key=${String(s.key)}, value=${String(s.value)}`;
    }
    this.log.error(
      `Error encountered in task ${c.connector}-${c.task}. Executing stage '${c.stage}' with class '${c.executingClass}'${where}. Error: ${messageOf(c.error)}`,
      c.error,
    );
  }
}
