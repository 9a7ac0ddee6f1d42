/**
 * WorkerSinkTask: drives a SinkTask (Connect's WorkerSinkTask). The task's consumer joins the
 * group `connect-<connector>` (or `consumer.override.group.id`); each delivered batch is converted
 * (key, value, headers), transformed and handed to `put`. Offsets are committed to the group only
 * after `flush`/`preCommit` confirmed them, every `offset.flush.interval.ms`, on request and on
 * stop, so a crash redelivers instead of losing records (at-least-once).
 *
 * Rebalances (Connect's HandleRebalance): before the consumer rejoins the group, the partitions it
 * gives up are revoked: batches of them not yet put are dropped, `preCommit`/`flush` runs for them,
 * `close(partitions)` follows, then their offsets are committed, so the next owner starts after
 * what this task flushed (no redelivery of it). Partitions assigned by the join are `open`ed before
 * any of their records is fetched. Partitions lost with the membership (session expired, fenced)
 * are closed without a commit: another member may own them already.
 *
 * Concurrency: batch processing and commits are serialized on one executor. While the connector
 * is PAUSED the assigned partitions are paused and a batch already in flight waits (heartbeating)
 * until resume or stop. A RetriableError from `put` redelivers the same batch after the backoff
 * the task set with `context.timeout`, as Connect does, unless a rebalance revokes its partitions
 * meanwhile: their records are dropped (uncommitted, the next owner gets them again) so the
 * rebalance does not wait for the retries; any other error fails the task.
 */
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import { partitionMapKey as key, type SinkRecord, type TopicPartition } from "../api/record.ts";
import { isRetriable } from "../errors.ts";
import type { ConsumedRecord, KafkaConsumer } from "../kafka/kafka-port.ts";
import { ABORTED, abortable, type Deferred, deferred, SerialExecutor } from "../util/async.ts";
import { type BackoffPolicy, retry } from "../util/backoff.ts";
import { monotonicNow } from "../util/clock.ts";
import { SinkBatchConverter } from "./sink-batch-converter.ts";
import { partitionList, SinkOffsets } from "./sink-offsets.ts";
import { SinkPutRetry } from "./sink-put-retry.ts";
import { sinkTaskContext } from "./sink-task-context.ts";
import type { TaskMetrics } from "./task-metrics.ts";
import { WorkerTask, type WorkerTaskOptions } from "./worker-task.ts";

export interface WorkerSinkTaskOptions extends WorkerTaskOptions {
  readonly task: SinkTask;
  readonly consumer: () => Promise<KafkaConsumer>;
  /**
   * At most this many records per `put` (the consumer's max.poll.records): a fetched batch larger
   * than that is put in consecutive slices, in offset order.
   */
  readonly maxPutRecords?: number;
}

const HEARTBEAT_EVERY_MS = 3000;
/** The group cannot be joined yet (broker down, topic missing): retried until stop. */
const CONSUMER_START_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000 };

export class WorkerSinkTask extends WorkerTask {
  private consumer: KafkaConsumer | undefined;
  private readonly executor = new SerialExecutor();
  /** Partition batches waiting for the next put, with the assignment they were fetched under. */
  private readonly queued: { records: readonly ConsumedRecord[]; done: Deferred<void>; assignment: number }[] = [];
  /**
   * Partitions owned now, each with the number of the assignment that gave it: a batch fetched
   * under an earlier assignment of the partition (revoked since) is never put.
   */
  private readonly owned = new Map<string, number>();
  private assignments = 0;
  private readonly offsets: SinkOffsets;
  private commitRequested = false;
  private readonly putRetry: SinkPutRetry;
  private readonly batches: SinkBatchConverter;
  /** Set once close() closed the task's partitions: rebalance callbacks (a late consumer) skip it, as Connect's taskStopped. */
  private closed = false;
  private crash: Error | undefined;
  /** A retriable consumer failure (broker unreachable too long): the loop restarts the consumer. */
  private consumerLost: Error | undefined;
  /** Monotonic clock time of the last commit: a step of the host's clock neither delays nor hurries the next. */
  private lastCommit: number;
  /** At least 1 ms, so the commit loop always yields to timers and I/O. */
  private readonly flushIntervalMs: number;

  constructor(private readonly o: WorkerSinkTaskOptions) {
    super(o.id, o.initialState, o.listener, o.clock, o.log);
    this.lastCommit = monotonicNow(o.clock);
    this.flushIntervalMs = Math.max(1, o.offsetFlushIntervalMs);
    this.offsets = new SinkOffsets({
      task: o.task,
      operator: o.operator,
      metrics: o.metrics,
      log: this.log,
      clock: o.clock,
      consumer: () => this.consumer,
      cancelled: () => this.cancelled,
    });
    this.batches = new SinkBatchConverter({
      task: o.task,
      converters: o.converters,
      transformations: o.transformations,
      operator: o.operator,
      log: this.log,
      metrics: o.metrics,
      onTopic: o.onTopic,
    });
    this.putRetry = new SinkPutRetry({
      id: o.id,
      task: o.task,
      clock: o.clock,
      log: this.log,
      metrics: o.metrics,
      stopSignal: () => this.stopSignal,
      origin: (record) => this.batches.origin(record),
    });
  }

  readonly kind = "sink";

  get metrics(): TaskMetrics {
    return this.o.metrics;
  }

  private context(): SinkTaskContext {
    return sinkTaskContext({
      id: this.id,
      config: this.o.config,
      logger: this.log.named(this.o.taskClass),
      clock: this.clock,
      consumer: () => this.consumer,
      offsets: this.offsets,
      operator: this.o.operator,
      converters: this.o.converters,
      pluginMetrics: this.metrics.plugin,
      origin: (record) => this.batches.origin(record),
      setPutRetryTimeout: (ms) => this.putRetry.setTimeout(ms),
      requestCommit: () => {
        this.commitRequested = true;
        this.notify();
      },
      raise: (error) => {
        this.crash ??= error;
        this.notify();
      },
    });
  }

  protected async initializeAndStart(): Promise<void> {
    this.consumer = await this.o.consumer();
    this.o.task.initialize(this.context());
    await this.o.task.start(this.o.config);
  }

  /** Joins the group; retriable failures (broker down, topic not there yet) are retried until stop. */
  private async startConsumer(): Promise<boolean> {
    const consumer = this.consumer!;
    try {
      return await retry(
        async () => {
          const started = consumer.start({
            onRecords: (records, heartbeat) => this.onRecords(records, heartbeat),
            // Ownership changes at the call, so batches handed over from now on are judged by it;
            // the task's callbacks run in turn with puts and commits.
            onPartitionsRevoked: (partitions) => {
              this.disown(partitions);
              return this.executor.run(() => this.onPartitionsRemoved(partitions, false));
            },
            onPartitionsLost: (partitions) => {
              this.disown(partitions);
              return this.executor.run(() => this.onPartitionsRemoved(partitions, true));
            },
            onPartitionsAssigned: (partitions) => {
              const assignment = ++this.assignments;
              for (const tp of partitions) this.owned.set(key(tp), assignment);
              return this.executor.run(() => this.onPartitionsAssigned(partitions));
            },
            onCrash: (error) => {
              if (isRetriable(error)) this.consumerLost = error;
              else this.crash = error;
              this.notify();
            },
          });
          if ((await abortable(started, this.stopSignal)) === ABORTED) {
            // Stopping while the group cannot be joined: close the consumer whenever it gets there.
            started.then(() => consumer.close()).catch(() => undefined);
            return false;
          }
          return true;
        },
        {
          policy: CONSUMER_START_BACKOFF,
          maxAttempts: Number.POSITIVE_INFINITY,
          clock: this.clock,
          signal: this.stopSignal,
          classify: (error) => ({ retriable: isRetriable(error) }),
          onRetry: (error, _attempt, delay) =>
            this.log.warn(`Could not start consuming yet, retrying in ${delay} ms`, error),
        },
      );
    } catch (error) {
      if (this.stopping) return false;
      throw error;
    }
  }

  protected async execute(): Promise<void> {
    if (!(await this.startConsumer())) return;
    while (!this.stopping) {
      if (this.crash) throw this.crash;
      if (this.consumerLost) {
        this.log.warn("The consumer stopped on a retriable error; restarting it", this.consumerLost);
        this.consumerLost = undefined;
        await this.executor.run(() => this.dropConsumer());
        if (!(await this.startConsumer())) break;
        continue;
      }
      if (this.targetState !== "STARTED") {
        if (!(await this.awaitUnpaused())) break;
        continue;
      }
      const due = this.lastCommit + this.flushIntervalMs - monotonicNow(this.clock);
      if (this.commitRequested || due <= 0) {
        await this.executor.run(() => this.commitOffsets());
        continue;
      }
      await this.waitForWake(Math.min(due, 1000));
    }
  }

  protected override async onPaused(): Promise<void> {
    this.consumer?.pause(this.consumer.assignment());
  }

  protected override async whilePaused(): Promise<void> {
    if (monotonicNow(this.clock) - this.lastCommit >= this.flushIntervalMs)
      await this.executor.run(() => this.commitOffsets());
  }

  protected override async onResumed(): Promise<void> {
    this.consumer?.resume(this.consumer.assignment());
  }

  private async waitWhilePaused(heartbeat: () => Promise<void>): Promise<void> {
    while (!this.stopping && this.targetState !== "STARTED") {
      await this.waitForWake(HEARTBEAT_EVERY_MS);
      await heartbeat().catch(() => undefined);
    }
  }

  /**
   * A partition's batch from the consumer (which fetches several partitions concurrently). Batches
   * that arrive while a put runs are queued and go to the next put together, as Connect's poll
   * hands `put` the records of every partition it fetched. Resolves once the batch was put;
   * rejects when the task is failing (so the consumer does not count the batch as processed).
   */
  private async onRecords(records: readonly ConsumedRecord[], heartbeat: () => Promise<void>): Promise<void> {
    const first = records[0];
    const assignment = first && this.owned.get(key(first));
    if (assignment === undefined) return; // revoked meanwhile: the next owner starts at the commit
    await this.waitWhilePaused(heartbeat);
    if (this.stopping || this.crash) return;
    const done = deferred<void>();
    this.queued.push({ records, done, assignment });
    void this.executor.run(() => this.deliverQueued(heartbeat));
    await done.promise;
  }

  private async deliverQueued(heartbeat: () => Promise<void>): Promise<void> {
    const taken = this.queued.splice(0).filter((t) => {
      const current = this.owned.get(key(t.records[0]!)) === t.assignment;
      if (!current) t.done.resolve(); // revoked since it was fetched: never put
      return current;
    });
    if (taken.length === 0) return; // an earlier run took these batches along
    try {
      if (!this.stopping) await this.deliver(taken, heartbeat);
      for (const t of taken) t.done.resolve();
    } catch (error) {
      this.crash = error as Error;
      this.notify();
      for (const t of taken) t.done.reject(error);
    }
  }

  private async deliver(
    taken: readonly { records: readonly ConsumedRecord[]; assignment: number }[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const sinkRecords = await this.batches.convert(taken.map((t) => t.records));
    const max = this.o.maxPutRecords ?? Number.POSITIVE_INFINITY;
    const assignments = new Map(taken.map((t) => [key(t.records[0]!), t.assignment]));
    const owned = (record: SinkRecord) => {
      const k = key(this.batches.origin(record)!);
      return this.owned.get(k) === assignments.get(k);
    };
    if (sinkRecords.length <= max) await this.putRetry.put(sinkRecords, heartbeat, owned);
    else
      for (let i = 0; i < sinkRecords.length; i += max)
        await this.putRetry.put(sinkRecords.slice(i, i + max), heartbeat, owned);
    for (const { records, assignment } of taken) {
      const last = records.at(-1);
      // A partition lost or revoked during the put is not this task's to commit any more.
      if (last && this.owned.get(key(last)) === assignment)
        this.offsets.advance({ topic: last.topic, partition: last.partition, offset: last.offset + 1 });
    }
    if (this.commitRequested || monotonicNow(this.clock) - this.lastCommit >= this.flushIntervalMs) {
      await this.commitOffsets();
    }
  }

  /** Gives up the current group membership: its partitions count as lost (uncommitted records are redelivered). */
  private async dropConsumer(): Promise<void> {
    const assigned = this.consumer?.assignment() ?? [];
    await this.consumer?.close().catch((error) => this.log.warn("Could not close the consumer", error));
    this.disown(assigned);
    await this.onPartitionsRemoved(assigned, true);
  }

  private disown(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.owned.delete(key(tp));
    this.putRetry.revoke(partitions);
  }

  private async onPartitionsAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0 || this.cancelled || this.closed) return;
    this.log.info(`Partitions assigned: ${partitionList(partitions)}`);
    try {
      await this.o.task.open?.(partitions);
    } catch (error) {
      // As Connect: an exception in the rebalance callback fails the task.
      this.crash ??= error as Error;
      this.notify();
    }
    if (this.targetState !== "STARTED") this.consumer?.pause(partitions);
  }

  /**
   * Connect's onPartitionsRevoked / onPartitionsLost. Batches of these partitions not yet put are
   * dropped (their records come again from the committed offset); revoked partitions are flushed,
   * closed, then committed (closePartitions), lost ones only closed.
   */
  private async onPartitionsRemoved(partitions: readonly TopicPartition[], lost: boolean): Promise<void> {
    // As Connect skips the callback once the task was stopped: a cancelled or closed task is not called again.
    if (partitions.length === 0 || this.cancelled || this.closed) return;
    this.log.info(`Partitions ${lost ? "lost" : "revoked"}: ${partitionList(partitions)}`);
    const removed = new Set(partitions.map(key));
    for (let i = this.queued.length - 1; i >= 0; i--) {
      const batch = this.queued[i]!;
      if (!removed.has(key(batch.records[0]!))) continue;
      this.queued.splice(i, 1);
      batch.done.resolve();
    }
    try {
      if (lost) await this.o.task.close?.(partitions);
      else await this.offsets.closePartitions(partitions);
    } catch (error) {
      this.crash ??= error as Error;
      this.notify();
    } finally {
      this.offsets.forget(partitions);
    }
  }

  private async commitOffsets(): Promise<void> {
    this.commitRequested = false;
    this.lastCommit = monotonicNow(this.clock);
    await this.offsets.commit();
  }

  protected async close(failed: boolean): Promise<void> {
    // SinkOffsets only holds offsets of records put successfully, but after a failure the task is not
    // asked to flush again: nothing is committed, and records since the last commit are redelivered.
    await this.executor.run(async () => {
      if (!failed) await this.commitOffsets();
      const assigned = this.consumer?.assignment() ?? [];
      try {
        if (assigned.length > 0) await this.o.task.close?.(assigned);
      } catch (error) {
        this.log.warn("SinkTask.close() failed", error);
      }
      this.closed = true;
    });
    await this.consumer?.close().catch((error) => this.log.warn("Could not close the consumer", error));
    try {
      await this.o.task.stop();
    } catch (error) {
      this.log.warn("SinkTask.stop() failed", error);
    }
    this.o.transformations.close();
    await this.o.operator.close();
  }
}
