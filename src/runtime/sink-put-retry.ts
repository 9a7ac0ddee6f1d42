/**
 * SinkPutRetry: how a WorkerSinkTask calls its SinkTask's `put`, with Connect's redelivery after a
 * RetriableError (after the task's `context.timeout`, at the latest when the next commit falls due). A
 * revocation of one of the put's partitions (WorkerSinkTask calls `revoke`) ends the retry at once:
 * those records are dropped and the rest is put again; any revocation ends an empty put's retry.
 * The task's stop ends it too (unless the put failed for good: that failure is thrown), and so does
 * a failure raised meanwhile (raiseError, the errant record reporter beyond tolerance): it is thrown
 * at once. A `context.timeout(ms)` the task sets outside a failed put bounds the next poll, as in
 * Connect: the worker puts `[]` after `ms` unless a put comes first (`idlePutInMs`). Called from the
 * sink task's serial executor.
 */
import type { SinkTask } from "../api/connector.ts";
import { partitionMapKey as key, type SinkRecord, type TopicPartition } from "../api/record.ts";
import { isRetriable } from "../errors.ts";
import type { ConsumedRecord } from "../kafka/kafka-port.ts";
import { type Clock, monotonicNow, wholeMsSince } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { TaskMetrics } from "./task-metrics.ts";
import { type ConnectorTaskId, taskIdString } from "./worker-task.ts";

export interface SinkPutRetryOptions {
  readonly id: ConnectorTaskId;
  readonly task: SinkTask;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: TaskMetrics;
  /** The task's stop signal: a retry's backoff ends with it. */
  readonly stopSignal: () => AbortSignal;
  /** Aborted, with the error, when the task fails: a retry's backoff ends with it and throws that error. */
  readonly failedSignal?: () => AbortSignal;
  /** An idle put was scheduled (`idlePutInMs`): the worker's loop wakes to run it on time. */
  readonly idlePutScheduled?: () => void;
  /** The consumed record behind a record handed to `put` (its partition). */
  readonly origin: (record: SinkRecord) => ConsumedRecord | undefined;
  /**
   * Runs after each RetriableError, before the wait: the worker commits what is due or requested
   * (what was put before), as Connect's poll loop commits between redeliveries.
   */
  readonly commitIfDue?: () => Promise<void>;
  /** Time until the next commit falls due (offset.flush.interval.ms): the longest wait before a redelivery. */
  readonly nextCommitInMs?: () => number;
}

/** Heartbeats during a redelivery's wait (the group's session timeout is longer). */
const HEARTBEAT_EVERY_MS = 3000;
/** The reason a put's retry is given up: one of its partitions was revoked or lost meanwhile. */
const REVOKED = Symbol("revoked");

export class SinkPutRetry {
  /** The put under way: a revocation of one of its partitions ends its retry backoff at once. */
  private putting: { readonly partitions: ReadonlySet<string>; readonly revoked: AbortController } | undefined;
  private putRetryTimeoutMs = -1;
  /** Monotonic time of the idle put a `context.timeout` scheduled (Connect's next poll's end). */
  private idlePutAt: number | undefined;

  constructor(private readonly o: SinkPutRetryOptions) {}

  /**
   * The task's `context.timeout(ms)`. Set during a put, it paces that put's redelivery when it
   * fails with a RetriableError, or else schedules an idle put `ms` after it returns. Set outside a
   * put (open, close, preCommit, a background callback), it schedules the idle put `ms` from now, as
   * Connect's next poll reads it (for a callback during Connect's poll wait, the poll after that one).
   */
  setTimeout(ms: number): void {
    this.putRetryTimeoutMs = ms;
    if (!this.putting) this.scheduleIdlePut();
  }

  /**
   * Ms until the idle put a `context.timeout` asked for is due (≤ 0: due; Infinity: none), as
   * Connect's poll waits at most that long for records and puts what it got, nothing included.
   * Any put (records or empty) consumes it.
   */
  idlePutInMs(): number {
    return this.idlePutAt === undefined ? Number.POSITIVE_INFINITY : this.idlePutAt - monotonicNow(this.o.clock);
  }

  /** The idle put is being made (or a put consumed it): none is due until the task sets a timeout again. */
  consumeIdlePut(): void {
    this.idlePutAt = undefined;
  }

  /**
   * Connect's poll reads a timeout > 0 once and resets it; ≤ 0 is ignored (and left as set), and so
   * is NaN (Java's long has none): due at NaN, the idle put would never run and the loop would spin.
   */
  private scheduleIdlePut(): void {
    if (!(this.putRetryTimeoutMs > 0)) return;
    this.idlePutAt = monotonicNow(this.o.clock) + this.putRetryTimeoutMs;
    this.putRetryTimeoutMs = -1;
    this.o.idlePutScheduled?.();
  }

  /**
   * These partitions were revoked or lost: a put under way with records of them stops retrying, and
   * so does an empty one (it has nothing to deliver, and the rebalance does not wait for it).
   */
  revoke(partitions: readonly TopicPartition[]): void {
    const putting = this.putting;
    if (!putting || partitions.length === 0) return;
    if (putting.partitions.size === 0 || partitions.some((tp) => putting.partitions.has(key(tp))))
      putting.revoked.abort(REVOKED);
  }

  /**
   * `put` with Connect's redelivery after a RetriableError. A rebalance does not wait for the
   * retries (no heartbeats go out meanwhile, so the whole group would stall): when a partition of
   * the put is revoked or lost, its records are dropped (their offsets do not advance; the next owner
   * starts at the commit) and the rest is put again, as Connect's revocation removes a revoked
   * partition's records from its pending batch. An empty batch is put too, as Connect's
   * deliverMessages puts every poll's batch (an idle task's poll returns nothing), and retried
   * alike. True once put; false when the task's stop ended the redelivery (the records were not
   * delivered).
   */
  async put(
    records: readonly SinkRecord[],
    heartbeat: () => Promise<void>,
    owned: (record: SinkRecord) => boolean,
  ): Promise<boolean> {
    // This put is the poll's outcome: the idle put a timeout scheduled is not needed any more.
    this.idlePutAt = undefined;
    let pending = records;
    for (;;) {
      const revoked = new AbortController();
      this.putting = { partitions: new Set(pending.map((r) => key(this.o.origin(r)!))), revoked };
      const failed = this.o.failedSignal?.();
      const signals = [this.o.stopSignal(), revoked.signal];
      try {
        await this.putWithRetry(pending, heartbeat, AbortSignal.any(failed ? [failed, ...signals] : signals));
        this.putting = undefined;
        this.scheduleIdlePut();
        return true;
      } catch (error) {
        if (failed?.aborted && error === failed.reason) throw error;
        if (error === this.o.stopSignal().reason) return false;
        if (error !== REVOKED) throw error;
        if (pending.length === 0) return true; // an empty batch's redelivery ends with the rebalance
        const kept = pending.filter(owned);
        this.o.log.info(`Dropping ${pending.length - kept.length} records of revoked partitions before redelivery`);
        pending = kept;
        if (pending.length === 0) return true;
      } finally {
        this.putting = undefined;
      }
    }
  }

  /**
   * Connect's redelivery (WorkerSinkTask's poll loop while `pausedForRedelivery`): after a
   * RetriableError the worker commits what is due (or requested), then waits until the next commit
   * falls due (offset.flush.interval.ms), cut short by the task's `context.timeout(ms)` when it set
   * one (> 0; used once, as each poll resets it), and puts the same records again. Heartbeats go
   * out during the wait, so a long one does not cost the group membership.
   */
  private async putWithRetry(
    records: readonly SinkRecord[],
    heartbeat: () => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    for (;;) {
      // The poll that fetched (or redelivers) these records consumed any earlier context.timeout.
      this.putRetryTimeoutMs = -1;
      const started = monotonicNow(this.o.clock);
      try {
        await this.o.task.put(records);
        this.o.metrics.put(records.length, wholeMsSince(this.o.clock, started));
        return;
      } catch (error) {
        // A put that fails for good as the task is told to stop is that failure, not the stop.
        if (!isRetriable(error)) throw error;
        if (signal.aborted) throw signal.reason;
        await this.o.commitIfDue?.();
        const untilCommit = Math.max(0, this.o.nextCommitInMs?.() ?? 0);
        const timeout = this.putRetryTimeoutMs;
        this.putRetryTimeoutMs = -1;
        const delay = timeout > 0 ? Math.min(timeout, untilCommit) : untilCommit;
        this.o.log.warn(
          `RetriableException from SinkTask ${taskIdString(this.o.id)}; redelivering ${records.length} records in ${delay} ms`,
          error,
        );
        await this.wait(delay, heartbeat, signal);
        if (signal.aborted) throw signal.reason;
      }
    }
  }

  /** Waits `ms` (ended by `signal`), heartbeating every HEARTBEAT_EVERY_MS and once before the redelivery. */
  private async wait(ms: number, heartbeat: () => Promise<void>, signal: AbortSignal): Promise<void> {
    const until = monotonicNow(this.o.clock) + ms;
    for (;;) {
      const left = until - monotonicNow(this.o.clock);
      if (left > 0) await this.o.clock.sleep(Math.min(left, HEARTBEAT_EVERY_MS), signal);
      if (signal.aborted) return;
      await heartbeat().catch(() => undefined);
      if (left <= HEARTBEAT_EVERY_MS) return;
    }
  }
}
