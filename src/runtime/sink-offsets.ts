/**
 * SinkOffsets: a WorkerSinkTask's offsets and how they reach the group (Connect's currentOffsets,
 * lastCommittedOffsets and commitOffsets). `current` holds, per partition, the next offset after
 * what was handed to `put`, from the consumer's position at assignment on; a commit asks the task
 * which of them are flushed (`preCommit`, else `flush` and all of them), waits for the dead letter
 * queue's records, and once any of them moved since the last commit commits them with every other
 * assigned partition at its last committed offset (a partition never consumed at its position). Revoked partitions go through Connect's closePartitions: flushed, closed,
 * then committed. Called only from the sink task's serial executor (but `lose`, at the consumer's
 * callback, as Connect's onPartitionsLost comes inside poll); failures of a commit are
 * logged and counted, never thrown (the records are delivered again, at-least-once), except an
 * errant record the dead letter queue could not take, which fails the task (Connect's awaitFutures).
 *
 * A flush/preCommit that throws outside closePartitions rewinds, as Connect's commitOffsets: every
 * pending partition is sought back to its last committed offset (its position at assignment
 * before the first commit; the first offset consumed since, when that position was not resolved)
 * and `current` goes back with it, so the records a failed flush may have
 * dropped are put again before a later flush can commit past them; not so in closePartitions, which
 * only warns. The rewind listener (the partition ownership) then
 * drops batches of those partitions fetched before the seek (and the records it holds of them); a
 * seek the task asks for through its context (`seek`) notifies it the same way.
 *
 * Offsets reach the group only through a live consumer (`live`, which the task sets: started, not crashed or closed since),
 * as Connect's WorkerSinkTask commits through its one consumer: the adapters drop a commit on a
 * consumer that is closed or stopping without an error. While the task has none (it is replacing
 * its consumer) no commit runs (`mayCommit`), nothing flushed or counted, and the offsets stay pending for
 * the next one; a commit that throws is not counted as done either, so the next one sends the same
 * offsets again (Connect's "Commit of offsets threw an unexpected exception for sequence number N", retried
 * next interval). One commit in flight at a time (sink-offset-commit.ts): the loop awaits each on the
 * executor, for the group's answer at most offset.flush.timeout.ms (`commitTimeoutMs`): then, as
 * Connect's "Commit of offsets timed out", it is given up and counted as failed. While the client
 * still runs a given-up commit the loop's commit waits (`mayCommit`; the offsets stay pending, and
 * `givenUpSettled` wakes the loop once it settled), as Connect's loop starts none while `committing`, and
 * closePartitions waits for it (as long as the client's retries) on every path: sent before it, its
 * offsets could be overwritten by the older ones, and the rejoin that follows a revocation could let
 * the given-up commit's retry land under the next generation, over another member's offsets.
 */
import type { SinkTask } from "../api/connector.ts";
import { partitionMapKey as key, type TopicPartition, type TopicPartitionOffset } from "../api/record.ts";
import { RetriableError } from "../errors.ts";
import type { KafkaConsumer } from "../kafka/kafka-port.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { assignedPosition } from "./assigned-position.ts";
import { ErrantRecordReportError } from "./errors/dead-letter-queue-reporter.ts";
import type { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { SinkOffsetCommit, TIMED_OUT } from "./sink-offset-commit.ts";
import type { TaskMetrics } from "./task-metrics.ts";

export interface SinkOffsetsOptions {
  readonly task: SinkTask;
  readonly operator: Pick<RetryWithToleranceOperator, "flush">;
  readonly metrics: TaskMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  readonly consumer: () => KafkaConsumer | undefined;
  /** The task was cancelled: no more calls into it, nothing committed. */
  readonly cancelled: () => boolean;
  /** Aborts as the task stops: a position lookup still retrying gives up. */
  readonly stopSignal: () => AbortSignal;
  /**
   * offset.flush.timeout.ms: the loop's commit (`commit`) stops waiting for the group's answer after
   * this long, as Connect's WorkerSinkTask ("Commit of offsets timed out"); unset: it waits.
   */
  readonly commitTimeoutMs?: number;
  /** A given-up commit settled: the loop's commit, which waited for it, may run. */
  readonly givenUpSettled?: () => void;
}

export const partitionList = (tps: readonly TopicPartition[]) =>
  tps.map((tp) => `${tp.topic}-${tp.partition}`).join(", ");

export class SinkOffsets {
  /** Next offset to consume per partition, for everything already handed to `put`. */
  private readonly current = new Map<string, TopicPartitionOffset>();
  private readonly committed = new Map<string, number>();
  /** The first offset consumed per partition since its assignment: where a rewind goes before any commit. */
  private readonly firstConsumed = new Map<string, number>();
  private rewound: (partitions: readonly TopicPartition[]) => void = () => {};
  private heldEnd: (partitionKey: string) => number | undefined = () => undefined;
  /** The consumer is a running group member (started, not crashed or closed since): commits go through it only. */
  live = false;
  private readonly groupCommit: SinkOffsetCommit;
  /** Why the loop's commit waits, as last logged: once per wait, not at every turn of the loop. */
  private waitLogged: string | undefined;

  constructor(private readonly o: SinkOffsetsOptions) {
    this.groupCommit = new SinkOffsetCommit(o);
  }

  /** Called with the partitions a failed flush/preCommit or the task sought back (after the consumer was sought). */
  onRewind(listener: (partitions: readonly TopicPartition[]) => void): void {
    this.rewound = listener;
  }

  /**
   * The offset after the records held of a partition (read, not yet put: the task paused it during
   * the delivery that took them), which count as active (sink-record-active-count).
   */
  countHeld(heldEnd: (partitionKey: string) => number | undefined): void {
    this.heldEnd = heldEnd;
  }

  /** A batch starting at `first` was taken for a put: the first one since the assignment marks where a rewind goes. */
  consumed(first: TopicPartitionOffset): void {
    if (!this.firstConsumed.has(key(first))) this.firstConsumed.set(key(first), first.offset);
  }

  /** Records up to `offset` (exclusive) of the partition were put. */
  advance(offset: TopicPartitionOffset): void {
    this.current.set(key(offset), offset);
  }

  /**
   * The task asked for this offset of a partition it owns (`context.offset`, applied as Connect's
   * rewind, after the put or commit it was asked in; the context keeps those of partitions not
   * owned until they are assigned): the consumer seeks there and it becomes the partition's current
   * and, as Connect's lastCommittedOffsets, its committed offset (a failed flush goes back to it; committing it alone sends nothing). The
   * rewind listener then drops the batches fetched before the seek, which would otherwise be put
   * and advance past the offset asked for.
   */
  seek(offset: TopicPartitionOffset): void {
    this.o.consumer()?.seek(offset);
    this.current.set(key(offset), offset);
    this.committed.set(key(offset), offset.offset);
    this.rewound([offset]);
  }

  /**
   * Connect's onPartitionsAssigned: each partition's position (assigned-position.ts) becomes its
   * current and last committed offset, so every assigned partition is flushed, and committed along
   * once any of them moved, consumed or not. A position that cannot be resolved rejects, which fails
   * the task; a partition the consumer gave up meanwhile (a rebalance or a stop overtook the
   * callback, which Java's consumer runs inside poll) is skipped.
   */
  async assigned(partitions: readonly TopicPartition[]): Promise<void> {
    const consumer = this.o.consumer();
    if (!consumer) return;
    await Promise.all(
      partitions.map(async (tp) => {
        const position = await assignedPosition(consumer, tp, {
          clock: this.o.clock,
          signal: this.o.stopSignal(),
          stillAssigned: () => this.stillAssigned(consumer, tp),
        });
        if (position === undefined) return;
        this.o.log.debug(`Assigned topic partition ${tp.topic}-${tp.partition} with offset ${position}`);
        this.current.set(key(tp), { topic: tp.topic, partition: tp.partition, offset: position });
        this.committed.set(key(tp), position);
      }),
    );
    this.recordActive();
  }

  /** The task still runs `consumer` and it still owns `tp` (neither stopped nor rebalanced away since). */
  private stillAssigned(consumer: KafkaConsumer, tp: TopicPartition): boolean {
    if (this.o.cancelled() || this.o.stopSignal().aborted || this.o.consumer() !== consumer) return false;
    return consumer.assignment().some((a) => key(a) === key(tp));
  }

  /**
   * Connect's closePartitions for lost partitions, at the loss (the membership is gone): nothing of
   * them is committed any more, by a commit under way either, and a commit awaiting the group's
   * answer is not waited for (it counts as failed; the next commit sends the offsets of what is
   * still owned again). Connect commits asynchronously and runs the rebalance callback in its poll,
   * so no commit stands between a lost membership and the task's close; here commits run on the
   * task's executor, and one the broker holds up (the library rejoining from inside it) would hold
   * up the close, and the task would go on delivering what it holds of the lost partitions. Called
   * at the consumer's callback, before the task's close runs on the executor.
   */
  lose(partitions: readonly TopicPartition[]): void {
    this.forget(partitions);
    this.groupCommit.lose();
  }

  /** The partitions left this task: nothing of them is committed any more. */
  forget(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      this.current.delete(key(tp));
      this.committed.delete(key(tp));
      this.firstConsumed.delete(key(tp));
    }
    this.recordActive();
  }

  /** Connect's sink-record-active-count: records read (up to `reading`, taken for a put, or held) and not yet committed. */
  recordActive(reading?: ReadonlyMap<string, number>): void {
    let active = 0;
    for (const [k, o] of this.current) {
      const end = Math.max(o.offset, reading?.get(k) ?? o.offset, this.heldEnd(k) ?? o.offset);
      active += Math.max(0, end - (this.committed.get(k) ?? end));
    }
    this.o.metrics.sinkActive(active);
  }

  /** Whether the loop's commit can run now: not without a live consumer, nor while the client still runs a given-up commit. */
  mayCommit(): boolean {
    return this.waiting() === undefined;
  }

  /**
   * The loop's commit fell due and cannot run (`mayCommit`): the offsets stay pending and the task's
   * schedule keeps the commit waiting (SinkCommitSchedule). With offsets pending, the DEBUG says
   * why once per wait, not at every turn.
   */
  commitWaits(): void {
    const waiting = this.waiting();
    if (waiting === undefined || waiting === this.waitLogged || this.current.size === 0) return;
    this.waitLogged = waiting;
    this.o.log.debug(`Offset commit of ${this.current.size} partitions waits: ${waiting}`);
  }

  private waiting(): string | undefined {
    if (!this.live) return "the consumer is not running";
    if (this.groupCommit.running) return "the commit given up at offset.flush.timeout.ms is still running";
    return undefined;
  }

  /** flush/preCommit then commit to the group; only offsets that moved are sent. None while it may not (`mayCommit`). */
  async commit(): Promise<void> {
    if (!this.mayCommit()) return;
    this.waitLogged = undefined; // the wait is over: the next one is said again
    const pending = [...this.current.values()];
    if (pending.length === 0 || this.o.cancelled()) return;
    const started = monotonicNow(this.o.clock);
    let offsets: readonly TopicPartitionOffset[];
    try {
      offsets = await this.preCommit(pending);
    } catch (error) {
      this.o.metrics.commitFailed();
      this.o.log.error("Offset commit failed, rewinding to last committed offsets", error);
      this.rewind(pending);
      return;
    }
    try {
      if ((await this.commitToGroup(pending, offsets, started, this.o.commitTimeoutMs)) === TIMED_OUT) {
        // Connect's: the commit is not waited for any more (its late answer is not counted either);
        // the next one, once it settled, sends its offsets again.
        this.o.metrics.commitFailed();
        this.groupCommit.timedOut();
      }
    } catch (error) {
      this.o.metrics.commitFailed();
      if (error instanceof ErrantRecordReportError) throw error;
      // As Connect's, the message names the commit (offset-commit-seq-no) and its offsets: a commit the
      // group held up past the interval is followed at once by the next, which may fail the same way.
      this.groupCommit.threw(offsets, error);
    }
  }

  /**
   * Connect's rewind after a failed preCommit: each pending partition is sought to its last
   * committed offset (or the first consumed since its assignment) and `current` set back to it.
   */
  private rewind(pending: readonly TopicPartitionOffset[]): void {
    const rewound: TopicPartitionOffset[] = [];
    for (const o of pending) {
      const offset = this.committed.get(key(o)) ?? this.firstConsumed.get(key(o));
      if (offset === undefined) continue; // nothing consumed since the assignment: nothing to put again
      this.o.log.debug(`Rewinding topic partition ${o.topic}-${o.partition} to offset ${offset}`);
      const to = { topic: o.topic, partition: o.partition, offset };
      this.o.consumer()?.seek(to);
      this.current.set(key(o), to);
      rewound.push(to);
    }
    if (rewound.length > 0) this.rewound(rewound);
  }

  /**
   * Connect's closePartitions for revoked partitions and, as the task stops or fails, all of them: preCommit (or flush) for their offsets, then
   * `close` (always, even when the flush failed; a failing close throws, which fails the task),
   * then the synchronous commit of what preCommit returned for them (with what a second preCommit
   * after close confirmed of what the first held back: confirmedAfterClose). Forgets them afterwards.
   * Returns only once a given-up commit settled, whichever path it took (nothing to commit, a failed
   * preCommit, no live consumer, cancelled): the rejoin that follows must not let its retry land
   * under the next generation, moving back offsets another member committed.
   */
  async closePartitions(partitions: readonly TopicPartition[]): Promise<void> {
    try {
      await this.closeAndCommit(partitions);
    } finally {
      // A loss meanwhile (`lose`) rejects the wait: then the membership is gone anyway.
      await this.groupCommit.settled().catch(() => undefined);
    }
  }

  private async closeAndCommit(partitions: readonly TopicPartition[]): Promise<void> {
    const revoked = new Set(partitions.map(key));
    const pending = [...this.current.values()].filter((o) => revoked.has(key(o)));
    const started = monotonicNow(this.o.clock);
    let offsets: readonly TopicPartitionOffset[] | undefined;
    try {
      // Without a live consumer nothing can be committed: the partitions are only closed, as lost ones.
      if (pending.length > 0 && !this.o.cancelled() && this.live) offsets = await this.preCommit(pending);
    } catch (error) {
      this.o.metrics.commitFailed();
      this.o.log.warn(`Offset commit failed during close of ${partitionList(partitions)}`, error);
    } finally {
      await this.o.task.close?.(partitions);
    }
    if (offsets === undefined) return;
    offsets = await this.confirmedAfterClose(pending, offsets);
    try {
      await this.commitToGroup(pending, offsets, started);
    } catch (error) {
      this.o.metrics.commitFailed();
      this.o.log.error(`Commit of offsets of closed partitions ${partitionList(partitions)} failed`, error);
    }
  }

  /**
   * After `close` waited for what was in flight, preCommit once more for the partitions the first
   * answer held back (a task with no preCommit, or one that confirmed everything, is not asked
   * again); each keeps the further of its two answers. So records an endpoint acknowledged during
   * the close are committed, not delivered again by the next owner, as in Connect, where a blocking
   * put returned before the commit. A failing second preCommit keeps the first answer.
   */
  private async confirmedAfterClose(
    pending: readonly TopicPartitionOffset[],
    offsets: readonly TopicPartitionOffset[],
  ): Promise<readonly TopicPartitionOffset[]> {
    const put = new Map(pending.map((o) => [key(o), o.offset]));
    const heldBack = offsets.filter((o) => o.offset < (put.get(key(o)) ?? o.offset));
    if (heldBack.length === 0 || !this.o.task.preCommit || this.o.cancelled() || !this.live) return offsets;
    let again: readonly TopicPartitionOffset[];
    try {
      again = await this.preCommit(heldBack.map((o) => ({ ...o, offset: put.get(key(o))! })));
    } catch (error) {
      this.o.log.warn("Offset commit after close kept what was confirmed before the close", error);
      return offsets;
    }
    const further = new Map(again.map((o) => [key(o), o.offset]));
    return offsets.map((o) =>
      (further.get(key(o)) ?? o.offset) > o.offset ? { ...o, offset: further.get(key(o))! } : o,
    );
  }

  /**
   * The offsets the task confirms as flushed: its preCommit's answer, else all of them after flush.
   * As Connect's commitOffsets, an answer is kept only for a requested partition and up to what was
   * put there: an offset past it (records never put) or for a partition not assigned is ignored.
   */
  private async preCommit(pending: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
    if (!this.o.task.preCommit) {
      await this.o.task.flush?.(pending);
      return pending;
    }
    const requested = new Map(pending.map((o) => [key(o), o.offset]));
    return (await this.o.task.preCommit(pending)).filter((o) => {
      const current = requested.get(key(o));
      if (current !== undefined && o.offset <= current) return true;
      if (current !== undefined)
        this.o.log.warn(
          `Ignoring invalid task provided offset ${o.topic}-${o.partition}/${o.offset} -- not yet consumed, taskOffset=${o.offset} currentOffset=${current}`,
        );
      else if (!this.current.has(key(o)))
        this.o.log.warn(
          `Ignoring invalid task provided offset ${o.topic}-${o.partition}/${o.offset} -- partition not assigned, assignment=${partitionList([...this.current.values()])}`,
        );
      else
        this.o.log.debug(
          `Ignoring task provided offset ${o.topic}-${o.partition}/${o.offset} -- topic partition not requested, requested=${partitionList(pending)}`,
        );
      return false;
    });
  }

  /**
   * Commits what preCommit confirmed of the `requested` partitions once any of it moved, with, as
   * Connect's committable offsets, each other requested partition at its last committed offset.
   * With `timeoutMs`, the group's answer is waited for that long from when the commit is sent (TIMED_OUT after).
   */
  private async commitToGroup(
    requested: readonly TopicPartitionOffset[],
    offsets: readonly TopicPartitionOffset[],
    started: number,
    timeoutMs?: number,
  ): Promise<typeof TIMED_OUT | undefined> {
    if (!offsets.some((o) => this.committed.get(key(o)) !== o.offset)) {
      // Connect's "Skipping offset commit, no change since last commit" still counts as a success.
      this.groupCommit.succeeded(started);
      return;
    }
    // Records sent to the dead letter queue are in Kafka before the offsets past them commit.
    await this.o.operator.flush();
    // Sent before a given-up commit settled, these offsets could be overwritten by its older ones.
    await this.groupCommit.settled();
    // Abandoned meanwhile (during preCommit, close or the flush; cut short by SinkTask.cancel): an abandoned task
    // commits nothing (Connect's doCommit: "Skipping final offset commit as task has been cancelled").
    if (this.o.cancelled()) {
      this.o.log.debug("Skipping final offset commit as task has been cancelled");
      return;
    }
    // The consumer may have stopped meanwhile: a commit it would drop is not counted as done.
    const consumer = this.live ? this.o.consumer() : undefined;
    if (!consumer) throw new RetriableError("The consumer stopped before the offsets were committed");
    // Partitions lost since the commit started are not committed (lose).
    const kept = offsets.filter((o) => this.current.has(key(o)));
    const confirmed = new Set(kept.map(key));
    const committable = [...kept];
    for (const o of requested) {
      const offset = this.committed.get(key(o));
      if (offset !== undefined && !confirmed.has(key(o)))
        committable.push({ topic: o.topic, partition: o.partition, offset });
    }
    if (committable.length === 0) return;
    if ((await this.groupCommit.send(consumer, committable, timeoutMs)) === TIMED_OUT) return TIMED_OUT;
    for (const o of kept) if (this.current.has(key(o))) this.committed.set(key(o), o.offset);
    this.recordActive();
    this.groupCommit.succeeded(started);
  }
}
