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
import { type BackoffPolicy, retry } from "../util/backoff.ts";
import { toProducerRecord } from "./record-conversion.ts";
import { TaskMetrics } from "./task-metrics.ts";
import { TopicCreationError } from "./topic-creation.ts";
import { WorkerTask, type WorkerTaskOptions } from "./worker-task.ts";

export interface WorkerSourceTaskOptions extends WorkerTaskOptions {
  readonly task: SourceTask;
  readonly producer: () => Promise<KafkaProducer>;
  readonly offsets: OffsetStore;
  /** The producer's max.request.size: no single send is larger. */
  readonly maxRequestBytes: number;
  /** Creates a topic before its first record is sent (topic.creation.*); absent when unused. */
  readonly topicCreator?: TopicCreator;
}

export interface TopicCreator {
  /** Creates the topic if it does not exist yet. */
  ensure(topic: string): Promise<void>;
  close(): Promise<void>;
}

/** Kafka unreachable: retried until it answers or the task stops. */
const PRODUCE_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000 };
/** Per-record framing in a Kafka record batch, roughly: enough to keep estimates on the safe side. */
const RECORD_OVERHEAD_BYTES = 64;

interface Outgoing {
  readonly record: SourceRecord;
  readonly produced: ProducerRecord;
}

function recordBytes(r: ProducerRecord): number {
  let n = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.key.length + (h.value?.length ?? 0) + 8;
  return n;
}

/** Consecutive chunks whose estimated size stays within `maxBytes` (a single larger record is alone). */
export function chunksBySize<T extends { produced: ProducerRecord }>(items: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = recordBytes(item.produced);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
const EMPTY_POLL_WAIT_MS = 50;
/** A poll failing with a RetriableException is retried, as in Connect. */
const POLL_BACKOFF: BackoffPolicy = { initialMs: EMPTY_POLL_WAIT_MS, maxMs: 10_000 };

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
    this.o.task.initialize({
      config: this.o.config,
      offsetStorageReader: reader,
      logger: this.log.named(this.o.taskClass),
      clock: this.clock,
      pluginMetrics: this.o.metrics.plugin,
    });
    await this.o.task.start(this.o.config);
  }

  protected async execute(): Promise<void> {
    while (!this.stopping) {
      if (!(await this.awaitUnpaused())) break;
      const started = this.clock.now();
      let records: SourceRecord[] | null;
      const active = this.activeSignal;
      try {
        records = await retry(() => this.o.task.poll(active), {
          policy: POLL_BACKOFF,
          maxAttempts: Number.POSITIVE_INFINITY,
          clock: this.clock,
          signal: active,
          classify: (error) => ({ retriable: isRetriable(error) }),
          onRetry: (error) =>
            this.log.warn(`${this.o.taskClass} failed to poll records from SourceTask. Will retry operation.`, error),
        });
      } catch (error) {
        if (this.stopping) break;
        if (!active.aborted) throw error;
        records = null; // paused while retrying
      }
      if (records && records.length > 0) {
        TaskMetrics.record(this.metrics.pollBatch, this.clock.now() - started);
        this.metrics.sourceRecordPollTotal += records.length;
        this.metrics.sourceRecordPollRate.record(records.length);
        await this.sendRecords(records);
      } else if (this.clock.now() - started < EMPTY_POLL_WAIT_MS) {
        // A task that answers "nothing" at once must not spin the event loop (and starve REST,
        // other tasks and signal handling): wait a little before asking again.
        await this.clock.sleep(EMPTY_POLL_WAIT_MS, this.activeSignal);
      }
      await this.maybeCommitOffsets();
    }
  }

  private async maybeCommitOffsets(): Promise<void> {
    if (this.clock.now() - this.lastFlush >= this.o.offsetFlushIntervalMs) await this.commitOffsets();
  }

  /** Connect commits on a timer, also while a task is paused. */
  protected override async whilePaused(): Promise<void> {
    await this.maybeCommitOffsets();
  }

  private async sendRecords(records: readonly SourceRecord[]): Promise<void> {
    const outgoing: Outgoing[] = [];
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

  /**
   * Sends and awaits acknowledgement; undefined when the task stopped before that. Sends are split
   * so none exceeds the producer's request size (the broker rejects an oversized batch as a whole).
   */
  private async produce(outgoing: readonly Outgoing[]): Promise<(ProducedMetadata | null)[] | undefined> {
    const out: (ProducedMetadata | null)[] = [];
    for (const chunk of chunksBySize(outgoing, this.o.maxRequestBytes)) {
      const result = await this.produceChunk(chunk);
      if (result === undefined) return undefined;
      out.push(...result);
    }
    return out;
  }

  private async ensureProducerAndTopics(records: readonly ProducerRecord[]): Promise<KafkaProducer | undefined> {
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
    if (this.o.topicCreator) {
      for (const topic of new Set(records.map((r) => r.topic))) {
        if (this.createdTopics.has(topic)) continue;
        await this.o.topicCreator.ensure(topic);
        this.createdTopics.add(topic);
      }
    }
    return this.producer;
  }

  private async produceChunk(chunk: readonly Outgoing[]): Promise<(ProducedMetadata | null)[] | undefined> {
    const records = chunk.map((o) => o.produced);
    try {
      return await retry(
        async () => {
          const producer = await this.ensureProducerAndTopics(records);
          return producer && (await producer.send(records));
        },
        {
          policy: PRODUCE_BACKOFF,
          maxAttempts: Number.POSITIVE_INFINITY,
          clock: this.clock,
          signal: this.stopSignal,
          classify: (error) => ({ retriable: !(error instanceof TopicCreationError) && isRetriable(error) }),
          onRetry: (error, _attempt, delay) =>
            this.log.warn(`Failed to send ${records.length} records to Kafka, retrying in ${delay} ms`, error),
        },
      );
    } catch (error) {
      if (this.stopping) return undefined;
      if (error instanceof TopicCreationError) throw error;
      if (chunk.length > 1) {
        // Find the records that fail on their own; the others go through (at-least-once).
        const out: (ProducedMetadata | null)[] = [];
        for (const one of chunk) {
          const result = await this.produceChunk([one]);
          if (result === undefined) return undefined;
          out.push(...result);
        }
        return out;
      }
      // Not retriable: Connect's KAFKA_PRODUCE handling (fail, or skip with errors.tolerance=all).
      await this.o.operator.fail({
        ...this.id,
        stage: "KAFKA_PRODUCE",
        executingClass: "org.apache.kafka.clients.producer.KafkaProducer",
        error,
        attempts: 1,
        source: chunk[0]!.record,
      });
      return [null];
    }
  }

  private async commitOffsets(): Promise<void> {
    this.lastFlush = this.clock.now();
    if (this.staged.size === 0 || this.cancelled) return;
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

  /** Offsets staged so far belong to acknowledged records: committing them is safe even after a failure. */
  protected async close(): Promise<void> {
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
