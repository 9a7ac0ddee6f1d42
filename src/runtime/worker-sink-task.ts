/**
 * WorkerSinkTask: drives a SinkTask (Connect's WorkerSinkTask). The task's consumer joins the group
 * `connect-<connector>` (or `consumer.override.group.id`); each delivered batch is converted (key, value, headers),
 * transformed and handed to `put`. Offsets are committed to the group only after `flush`/`preCommit` confirmed them,
 * every `offset.flush.interval.ms`, on request and on stop (one that cannot run yet waits: sink-commit-schedule.ts),
 * so a crash redelivers instead of losing records (at-least-once). Abandoned (`cancel`), it commits nothing and
 * tells the plugin (SinkTask.cancel).
 * Rebalances (Connect's HandleRebalance, SinkPartitionOwnership): revoked partitions are flushed, closed and committed
 * before the consumer rejoins, assigned ones `open`ed before any of their records is fetched, lost ones closed uncommitted
 * at once (a commit awaiting the group is abandoned; nothing of them is put after the loss, as Connect).
 * Concurrency: batch processing and commits are serialized on one executor. While the connector is PAUSED the
 * assigned partitions are paused, the plugin is told (SinkTask.setPaused, at once) and a batch already in flight waits
 * (heartbeating) until resume or stop; the resume
 * leaves what the task paused itself paused (Connect's resumeAll). Records of a partition the task pauses during a
 * delivery that were not put yet are held, not fetched again, and put first once it resumes the partition
 * (sink-delivery.ts). A RetriableError from `put` redelivers the same batch (sink-put-retry.ts: commits fall due
 * meanwhile; a revocation or the stop ends it); other errors fail the task.
 * An idle task (nothing waiting to be put when the interval's commit falls due) gets `put([])` before
 * that commit, also while PAUSED and each interval while the commit cannot run, as Connect's poll
 * that returned nothing (commitFromLoop); and
 * `ms` after a put that set `context.timeout(ms)` and returned, when no put came meanwhile, as
 * Connect's next poll waits at most that long (putIdle). A failure raised during a put's
 * redelivery ends it at once.
 * A failure fails the task even while PAUSED or stopping; one the task swallowed during a put fails it too
 * (sink-delivery.ts). Stopped or failed, the task commits what preCommit confirms of the records put before
 * (Connect's closeAllPartitions), never those of the failed put.
 */
import type { SinkTask } from "../api/connector.ts";
import { partitionMapKey as key } from "../api/record.ts";
import { isRetriable } from "../errors.ts";
import type { ConsumedRecord, KafkaConsumer } from "../kafka/kafka-port.ts";
import type { TargetState } from "../store/config-store.ts";
import { deferred, SerialExecutor } from "../util/async.ts";
import { SinkBatchConverter } from "./sink-batch-converter.ts";
import { SinkCommitSchedule } from "./sink-commit-schedule.ts";
import { SinkConsumerRetryTrace } from "./sink-consumer-retry-trace.ts";
import { startSinkConsumer } from "./sink-consumer-start.ts";
import { deliverBatches, type SinkDelivery } from "./sink-delivery.ts";
import { SinkOffsets } from "./sink-offsets.ts";
import { SinkPartitionOwnership } from "./sink-partition-ownership.ts";
import { SinkPutRetry } from "./sink-put-retry.ts";
import { sinkTaskContext, type WorkerSinkTaskContext } from "./sink-task-context.ts";
import type { TaskMetrics } from "./task-metrics.ts";
import { WorkerTask, type WorkerTaskOptions } from "./worker-task.ts";

export interface WorkerSinkTaskOptions extends WorkerTaskOptions {
  readonly task: SinkTask;
  readonly consumer: () => Promise<KafkaConsumer>;
  /** At most this many records per `put` (max.poll.records): a larger batch is put in slices, in order. */
  readonly maxPutRecords?: number;
  /** The task's context has an errant record reporter (a DLQ topic or errors.log.enable, as Connect). */
  readonly errantRecordReporter: boolean;
  /** offset.flush.timeout.ms: how long the loop's commit waits for the group's answer (unset: until it comes). */
  readonly offsetFlushTimeoutMs?: number;
  /** The topics the consumer subscribes by name (none for topics.regex). */
  readonly topics?: readonly string[];
}

const HEARTBEAT_EVERY_MS = 3000;

export class WorkerSinkTask extends WorkerTask {
  private consumer: KafkaConsumer | undefined;
  private readonly executor = new SerialExecutor();
  private readonly offsets: SinkOffsets;
  private readonly commits: SinkCommitSchedule;
  private readonly putRetry: SinkPutRetry;
  private readonly batches: SinkBatchConverter;
  private readonly ownership: SinkPartitionOwnership;
  private readonly context: WorkerSinkTaskContext;
  private readonly delivery: SinkDelivery;
  /** Set once close() closed the task's partitions: rebalance callbacks (a late consumer) skip it, as Connect's taskStopped. */
  private closed = false;
  private crash: Error | undefined;
  /** A retriable consumer failure (broker unreachable too long): the loop restarts the consumer. */
  private consumerLost: Error | undefined;
  /** The consumer's start or restart while its attempts fail, or its fetches unanswered: the task's Degraded trace. */
  private readonly consumerRetries: SinkConsumerRetryTrace;
  /** The heartbeat of the consumer's latest batch: a delivery of held records alone sends it. */
  private heartbeat: () => Promise<void> = async () => {};
  /** A delivery asked for by a resume of held records waits on the executor. */
  private heldDeliveryQueued = false;
  /** Aborted with the task's failure: a put's redelivery ends at once. */
  private readonly failed = new AbortController();

  constructor(private readonly o: WorkerSinkTaskOptions) {
    super(o.id, o.initialState, o.listener, o.clock, o.log, o.operator);
    this.consumerRetries = new SinkConsumerRetryTrace(o.clock);
    this.commits = new SinkCommitSchedule(o.clock, o.offsetFlushIntervalMs, () => this.offsets.mayCommit());
    this.offsets = new SinkOffsets({
      task: o.task,
      operator: o.operator,
      metrics: o.metrics,
      log: this.log,
      clock: o.clock,
      consumer: () => this.consumer,
      cancelled: () => this.cancelled,
      stopSignal: () => this.stopSignal,
      givenUpSettled: () => this.notify(),
      ...(o.offsetFlushTimeoutMs === undefined ? {} : { commitTimeoutMs: o.offsetFlushTimeoutMs }),
    });
    this.batches = new SinkBatchConverter({ ...o, log: this.log });
    this.putRetry = new SinkPutRetry({
      ...o,
      log: this.log,
      stopSignal: () => this.stopSignal,
      failedSignal: () => this.failed.signal,
      idlePutScheduled: () => this.notify(),
      origin: (record) => this.batches.origin(record),
      commitIfDue: () => this.commitIfDue(),
      nextCommitInMs: () => this.commits.nextInMs(),
    });
    this.ownership = new SinkPartitionOwnership({
      consumer: () => this.consumer,
      targetState: () => this.targetState,
      cancelled: () => this.cancelled,
      closed: () => this.closed,
      raise: (error) => this.raise(error),
      task: o.task,
      log: this.log,
      offsets: this.offsets,
      putRetry: this.putRetry,
      operator: o.operator,
      holdingOffsets: (call) => this.context.holding(call),
      resumed: () => this.deliverHeld(),
    });
    this.context = sinkTaskContext({
      ...o,
      logger: this.log.named(o.taskClass),
      consumer: () => this.consumer,
      offsets: this.offsets,
      owned: (tp) => this.ownership.owns(tp),
      pauses: this.ownership,
      pluginMetrics: o.metrics.plugin,
      origin: (record) => this.batches.origin(record),
      setPutRetryTimeout: (ms) => this.putRetry.setTimeout(ms),
      requestCommit: () => {
        this.commits.request();
        this.notify();
      },
      raise: (error) => this.raise(error),
    });
    const { batches, putRetry, ownership, offsets, context } = this;
    const throwIfFailed = () => this.throwIfFailed();
    this.delivery = { batches, putRetry, ownership, offsets, context, maxPutRecords: o.maxPutRecords, throwIfFailed };
  }

  readonly kind = "sink";
  get metrics(): TaskMetrics {
    return this.o.metrics;
  }

  /**
   * Fails the task with this error unless it failed already (of raised failures, the first wins) and
   * ends a put's redelivery wait. A put that then throws fails the task with its own error instead
   * (deliverQueued, putEmpty), as Connect fails with the put's exception; so does a consumer crash.
   */
  private raise(error: Error): void {
    this.crash ??= error;
    this.failed.abort(this.crash);
    this.notify();
  }

  protected async initializeAndStart(): Promise<void> {
    this.consumer = await this.o.consumer();
    this.o.metrics.partitionCount = () => this.consumer?.assignment().length ?? 0;
    this.o.task.initialize(this.context);
    await this.o.task.start(this.o.config);
  }

  /** Joins the group; retriable failures (broker down, topic not there yet) are retried until stop. */
  private async startConsumer(): Promise<boolean> {
    const started = await startSinkConsumer(
      this.consumer!,
      {
        onRecords: (records, heartbeat) => this.onRecords(records, heartbeat),
        // Ownership changes at the call, so batches handed over from now on are judged by it;
        // the task's callbacks run in turn with puts and commits.
        onPartitionsRevoked: (partitions) => {
          this.ownership.disown(partitions);
          return this.executor.run(() => this.ownership.onPartitionsRemoved(partitions, false));
        },
        onPartitionsLost: (partitions) => {
          this.ownership.disown(partitions);
          // Not committed from now on, and their close does not wait behind a commit (SinkOffsets.lose).
          if (partitions.length > 0 && !this.closed && !this.cancelled) this.offsets.lose(partitions);
          return this.executor.run(() => this.ownership.onPartitionsRemoved(partitions, true));
        },
        onPartitionsAssigned: (partitions) => {
          this.ownership.assign(partitions);
          return this.executor.run(() => this.ownership.onPartitionsAssigned(partitions));
        },
        onCrash: (error) => {
          // A consumer that failed the task (a corrupt batch) is still a group member: close() commits through it.
          if (isRetriable(error)) {
            this.offsets.live = false;
            this.consumerLost = error;
            this.consumerRetries.retried(error);
          } else {
            this.crash = error;
            this.failed.abort(error);
          }
          this.notify();
        },
        onFetchFailing: (error) => this.consumerRetries.fetching(error),
      },
      {
        clock: this.clock,
        log: this.log,
        stopSignal: this.stopSignal,
        stopping: () => this.stopping,
        retries: this.consumerRetries,
        ...(this.o.topics ? { topics: this.o.topics } : {}),
      },
    );
    this.offsets.live = started && !this.consumerLost; // a crash while joining: not live, the loop replaces it
    // The run of attempts goes on through a crash while joining: the restart's grace does not begin again.
    if (this.offsets.live) this.consumerRetries.ended();
    return started;
  }

  /**
   * The Degraded trace shown with the task's RUNNING status: the SinkTask's own (SinkTask.degradedTrace), else, while
   * its consumer cannot start or rejoin, or its fetches get no answer, why (sink-consumer-retry-trace.ts); else null.
   */
  get degradedTrace(): string | null {
    let own: string | null = null;
    try {
      own = this.o.task.degradedTrace?.() ?? null;
    } catch {}
    return own ?? this.consumerRetries.trace;
  }

  /** The plugin hears of a pause or resume at once (SinkTask.setPaused), before PAUSED is reported. */
  protected override onTargetState(state: TargetState): void {
    try {
      this.o.task.setPaused?.(state !== "STARTED");
    } catch (error) {
      this.log.warn("The task's setPaused failed", error);
    }
  }

  protected override onCancel(): void {
    this.o.task.cancel?.();
  }

  protected override throwIfFailed(): void {
    if (this.crash) throw this.crash;
  }

  protected async execute(): Promise<void> {
    // A failure found as the task stops still fails it (close() commits what was put before it).
    // A pause or resume while the consumer joins (a whole rebalance, maybe) shows at once, as Connect's woken poll.
    if (!(await this.followingTargetState(this.startConsumer()))) return this.throwIfFailed();
    while (!this.stopping) {
      this.throwIfFailed();
      if (this.consumerLost) {
        this.log.warn("The consumer stopped on a retriable error; restarting it", this.consumerLost);
        this.consumerLost = undefined;
        await this.executor.run(() => this.dropConsumer());
        if (!(await this.followingTargetState(this.startConsumer()))) break;
        continue;
      }
      if (this.targetState !== "STARTED") {
        if (!(await this.awaitUnpaused())) break;
        continue;
      }
      if (this.commits.turnDue) {
        await this.executor.run(() => this.commitFromLoop());
        continue;
      }
      const idle = this.putRetry.idlePutInMs();
      if (idle <= 0) {
        await this.executor.run(() => this.putIdle());
        continue;
      }
      await this.waitForWake(Math.min(this.commits.nextInMs(), idle, 1000));
    }
    this.throwIfFailed();
  }

  protected override async onPaused(): Promise<void> {
    this.consumer?.pause(this.consumer.assignment());
  }

  protected override async whilePaused(): Promise<void> {
    if (this.commits.turnDue) await this.executor.run(() => this.commitFromLoop());
    else if (this.putRetry.idlePutInMs() <= 0) await this.executor.run(() => this.putIdle());
  }

  protected override async onResumed(): Promise<void> {
    this.ownership.resumeAll();
    if (this.ownership.heldReady) this.deliverHeld();
  }

  /**
   * The task resumed a partition with held records (SinkPartitionOwnership): a delivery puts them
   * now, as the consumer may fetch nothing new of it (while the connector is paused, its resume does).
   */
  private deliverHeld(): void {
    if (this.heldDeliveryQueued || this.stopping || this.crash || this.targetState !== "STARTED") return;
    // One at a time: a resume while one waits on the executor finds it there (it takes whatever is ready).
    this.heldDeliveryQueued = true;
    void this.executor.run(() => {
      this.heldDeliveryQueued = false;
      // Paused meanwhile (the connector's resume asks again) or stopping (the stop drops them).
      if (this.stopping || this.targetState !== "STARTED") return;
      return this.deliverQueued(this.heartbeat);
    });
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
    const assignment = first && this.ownership.assignmentOf(key(first));
    if (assignment === undefined) return; // revoked meanwhile: the next owner starts at the commit
    await this.waitWhilePaused(heartbeat);
    if (this.stopping || this.crash) return;
    this.heartbeat = heartbeat;
    const done = deferred<void>();
    this.ownership.enqueue({ records, done, assignment });
    void this.executor.run(() => this.deliverQueued(heartbeat));
    await done.promise;
  }

  private async deliverQueued(heartbeat: () => Promise<void>): Promise<void> {
    const taken = this.ownership.take();
    if (taken.length === 0) return; // an earlier run took these batches along
    try {
      // Nothing more goes into a task that failed (a batch queued, or held records resumed, before the loop saw it).
      this.throwIfFailed();
      // A stop that ends a put's redelivery is no failure: close() still commits what was delivered before.
      if (!this.stopping && (await deliverBatches(this.delivery, taken, heartbeat))) await this.commitIfDue();
      for (const t of taken) t.done?.resolve();
    } catch (error) {
      this.crash = error as Error;
      this.notify();
      for (const t of taken) t.done?.reject(error);
    }
  }

  /**
   * The loop's commit, requested or due (on the executor: no delivery runs meanwhile). When the
   * interval's commit falls due, a put comes first, as in Connect's loop: its poll waits for records
   * at most until the next commit falls due, deliverMessages puts whatever the poll returned, and
   * the commit follows in the next iteration. So records waiting for their delivery are put first
   * (not while PAUSED), and with none an empty batch is (an idle task; a plugin flushes what it
   * buffers by time there), while PAUSED too, as Connect keeps polling its paused consumer. A
   * commit the task requested is not preceded by one: the put it was requested in (or a
   * delivery's) ran just before. Nothing is committed when the put failed the task or the stop
   * ended its redelivery (close() commits what was put before).
   */
  private async commitFromLoop(): Promise<void> {
    if (this.commits.nextInMs() <= 0) {
      if (!this.ownership.hasQueued && !this.heldDeliveryQueued) {
        if (!(await this.putEmpty())) return;
      } else if (this.targetState === "STARTED") {
        // Records wait (their own run would put them after this commit): put them before it.
        await this.deliverQueued(this.heartbeat);
        if (this.crash || this.stopping) return;
      }
    }
    await this.commitIfDue();
  }

  /**
   * The idle put a `context.timeout(ms)` asked for (Connect's poll that waited `ms` and returned
   * nothing), on the executor: none when a put came meanwhile, and records waiting are put by their
   * own delivery instead. Also while PAUSED (Connect keeps polling), at the paused wait's pace.
   */
  private async putIdle(): Promise<void> {
    if (this.putRetry.idlePutInMs() > 0) return;
    this.putRetry.consumeIdlePut();
    if (this.ownership.hasQueued || this.heldDeliveryQueued) return;
    await this.putEmpty();
  }

  /** put([]) as a delivery without records (sink-delivery.ts); false when the task failed or stops instead. */
  private async putEmpty(): Promise<boolean> {
    if (this.stopping || this.crash) return false;
    try {
      // A redelivery's wait heartbeats with the latest batch's handler, one that arrived meanwhile
      // included (it waits for this put: kafkajs heartbeats through it only).
      return await deliverBatches(this.delivery, [], () => this.heartbeat());
    } catch (error) {
      this.crash = error as Error;
      this.notify();
      return false;
    }
  }

  /**
   * A commit requested or due: after each delivery, between redeliveries of a put (Connect's poll
   * loop) and at the loop's turn. An interval's turn that cannot commit passes: the put made for it
   * keeps the pace, and the commit waits (SinkCommitSchedule).
   */
  private async commitIfDue(): Promise<void> {
    if (this.commits.due) await this.commitOffsets();
    else if (this.commits.nextInMs() <= 0) {
      this.offsets.commitWaits();
      this.commits.skipped();
    }
  }

  /** Gives up the current group membership: its partitions count as lost (uncommitted records are redelivered). */
  private async dropConsumer(): Promise<void> {
    const assigned = this.consumer?.assignment() ?? [];
    this.offsets.live = false;
    await this.consumer?.close().catch((error) => this.log.warn("Could not close the consumer", error));
    this.ownership.disown(assigned);
    await this.ownership.onPartitionsRemoved(assigned, true);
  }

  private async commitOffsets(): Promise<void> {
    this.commits.started();
    // What the task asks for in flush/preCommit applies after the commit, as Connect's next rewind.
    await this.context.holding(() => this.offsets.commit());
  }

  protected async close(_failed: boolean): Promise<void> {
    // Connect's closeAllPartitions, in execute's finally: on a stop and after a failure alike, the
    // task's partitions are flushed (preCommit), closed, then what preCommit confirmed is committed
    // synchronously. SinkOffsets only holds records put successfully (never those of a failed put or
    // conversion); an abandoned task commits nothing, and a consumer that stopped commits nothing.
    await this.executor.run(async () => {
      // Records held for paused partitions are not put any more; their offsets never passed them.
      this.ownership.dropHeld();
      const assigned = this.consumer?.assignment() ?? [];
      try {
        if (assigned.length > 0) await this.context.holding(() => this.offsets.closePartitions(assigned));
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
