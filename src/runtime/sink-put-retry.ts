/**
 * SinkPutRetry: how a WorkerSinkTask calls its SinkTask's `put`, with Connect's redelivery after a
 * RetriableError (after the backoff the task set with `context.timeout`, else PUT_BACKOFF). A
 * revocation of one of the put's partitions (WorkerSinkTask calls `revoke`) ends the retry at once:
 * those records are dropped and the rest is put again. The task's stop ends it too (unless the put
 * failed for good: that failure is thrown). Called from the sink task's serial executor.
 */
import type { SinkTask } from "../api/connector.ts";
import { partitionMapKey as key, type SinkRecord, type TopicPartition } from "../api/record.ts";
import { isRetriable } from "../errors.ts";
import type { ConsumedRecord } from "../kafka/kafka-port.ts";
import { type BackoffPolicy, retry } from "../util/backoff.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";
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
  /** The consumed record behind a record handed to `put` (its partition). */
  readonly origin: (record: SinkRecord) => ConsumedRecord | undefined;
  /**
   * Runs before each redelivery, after the backoff: the worker commits what is due meanwhile (what
   * was put before), as Connect's poll loop commits between redeliveries.
   */
  readonly beforeRedelivery?: () => Promise<void>;
}

/** Redelivery after a RetriableException from `put`, unless the task set `context.timeout`. */
const PUT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000 };
/** The reason a put's retry is given up: one of its partitions was revoked or lost meanwhile. */
const REVOKED = Symbol("revoked");

export class SinkPutRetry {
  /** The put under way: a revocation of one of its partitions ends its retry backoff at once. */
  private putting: { readonly partitions: ReadonlySet<string>; readonly revoked: AbortController } | undefined;
  private putRetryTimeoutMs = -1;

  constructor(private readonly o: SinkPutRetryOptions) {}

  /** The task's `context.timeout(ms)`. */
  setTimeout(ms: number): void {
    this.putRetryTimeoutMs = ms;
  }

  /** These partitions were revoked or lost: a put under way with records of them stops retrying. */
  revoke(partitions: readonly TopicPartition[]): void {
    const putting = this.putting;
    if (putting && partitions.some((tp) => putting.partitions.has(key(tp)))) putting.revoked.abort(REVOKED);
  }

  /**
   * `put` with Connect's redelivery after a RetriableError. A rebalance does not wait for the
   * retries (no heartbeats go out meanwhile, so the whole group would stall): when a partition of
   * the put is revoked or lost, its records are dropped (their offsets do not advance; the next owner
   * starts at the commit) and the rest is put again, as Connect's revocation removes a revoked
   * partition's records from its pending batch. True once put; false when the task's stop ended
   * the redelivery (the records were not delivered).
   */
  async put(
    records: readonly SinkRecord[],
    heartbeat: () => Promise<void>,
    owned: (record: SinkRecord) => boolean,
  ): Promise<boolean> {
    let pending = records;
    while (pending.length > 0) {
      const revoked = new AbortController();
      this.putting = { partitions: new Set(pending.map((r) => key(this.o.origin(r)!))), revoked };
      try {
        await this.putWithRetry(pending, heartbeat, AbortSignal.any([this.o.stopSignal(), revoked.signal]));
        return true;
      } catch (error) {
        if (error === this.o.stopSignal().reason) return false;
        if (error !== REVOKED) throw error;
        const kept = pending.filter(owned);
        this.o.log.info(`Dropping ${pending.length - kept.length} records of revoked partitions before redelivery`);
        pending = kept;
      } finally {
        this.putting = undefined;
      }
    }
    return true;
  }

  private async putWithRetry(
    records: readonly SinkRecord[],
    heartbeat: () => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    // A put that fails for good as the task is told to stop is that failure, not the stop (the
    // retry loop answers every failure after an abort with the abort's reason).
    let failure: unknown;
    await retry(
      async (attempt) => {
        if (attempt > 0) {
          await heartbeat().catch(() => undefined);
          await this.o.beforeRedelivery?.();
        }
        const started = monotonicNow(this.o.clock);
        try {
          await this.o.task.put(records);
        } catch (error) {
          failure = error;
          throw error;
        }
        this.o.metrics.put(records.length, monotonicNow(this.o.clock) - started);
      },
      {
        policy: PUT_BACKOFF,
        maxAttempts: Number.POSITIVE_INFINITY,
        clock: this.o.clock,
        signal,
        // The task's context.timeout(ms), when set, replaces the backoff (Connect's behaviour).
        classify: (error) => ({
          retriable: isRetriable(error),
          delayMs: this.putRetryTimeoutMs >= 0 ? this.putRetryTimeoutMs : undefined,
        }),
        onRetry: (error, _attempt, delay) =>
          this.o.log.warn(
            `RetriableException from SinkTask ${taskIdString(this.o.id)}; redelivering ${records.length} records in ${delay} ms`,
            error,
          ),
      },
    ).catch((error) => {
      throw error === signal.reason && failure !== undefined && !isRetriable(failure) ? failure : error;
    });
  }
}
