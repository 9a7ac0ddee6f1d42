/**
 * SinkPartitionOwnership: which partitions a WorkerSinkTask owns, under which assignment, and what a
 * rebalance does to them (Connect's HandleRebalance). Before the consumer rejoins the group, the
 * partitions it gives up are revoked: batches of them not yet put are dropped, `preCommit`/`flush`
 * runs for them, `close(partitions)` follows, then their offsets are committed, so the next owner
 * starts after what this task flushed (no redelivery of it). Partitions assigned by the join are
 * `open`ed before any of their records is fetched; they start afresh, and the offsets the task
 * asked for them (in open, or before it owned them) apply after open. Partitions lost with the
 * membership (session expired, fenced) are closed without a commit: another member may own them
 * already; their errant records still on their way to the DLQ no longer concern the task
 * (Connect's cancelFutures). The consumer forgets pauses with the partitions it gives up, so once
 * it is assigned again everything is paused while the connector is, else what the task paused
 * itself and still owns (Connect's onPartitionsAssigned).
 *
 * The consumer's batches wait here for the next put; a batch fetched under an earlier assignment of
 * its partition (revoked since, or sought back by a failed flush or by the task's `context.offset`:
 * SinkOffsets seeks it and a new assignment number drops what was fetched before the seek) is never
 * put. The task's seeks asked for in open or in a revoked partition's close apply afterwards (held
 * by its context), as Connect's rewind.
 *
 * Records of a partition the task paused itself (`context.pause`) that a delivery took but did not
 * put are HELD here (sink-delivery.ts), as Java's consumer keeps a paused partition's fetched
 * records: the consumer's position stays past them (no seek, no refetch). Once the task resumes the
 * partition they are taken first, before anything newer of it, as a fetched batch (those already
 * converted stay converted: their conversion failures are reported once); the task's resume asks
 * for a delivery (`resumed`), as the consumer may have nothing new of it. Held records are dropped
 * with everything fetched before a rewind or the task's seek (that position wins), when the
 * partition is revoked or lost, and as the task stops (`dropHeld`).
 *
 * WorkerSinkTask changes ownership at the consumer's callback and runs
 * `onPartitionsAssigned`/`onPartitionsRemoved` on its serial executor, in turn with puts and commits.
 */
import type { SinkTask } from "../api/connector.ts";
import { partitionMapKey as key, type SinkRecord, type TopicPartition } from "../api/record.ts";
import type { ConsumedRecord, KafkaConsumer } from "../kafka/kafka-port.ts";
import type { TargetState } from "../store/config-store.ts";
import type { Deferred } from "../util/async.ts";
import type { Logger } from "../util/logger.ts";
import type { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { partitionList, type SinkOffsets } from "./sink-offsets.ts";
import { SinkPausedPartitions } from "./sink-paused-partitions.ts";
import type { SinkPutRetry } from "./sink-put-retry.ts";

/** A partition's records waiting for a put, with the assignment they were fetched under. */
export interface QueuedBatch {
  readonly records: readonly ConsumedRecord[];
  readonly assignment: number;
  /** A batch from the consumer: resolved once put or dropped (the consumer awaits it). Held records have none. */
  readonly done?: Deferred<void>;
  /** Held records already converted: the SinkRecords of `records`, which are put as they are. */
  readonly converted?: readonly SinkRecord[];
}

export interface SinkPartitionOwnershipOptions {
  readonly task: SinkTask;
  readonly log: Logger;
  readonly offsets: SinkOffsets;
  readonly putRetry: SinkPutRetry;
  readonly consumer: () => KafkaConsumer | undefined;
  readonly targetState: () => TargetState;
  /** The task was cancelled. */
  readonly cancelled: () => boolean;
  /** close() closed the task's partitions. */
  readonly closed: () => boolean;
  /** Fails the task with this error (the first one raised wins). */
  readonly raise: (error: Error) => void;
  /** Lost partitions' errant records on their way to the DLQ stop concerning the task (Connect's cancelFutures). */
  readonly operator: Pick<RetryWithToleranceOperator, "cancel">;
  /** Runs a call into the task with the offsets it asks for held until it returns (the context's `holding`). */
  readonly holdingOffsets: <T>(call: () => Promise<T>) => Promise<T>;
  /** The task resumed a partition with held records: they wait for a delivery. */
  readonly resumed: () => void;
}

export class SinkPartitionOwnership {
  /** Partition batches waiting for the next put, with the assignment they were fetched under. */
  private readonly queued: QueuedBatch[] = [];
  /**
   * Partitions owned now, each with the number of the assignment that gave it: a batch fetched
   * under an earlier assignment of the partition (revoked since) is never put.
   */
  private readonly owned = new Map<string, number>();
  private assignments = 0;
  /** Assigned partitions whose onPartitionsAssigned has not run yet: not the task's to seek before that. */
  private readonly opening = new Set<string>();
  /** What the task paused itself through its context (Connect's context.pausedPartitions()). */
  private readonly pausedPartitions = new SinkPausedPartitions();
  /** Per partition, in offset order, the records a delivery took and did not put as the task paused it. */
  private readonly held = new Map<string, QueuedBatch[]>();

  constructor(private readonly o: SinkPartitionOwnershipOptions) {
    o.offsets.onRewind((partitions) => this.rewound(partitions));
    o.offsets.countHeld((partitionKey) => this.heldEnd(partitionKey));
  }

  /** The offset after the last record held of the partition with this key; undefined when none is. */
  private heldEnd(partitionKey: string): number | undefined {
    const last = this.held.get(partitionKey)?.at(-1)?.records.at(-1);
    return last && last.offset + 1;
  }

  /**
   * A failed flush or the task sought these partitions: batches fetched before the seek (queued, or
   * on their way here with the old assignment number) are never put; the records come again from it.
   */
  private rewound(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) if (this.owned.has(key(tp))) this.owned.set(key(tp), ++this.assignments);
    this.dropStale();
  }

  /** The task owns the partition: assigned, and its onPartitionsAssigned started (its offsets start afresh). */
  owns(tp: TopicPartition): boolean {
    return this.owned.has(key(tp)) && !this.opening.has(key(tp));
  }

  /** The number of the assignment under which the partition with this key is owned; undefined when it is not. */
  assignmentOf(partitionKey: string): number | undefined {
    return this.owned.get(partitionKey);
  }

  /**
   * The consumer assigned these partitions: owned from now on, under a new assignment. Pauses are
   * put back at the call, before anything of them is fetched (kafkajs does not await the callback).
   */
  assign(partitions: readonly TopicPartition[]): void {
    const assignment = ++this.assignments;
    for (const tp of partitions) {
      this.owned.set(key(tp), assignment);
      this.opening.add(key(tp));
    }
    this.pauseAgain();
  }

  disown(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      this.owned.delete(key(tp));
      this.opening.delete(key(tp));
    }
    this.o.putRetry.revoke(partitions);
  }

  enqueue(batch: QueuedBatch): void {
    this.queued.push(batch);
  }

  /** Batches wait for a put. */
  get hasQueued(): boolean {
    return this.queued.length > 0;
  }

  /**
   * Takes the held records of partitions the task no longer pauses, first, then every queued
   * batch; those whose partition was revoked (or rewound) since they were fetched are resolved, not
   * returned.
   */
  take(): QueuedBatch[] {
    this.dropStale();
    const taken: QueuedBatch[] = [];
    if (this.held.size > 0)
      for (const [k, batches] of this.held) {
        if (this.pausedByTask(k)) continue;
        this.held.delete(k);
        taken.push(...batches);
      }
    taken.push(...this.queued.splice(0));
    // The first batch put since the assignment marks where a rewind goes before any commit.
    for (const { records } of taken) this.o.offsets.consumed(records[0]!);
    return taken;
  }

  /**
   * A delivery took these records of a partition the task paused and did not put them: held until
   * the task resumes the partition, after what is held of it already.
   */
  hold(batch: QueuedBatch): void {
    const k = key(batch.records[0]!);
    const held = this.held.get(k);
    if (held) held.push(batch);
    else this.held.set(k, [batch]);
  }

  /** The task stops: what it holds is not put any more (its offsets were never advanced past it). */
  dropHeld(): void {
    this.held.clear();
  }

  /**
   * Resolves, without putting them, the queued batches fetched under an earlier assignment of their
   * partition, and drops what is held of a partition revoked or rewound since.
   */
  private dropStale(): void {
    for (let i = this.queued.length - 1; i >= 0; i--) {
      const batch = this.queued[i]!;
      if (this.owned.get(key(batch.records[0]!)) === batch.assignment) continue;
      this.queued.splice(i, 1);
      batch.done?.resolve();
    }
    if (this.held.size > 0)
      for (const [k, batches] of this.held) if (this.owned.get(k) !== batches[0]!.assignment) this.held.delete(k);
  }

  /**
   * After the consumer was assigned partitions: the task's own pauses are kept only for partitions
   * still assigned (Connect's retainAll) and put on the consumer again; while the connector is
   * paused, everything assigned is paused.
   */
  private pauseAgain(): void {
    const consumer = this.o.consumer();
    if (!consumer || this.o.cancelled() || this.o.closed()) return;
    const assigned = consumer.assignment();
    const pausedByTask = this.pausedPartitions.retain(assigned);
    if (this.connectorPaused()) consumer.pause(assigned);
    else if (pausedByTask.length > 0) consumer.pause(pausedByTask);
  }

  /**
   * The task's `context.pause` (Connect's WorkerSinkTaskContext.pause): remembered, and on the
   * consumer unless the connector is paused (its pause already holds everything).
   */
  pauseByTask(partitions: readonly TopicPartition[]): void {
    this.pausedPartitions.add(partitions);
    const list = `[${partitionList(partitions)}]`;
    if (this.connectorPaused()) {
      this.o.log.debug(`Connector is paused, so not pausing consumer's partitions ${list}`);
    } else {
      this.o.consumer()?.pause(partitions);
      this.o.log.debug(`Pausing partitions ${list}. Connector is not paused.`);
    }
  }

  /** Counts the task's `context.pause` calls: a delivery looks for paused partitions again only when it moved. */
  get pausesByTask(): number {
    return this.pausedPartitions.epoch;
  }

  /** The task paused the partition with this key itself and has not resumed it. */
  pausedByTask(partitionKey: string): boolean {
    return this.pausedPartitions.hasKey(partitionKey);
  }

  /**
   * The task's `context.resume`: forgotten, and resumed on the consumer unless the connector is
   * paused, as Connect declines to; the connector's resume then resumes them.
   */
  resumeByTask(partitions: readonly TopicPartition[]): void {
    this.pausedPartitions.remove(partitions);
    const list = `[${partitionList(partitions)}]`;
    if (this.connectorPaused()) {
      this.o.log.debug(`Connector is paused, so not resuming consumer's partitions ${list}`);
    } else {
      this.o.consumer()?.resume(partitions);
      this.o.log.debug(`Resuming partitions: ${list}`);
    }
    if (this.held.size > 0 && partitions.some((tp) => this.held.has(key(tp)))) this.o.resumed();
  }

  /** Some held records wait for a delivery: their partition is no longer paused by the task. */
  get heldReady(): boolean {
    if (this.held.size > 0) for (const k of this.held.keys()) if (!this.pausedByTask(k)) return true;
    return false;
  }

  /** Connect's shouldPause. */
  private connectorPaused(): boolean {
    return this.o.targetState() !== "STARTED";
  }

  /** Connect's resumeAll, after a connector-level pause: what the task paused itself stays paused. */
  resumeAll(): void {
    const consumer = this.o.consumer();
    consumer?.resume(this.pausedPartitions.notPaused(consumer.assignment()));
  }

  /**
   * Connect's onPartitionsAssigned: the partitions start afresh at the consumer's position (nothing
   * current, committed or consumed of an earlier assignment), then `open`, then the offsets the task asked for them
   * (in open, or before it owned them) apply.
   */
  async onPartitionsAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0 || this.o.cancelled() || this.o.closed()) return;
    this.o.log.info(`Partitions assigned: ${partitionList(partitions)}`);
    this.o.offsets.forget(partitions);
    try {
      // A position that cannot be resolved fails the task before open, as Connect's consumer.position().
      await this.o.offsets.assigned(partitions);
      for (const tp of partitions) this.opening.delete(key(tp));
      await this.o.holdingOffsets(async () => this.o.task.open?.(partitions));
    } catch (error) {
      // As Connect: an exception in the rebalance callback fails the task.
      this.o.raise(error as Error);
    }
  }

  /**
   * Connect's onPartitionsRevoked / onPartitionsLost. Batches of these partitions not yet put, and
   * their held records, are dropped (their records come again from the committed offset); revoked partitions are flushed,
   * closed, then committed (closePartitions), lost ones only closed.
   */
  async onPartitionsRemoved(partitions: readonly TopicPartition[], lost: boolean): Promise<void> {
    // As Connect skips the callback once the task was stopped: a cancelled or closed task is not called again.
    if (partitions.length === 0 || this.o.cancelled() || this.o.closed()) return;
    this.o.log.info(`Partitions ${lost ? "lost" : "revoked"}: ${partitionList(partitions)}`);
    const removed = new Set(partitions.map(key));
    for (let i = this.queued.length - 1; i >= 0; i--) {
      const batch = this.queued[i]!;
      if (!removed.has(key(batch.records[0]!))) continue;
      this.queued.splice(i, 1);
      batch.done?.resolve();
    }
    for (const k of removed) this.held.delete(k);
    try {
      if (lost) {
        await this.o.task.close?.(partitions);
        this.o.operator.cancel(partitions);
      } else await this.o.holdingOffsets(() => this.o.offsets.closePartitions(partitions));
    } catch (error) {
      this.o.raise(error as Error);
    } finally {
      this.o.offsets.forget(partitions);
    }
  }
}
