/**
 * SinkBatchConverter: turns the batches a WorkerSinkTask fetched into the SinkRecords its `put`
 * gets: converted (key, value, headers) and transformed, direct path first and the error operator
 * (retries, tolerance, reporting) only on failure, the direct path's failure counting as the failed
 * stage's first attempt. Counts the records read, reports each topic the first time a record of it
 * converts (as Connect's WorkerSinkTask.convertAndTransformRecord: after key, value and headers
 * converted, before the transformations; a topic none of whose records converted is not active),
 * and remembers the consumed record behind each SinkRecord (its
 * partition, and what the errant record reporter sends to the dead letter queue).
 */
import type { SinkTask } from "../api/connector.ts";
import type { SinkRecord } from "../api/record.ts";
import type { ConsumedRecord } from "../kafka/kafka-port.ts";
import type { Logger } from "../util/logger.ts";
import { Slicer } from "../util/sliced.ts";
import type { ActiveTopics } from "./active-topics.ts";
import type { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { DirectFailure } from "./errors/stage.ts";
import { type RecordConverters, toSinkRecord, toSinkRecordDirect } from "./record-conversion.ts";
import type { TaskMetrics } from "./task-metrics.ts";
import type { TransformationChain } from "./transformation-chain.ts";

export interface SinkBatchConverterOptions {
  readonly task: SinkTask;
  readonly converters: RecordConverters;
  readonly transformations: TransformationChain;
  readonly operator: RetryWithToleranceOperator;
  readonly log: Logger;
  readonly metrics: TaskMetrics;
  /** Records the topic of each record that converted as active. */
  readonly activeTopics: ActiveTopics;
}

export class SinkBatchConverter {
  /** The consumed record behind each record handed to `put`, for the errant record reporter. */
  private readonly origins = new WeakMap<SinkRecord, ConsumedRecord>();

  constructor(private readonly o: SinkBatchConverterOptions) {}

  /** The consumed record behind a record `convert` returned. */
  origin(record: SinkRecord): ConsumedRecord | undefined {
    return this.origins.get(record);
  }

  /**
   * The SinkRecords of these batches, in order; records a transformation drops are left out.
   * `owned(i)`: whether batch `i`'s partition is still this task's. A batch whose partition was
   * revoked (the conversion shares the loop) is not put: its failures are not reported either, as
   * the next owner converts (and reports) them again; Connect converts a poll in the poll loop, once.
   */
  async convert(
    batches: readonly (readonly ConsumedRecord[])[],
    owned: (batch: number) => boolean = () => true,
  ): Promise<SinkRecord[]> {
    const sinkRecords: SinkRecord[] = [];
    const chain = this.o.transformations;
    // Consumed JSON reaches a task that takes JsonText as its bytes when no transformation reads it.
    const jsonText = this.o.task.acceptsJsonText === true && chain.isEmpty;
    const slicer = new Slicer(); // a batch of costly records (wide ones, a slow transformation) shares the loop
    for (const [batch, records] of batches.entries()) {
      this.o.log.trace(
        `Delivering ${records.length} records from ${records[0]?.topic}-${records[0]?.partition} at offset ${records[0]?.offset}`,
      );
      this.o.metrics.sinkRecordReadTotal += records.length;
      this.o.metrics.sinkRecordReadRate.record(records.length);
      for (const consumed of records) {
        if (slicer.tick()) await slicer.pause();
        // Direct path first; the error operator (retries, tolerance, reporting) only on failure.
        let converted: SinkRecord | undefined;
        let transformed: SinkRecord | null | undefined;
        try {
          converted = toSinkRecordDirect(consumed, this.o.converters, jsonText);
          this.o.activeTopics.record(consumed.topic);
          transformed = chain.isEmpty ? converted : chain.applyDirect(converted);
        } catch (failure) {
          if (!owned(batch)) continue; // the errors.tolerance path reports the failure (DLQ, log)
          // The direct path's failure is the failed stage's first attempt, and the operator path
          // resumes there: every stage runs as often as in Connect (those before it once).
          const direct = failure instanceof DirectFailure ? failure : undefined;
          if (converted === undefined) {
            converted = await toSinkRecord(consumed, this.o.converters, this.o.operator, jsonText, direct);
            if (converted) this.o.activeTopics.record(consumed.topic);
          }
          transformed = converted && (await chain.apply(converted, this.o.operator, { consumed }, direct));
        }
        if (transformed) {
          sinkRecords.push(transformed);
          this.origins.set(transformed, consumed);
        }
      }
    }
    return sinkRecords;
  }
}
