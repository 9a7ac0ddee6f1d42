/**
 * What an error report knows about a failed operation: the stage, the executing class, the
 * record (the consumed Kafka record for sinks, the SourceRecord for sources) and the error.
 */
import type { SourceRecord, TopicPartition } from "../../api/record.ts";
import type { ConsumedRecord } from "../../kafka/kafka-port.ts";
import type { Clock } from "../../util/clock.ts";
import type { Stage } from "./stage.ts";

export interface ProcessingContext {
  readonly connector: string;
  readonly task: number;
  readonly stage: Stage;
  readonly executingClass: string;
  readonly consumed?: ConsumedRecord;
  readonly source?: SourceRecord;
  readonly error: unknown;
  readonly attempts: number;
}

/** Something that reports tolerated or fatal per-record errors (log, dead letter queue). */
export interface ErrorReporter {
  /**
   * Prepares what reporting needs when the task starts (the DLQ: its topic), retrying on `clock`
   * what a retry may cure; rejecting fails the task. Gives up (rejects) soon after `signal` aborts
   * (the task is stopping).
   */
  start?(o: { readonly signal: AbortSignal; readonly clock: Clock }): Promise<void>;
  report(context: ProcessingContext): Promise<void>;
  /** Resolves once what was reported so far is durable (the DLQ: acknowledged by Kafka). */
  flush?(): Promise<void>;
  /** The sink task lost these partitions: what was reported of them no longer concerns it (no flush waits for it). */
  cancel?(partitions: readonly TopicPartition[]): void;
  close?(): Promise<void>;
}
