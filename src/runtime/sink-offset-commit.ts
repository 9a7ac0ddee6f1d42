/**
 * SinkOffsetCommit: one sink task's commits to its consumer group, as they go out and come back
 * (Connect's WorkerSinkTask doCommitAsync, onCommitCompleted and the "Commit of offsets timed out"
 * check). SinkOffsets decides what to commit and calls it from the task's serial executor; `lose`
 * comes from the consumer's callback.
 *
 * A commit is waited for until the group answers, for at most offset.flush.timeout.ms when given:
 * then it is given up (TIMED_OUT), but the client still runs it (its retries), and Kafka applies
 * commits in arrival order, so one sent meanwhile could land first and the given-up one move the
 * group's offsets back after it. `running` says such a commit has not settled yet; `settled` waits
 * for it, and `givenUpSettled` hears when it did (the task's loop, whose commit waits for it). Its
 * outcome is not counted either way (the next commit sends the same offsets).
 *
 * Failures (a commit that threw or timed out) are logged within the outage log budget: while Kafka
 * is unreachable they recur every interval.
 */
import type { TopicPartitionOffset } from "../api/record.ts";
import { messageOf, RetriableError } from "../errors.ts";
import type { KafkaConsumer } from "../kafka/kafka-port.ts";
import { deferred } from "../util/async.ts";
import { type Clock, wholeMsSince } from "../util/clock.ts";
import { FailureLogBudget, notLoggedNote } from "../util/failure-log-budget.ts";
import type { Logger } from "../util/logger.ts";
import type { TaskMetrics } from "./task-metrics.ts";

/** The group did not answer a commit within offset.flush.timeout.ms. */
export const TIMED_OUT = Symbol("timed out");

/** Offsets as Connect logs a commit's map: `{topic-0=5, topic-1=7}`. */
const offsetMap = (offsets: readonly TopicPartitionOffset[]) =>
  `{${offsets.map((o) => `${o.topic}-${o.partition}=${o.offset}`).join(", ")}}`;

export class SinkOffsetCommit {
  /** Set while a commit is awaited: `lose` makes it stop waiting. */
  private abandon: (() => void) | undefined;
  /**
   * The commit sent last, until the client settles it (never rejects): past the executor's wait only when it was
   * given up (offset.flush.timeout.ms, or `lose`) while the client still runs it.
   */
  private inFlight: Promise<void> | undefined;
  /** Failing commits logged, until one succeeds. */
  private readonly failures: FailureLogBudget;

  constructor(
    private readonly o: {
      readonly metrics: TaskMetrics;
      readonly log: Logger;
      readonly clock: Clock;
      /** A commit given up (offset.flush.timeout.ms, or `lose`) settled in the client. */
      readonly givenUpSettled?: () => void;
    },
  ) {
    this.failures = new FailureLogBudget(o.clock);
  }

  /** A commit given up is still run by the client. */
  get running(): boolean {
    return this.inFlight !== undefined;
  }

  /** Once a given-up commit settled (at once without one); rejects when `lose` comes meanwhile. */
  async settled(): Promise<void> {
    if (this.inFlight) await this.answerOf(this.inFlight);
  }

  /**
   * Sends `offsets` through `consumer` and waits for the group's answer: rejects with the commit's
   * error, or when `lose` comes meanwhile; TIMED_OUT after `timeoutMs` from now.
   */
  async send(
    consumer: KafkaConsumer,
    offsets: readonly TopicPartitionOffset[],
    timeoutMs?: number,
  ): Promise<typeof TIMED_OUT | undefined> {
    const sent = consumer.commit(offsets);
    let awaited = true;
    const settled = () => {
      this.inFlight = undefined;
      if (!awaited) this.o.givenUpSettled?.();
    };
    this.inFlight = sent.then(settled, settled);
    try {
      return await this.answerOf(sent, timeoutMs);
    } finally {
      awaited = false;
    }
  }

  /** The task's partitions were lost: a commit awaited is not waited for any more (it rejects). */
  lose(): void {
    this.abandon?.();
  }

  private async answerOf(commit: Promise<void>, timeoutMs?: number): Promise<typeof TIMED_OUT | undefined> {
    const abandoned = deferred<typeof TIMED_OUT>();
    this.abandon = () =>
      abandoned.reject(new RetriableError("Partitions were lost while the offsets were being committed"));
    const timer = new AbortController();
    if (timeoutMs !== undefined)
      void this.o.clock.sleep(Math.max(0, timeoutMs), timer.signal).then(() => {
        if (!timer.signal.aborted) abandoned.resolve(TIMED_OUT);
      });
    try {
      return (await Promise.race([commit, abandoned.promise])) === TIMED_OUT ? TIMED_OUT : undefined;
    } finally {
      this.abandon = undefined;
      timer.abort();
    }
  }

  /** Connect's commitSeqno as offset-commit-seq-no shows it: the commits made so far, this one included. */
  private get sequenceNumber(): number {
    return this.o.metrics.offsetCommitSuccess + this.o.metrics.offsetCommitFailure;
  }

  /**
   * Connect's ERROR for a commit that threw, each interval while Kafka is unreachable: within the outage log budget,
   * the first five with their trace, then one line a minute saying how many were not logged.
   */
  threw(offsets: readonly TopicPartitionOffset[], error: unknown): void {
    const admitted = this.failures.admit();
    if (admitted === undefined) return;
    const message = `Commit of offsets threw an unexpected exception for sequence number ${this.sequenceNumber}: ${offsetMap(offsets)}`;
    if (!admitted.thinned) this.o.log.error(message, error);
    else this.o.log.error(`${message}${notLoggedNote(admitted.unlogged, "commit")}: ${messageOf(error)}`);
  }

  /** Connect's WARN for a commit given up at offset.flush.timeout.ms, within the same outage log budget. */
  timedOut(): void {
    const admitted = this.failures.admit();
    if (admitted === undefined) return;
    const note = admitted.thinned ? notLoggedNote(admitted.unlogged, "commit") : "";
    this.o.log.warn(`Commit of offsets timed out (sequence number ${this.sequenceNumber})${note}`);
  }

  /** A commit succeeded (or had nothing new to send), `started` on the monotonic clock. */
  succeeded(started: number): void {
    this.o.metrics.commitSucceeded(wholeMsSince(this.o.clock, started));
    const unlogged = this.failures.reset();
    if (unlogged > 0) this.o.log.info(`Committed offsets after retrying${notLoggedNote(unlogged, "commit")}`);
  }
}
