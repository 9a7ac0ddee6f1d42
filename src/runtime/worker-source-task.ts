/**
 * WorkerSourceTask: drives a SourceTask (Connect's WorkerSourceTask). Each round:
 * poll → transforms → converters → one produce call for the batch → commitRecord per record →
 * stage source offsets. Offsets become committable only after Kafka acknowledged the records that
 * carry them, and are written to SQLite every `offset.flush.interval.ms` and on stop.
 *
 * Kafka being unreachable never fails the task: retriable produce errors are retried with backoff
 * until they succeed or the task stops (Connect's producer uses an unbounded delivery timeout).
 * Records that were never acknowledged are not committed, so they are polled again after a
 * restart. Records dropped by a transform or skipped by `errors.tolerance=all` count as handled.
 */
import type { OffsetStorageReader, SourceTask } from "../api/connector.ts";
import type { SourceMap, SourceRecord } from "../api/record.ts";
import { isRetriable } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { canonicalJson, type OffsetStore } from "../store/offset-store.ts";
import { ABORTED, abortable } from "../util/async.ts";
import { toProducerRecord } from "./record-conversion.ts";
import { TaskMetrics } from "./task-metrics.ts";
import { TopicCreationError } from "./topic-creation.ts";
import { WorkerTask, type WorkerTaskOptions } from "./worker-task.ts";

export interface WorkerSourceTaskOptions extends WorkerTaskOptions {
  readonly task: SourceTask;
  readonly producer: () => Promise<KafkaProducer>;
  readonly offsets: OffsetStore;
  /** Creates a topic before its first record is sent (topic.creation.*); absent when unused. */
  readonly topicCreator?: TopicCreator;
}

export interface TopicCreator {
  /** Creates the topic if it does not exist yet. */
  ensure(topic: string): Promise<void>;
  close(): Promise<void>;
}

const MAX_PRODUCE_BACKOFF_MS = 10_000;

export class WorkerSourceTask extends WorkerTask {
  private producer: KafkaProducer | undefined;
  private readonly staged = new Map<string, { partition: SourceMap; offset: SourceMap }>();
  private lastFlush: number;
  private readonly seenTopics = new Set<string>();
  private readonly createdTopics = new Set<string>();

  constructor(private readonly o: WorkerSourceTaskOptions) {
    super(o.id, o.initialState, o.listener, o.clock, o.log);
    this.lastFlush = o.clock.now();
  }

  readonly kind = "source";

  get metrics(): TaskMetrics {
    return this.o.metrics;
  }

  protected async initializeAndStart(): Promise<void> {
    const reader: OffsetStorageReader = {
      offset: async (partition) => this.o.offsets.get(this.id.connector, partition),
    };
    this.o.task.initialize({ config: this.o.config, offsetStorageReader: reader });
    await this.o.task.start(this.o.config);
  }

  protected async execute(): Promise<void> {
    while (!this.stopping) {
      if (!(await this.awaitUnpaused())) break;
      const started = this.clock.now();
      let records: SourceRecord[] | null;
      try {
        records = await this.o.task.poll(this.activeSignal);
      } catch (error) {
        if (this.stopping) break;
        if (!isRetriable(error)) throw error;
        this.log.warn(`${this.o.taskClass} failed to poll records from SourceTask. Will retry operation.`, error);
        records = null;
      }
      if (records && records.length > 0) {
        TaskMetrics.record(this.metrics.pollBatch, this.clock.now() - started);
        this.metrics.sourceRecordPollTotal += records.length;
        this.metrics.sourceRecordPollRate.record(records.length);
        await this.sendRecords(records);
      }
      if (this.clock.now() - this.lastFlush >= this.o.offsetFlushIntervalMs) await this.commitOffsets();
    }
  }

  private async sendRecords(records: readonly SourceRecord[]): Promise<void> {
    const outgoing: { record: SourceRecord; produced: ProducerRecord }[] = [];
    const handled: SourceRecord[] = [];
    for (const record of records) {
      const transformed = await this.o.transformations.apply(record, this.o.operator, { source: record });
      const produced = transformed
        ? await toProducerRecord(transformed, this.o.converters, this.o.operator, record)
        : undefined;
      if (produced) outgoing.push({ record, produced });
      else handled.push(record);
    }
    for (const record of handled) await this.o.task.commitRecord?.(record, null);

    const metadata = await this.produce(outgoing);
    if (metadata === undefined) return; // stopping before Kafka acknowledged: nothing to commit
    for (let i = 0; i < outgoing.length; i++) {
      const { record, produced } = outgoing[i]!;
      const meta = metadata[i] ?? null;
      if (!this.seenTopics.has(produced.topic)) {
        this.seenTopics.add(produced.topic);
        this.o.onTopic(produced.topic);
      }
      await this.o.task.commitRecord?.(record, meta && { ...meta });
    }
    this.metrics.sourceRecordWriteTotal += outgoing.length;
    this.metrics.sourceRecordWriteRate.record(outgoing.length);
    // Stage offsets in poll order: the latest offset per partition wins.
    for (const record of records) {
      if (record.sourcePartition && record.sourceOffset) {
        this.staged.set(canonicalJson(record.sourcePartition), {
          partition: record.sourcePartition,
          offset: record.sourceOffset,
        });
      }
    }
  }

  /** Sends and awaits acknowledgement; undefined when the task stopped before that. */
  private async produce(
    outgoing: readonly { record: SourceRecord; produced: ProducerRecord }[],
  ): Promise<(ProducedMetadata | null)[] | undefined> {
    if (outgoing.length === 0) return [];
    const records = outgoing.map((o) => o.produced);
    const newTopics = this.o.topicCreator
      ? [...new Set(records.map((r) => r.topic))].filter((t) => !this.createdTopics.has(t))
      : [];
    let backoff = 100;
    for (;;) {
      try {
        if (!this.producer) {
          const connecting = this.o.producer();
          const producer = await abortable(connecting, this.stopSignal);
          if (producer === ABORTED) {
            // Stopping while Kafka is unreachable: close the producer whenever it connects.
            connecting.then((p) => p.close()).catch(() => undefined);
            return undefined;
          }
          this.producer = producer;
        }
        for (const topic of newTopics) {
          if (this.createdTopics.has(topic)) continue;
          await this.o.topicCreator!.ensure(topic);
          this.createdTopics.add(topic);
        }
        return await this.producer.send(records);
      } catch (error) {
        if (this.stopping) return undefined;
        if (error instanceof TopicCreationError) throw error;
        if (isRetriable(error)) {
          this.log.warn(`Failed to send ${records.length} records to Kafka, retrying in ${backoff} ms`, error);
          await this.clock.sleep(backoff, this.stopSignal);
          backoff = Math.min(backoff * 2, MAX_PRODUCE_BACKOFF_MS);
          continue;
        }
        // Not retriable: Connect's KAFKA_PRODUCE handling (fail, or skip with errors.tolerance=all).
        for (const { record } of outgoing) {
          await this.o.operator.fail({
            ...this.id,
            stage: "KAFKA_PRODUCE",
            executingClass: "org.apache.kafka.clients.producer.KafkaProducer",
            error,
            attempts: 1,
            source: record,
          });
        }
        return outgoing.map(() => null);
      }
    }
  }

  private async commitOffsets(): Promise<void> {
    this.lastFlush = this.clock.now();
    if (this.staged.size === 0) return;
    const entries = [...this.staged.values()];
    const started = this.clock.now();
    try {
      this.o.offsets.write(this.id.connector, entries);
      this.staged.clear();
      this.metrics.offsetCommitSuccess++;
      TaskMetrics.record(this.metrics.offsetCommit, this.clock.now() - started);
    } catch (error) {
      this.metrics.offsetCommitFailure++;
      this.log.error(`Failed to commit offsets for ${entries.length} source partitions`, error);
      return;
    }
    try {
      await this.o.task.commit?.();
    } catch (error) {
      this.log.warn("SourceTask.commit() failed", error);
    }
  }

  protected async close(failed: boolean): Promise<void> {
    // Offsets staged so far belong to acknowledged records: committing them is safe even after a failure.
    void failed;
    try {
      await this.o.task.stop();
    } catch (error) {
      this.log.warn("SourceTask.stop() failed", error);
    }
    await this.commitOffsets();
    this.o.transformations.close();
    await this.o.operator.close();
    await this.producer?.close().catch((error) => this.log.warn("Could not close the producer", error));
    await this.o.topicCreator?.close().catch((error) => this.log.warn("Could not close the topic admin", error));
  }
}
