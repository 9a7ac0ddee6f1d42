/**
 * WorkerSourceTask: drives a SourceTask (Connect's WorkerSourceTask). Each round:
 * poll → transforms → converters → produce, without waiting for the acknowledgement: the next poll
 * runs while earlier batches are still in flight (at most `maxInFlightBatches` batches and
 * `maxInFlightBytes` bytes, from the producer's max.in.flight.requests.per.connection and
 * buffer.memory; a task that `commitsAnyOrder` gets Kafka's writes as they come, and a batch Kafka
 * wrote part of counts its bytes only: SourceAcknowledgements). Acknowledgements, the staging of source offsets and their commits are handled
 * in poll order by SourceAcknowledgements (source-acknowledgements.ts): no offset is staged past a
 * record Kafka has not acknowledged.
 *
 * Transforms and converters run on a direct path, in slices of a few ms (util/sliced.ts: a batch
 * of costly records shares the event loop with the rest of the worker); a record whose conversion
 * throws takes the error operator's. Produce requests are pipelined (SendCoalescer, as Java's
 * producer with linger.ms=0): up to max.in.flight.requests.per.connection requests (and
 * `maxInFlightBytes`) on the wire, batches converted meanwhile merged into the next request.
 * Records land in Kafka in poll order per partition: when a request fails, the producer fails every
 * later send of those partitions, is replaced (a new idempotent producer id), and the failed
 * requests are sent again oldest first.
 *
 * Kafka being unreachable never fails the task: retriable produce errors are retried with backoff
 * until they succeed or the task stops (Connect's producer uses an unbounded delivery timeout),
 * and the task is not polled for more meanwhile; a pause meanwhile makes the task PAUSED at once. A request Kafka rejects for good is sent again
 * record by record: the batches before the culprit are acknowledged, the culprit fails the task
 * (or is skipped with errors.tolerance=all; a SourceTask that `rejectsRecords` gets a per-record
 * refusal as that record's failure with its batch's acknowledgement: record-rejection.ts), and no
 * batch after a failure is sent or acknowledged to the SourceTask; a poll waiting for records
 * meanwhile is aborted, so the task fails at once (a PAUSED task too, without waiting for a
 * resume), with Connect's "Unrecoverable exception from producer send callback" over the send's
 * failure (send-callback-failure.ts).
 *
 * On stop, the requests on the wire get their attempt and are awaited (batches queued behind a
 * request that the stop cut short are not sent), and what was acknowledged is committed (from the
 * first batch given up on, per source partition up to its first record not written:
 * source-acknowledgements.ts); records never acknowledged are polled again after a restart.
 * Records dropped by a transform or skipped by `errors.tolerance=all` count as handled
 * (commitRecord with null); for a SourceTask that `rejectsRecords`, a record a transform or
 * converter fails on is rejected with its batch (errors.tolerance=all: a rejection marked
 * `skipped`; record-rejection.ts) and a send failure that
 * is not a per-record refusal fails the task whatever errors.tolerance says. The task hears of
 * records never sent (`notSent`): a poll batch whose conversion throws, records given up that
 * certainly never reached Kafka. A cancelled task hears nothing more, and sends nothing more: its producers are
 * force-closed (`onCancel`, as Connect's cancel), failing what they still held.
 */
import type { SendRetry } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import { isRetriable } from "../errors.ts";
import type { ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { abortable } from "../util/async.ts";
import { type BackoffPolicy, retry } from "../util/backoff.ts";
import { monotonicNow, wholeMsSince } from "../util/clock.ts";
import { Slicer } from "../util/sliced.ts";
import { DirectFailure } from "./errors/stage.ts";
import { toProducerRecordDirect } from "./record-conversion.ts";
import { recordBytes } from "./request-bytes.ts";
import { sendCallbackFailure } from "./send-callback-failure.ts";
import type { BatchResult } from "./send-coalescer.ts";
import { sendRetryTrace } from "./send-retry-trace.ts";
import { SourceAcknowledgements, type TrackedBatch, takesAnyOrder } from "./source-acknowledgements.ts";
import {
  closeSourceTaskResources,
  convertWithOperator,
  initializeAndStartSourceTask,
  recordsNotSent,
  sourceTaskSender,
  sourceTaskStopped,
  stopSourceTask,
  type WorkerSourceTaskOptions,
} from "./source-task-lifecycle.ts";
import type { Outgoing, SourceTaskSender } from "./source-task-sender.ts";
import type { TaskMetrics } from "./task-metrics.ts";
import { WorkerTask } from "./worker-task.ts";

const EMPTY_POLL_WAIT_MS = 50;
/** A poll failing with a RetriableException is retried, as in Connect. */
const POLL_BACKOFF: BackoffPolicy = { initialMs: EMPTY_POLL_WAIT_MS, maxMs: 10_000 };

export class WorkerSourceTask extends WorkerTask {
  /**
   * Set when a batch failed for good: `error` is what the task fails with (Connect's, over the batch's), `cause` the
   * batch's own failure, which the SourceTask hears with the records never sent (`notSent`).
   */
  private failure: { readonly error: unknown; readonly cause: unknown } | undefined;
  /** `SourceTask.start` returned. */
  private started = false;
  /** A batch's records converted and waiting for room in flight (`dispatch`), not yet queued for sending. */
  private waitingForRoom: readonly Outgoing[] | undefined;
  /**
   * Aborted when a batch fails: a poll waiting for records (batches are in flight meanwhile)
   * returns, so the task fails at once rather than at the SourceTask's next records.
   */
  private readonly failed = new AbortController();
  /** `activeSignal` or a failure: made once per active signal, not per poll. */
  private polling: { readonly active: AbortSignal; readonly signal: AbortSignal } | undefined;
  /** The produce paths: pipelined requests, producer replacement, recovery of failed requests. */
  private readonly sender: SourceTaskSender;
  /** The batches in flight, their acknowledgements in poll order, and the offsets they stage. */
  private readonly acks: SourceAcknowledgements;

  constructor(private readonly o: WorkerSourceTaskOptions) {
    super(o.id, o.initialState, o.listener, o.clock, o.log, o.operator);
    // A task that commits in any order gets Kafka's writes as they come, not behind an earlier batch's.
    const handOut = takesAnyOrder(o.task)
      ? (owner: object, indexes: Int32Array, metadata: readonly ProducedMetadata[]) =>
          this.acks.handOut(owner as TrackedBatch, indexes, metadata)
      : undefined;
    this.sender = sourceTaskSender(o, this.log, () => this.stopSignal, handOut);
    this.acks = new SourceAcknowledgements({
      options: o,
      log: this.log,
      sender: this.sender,
      cancelled: () => this.cancelled,
      started: () => this.started,
      failure: () => this.failure?.cause,
      fail: (error) => {
        this.failure = { error: sendCallbackFailure(error), cause: error };
        this.failed.abort();
        this.notify();
      },
    });
    if (o.task.rejectsRecords === true) o.operator.skipsRetriable = false;
  }

  readonly kind = "source";

  /** While a send is being retried: why Kafka does not take it and who retries it; else undefined. */
  get sendRetry(): SendRetry | undefined {
    return this.sender.sendRetry;
  }

  /**
   * Why the SourceTask, though RUNNING, does not get its records into Kafka now: its own
   * (SourceTask.degradedTrace), else, while a send is retried, why (send-retry-trace.ts); else null.
   */
  get degradedTrace(): string | null {
    const task = this.o.task;
    return task.degradedTrace ? task.degradedTrace() : sendRetryTrace(this.sender.sendRetry);
  }

  get metrics(): TaskMetrics {
    return this.o.metrics;
  }

  protected async initializeAndStart(): Promise<void> {
    await initializeAndStartSourceTask(
      this.o,
      this.log,
      this.clock,
      () => this.sendRetry,
      () => this.acks.holdUnwritten(),
      (records) => this.sender.withdraw(records, this.waitingForRoom),
    );
    this.started = true;
  }

  protected async execute(): Promise<void> {
    while (!this.stopping) {
      this.throwIfFailed();
      if (!(await this.awaitUnpaused())) break;
      // While Kafka is unreachable (a send is being retried) nothing more is taken from the task:
      // its records stay with it (an ingest request then answers 503, not an ambiguous timeout).
      // A pause ends the wait, as Connect checks shouldPause() between send retries: the task reads
      // PAUSED while the records in flight are still retried (as Java's producer retries what it holds).
      if (!this.acks.inFlight.hasRoom() || this.sender.retrying) {
        await abortable(this.acks.roomChanged(), this.activeSignal);
        await this.maybeCommitOffsets();
        continue;
      }
      const started = monotonicNow(this.clock);
      // The poll time is the answering attempt's: Connect records no poll that threw a RetriableException.
      let attemptStarted = started;
      let records: SourceRecord[] | null;
      const active = this.pollSignal();
      try {
        records = await retry(
          () => {
            attemptStarted = monotonicNow(this.clock);
            return this.o.task.poll(active);
          },
          {
            policy: POLL_BACKOFF,
            maxAttempts: Number.POSITIVE_INFINITY,
            clock: this.clock,
            signal: active,
            classify: (error) => ({ retriable: isRetriable(error) }),
            onRetry: (error) =>
              this.log.warn(`${this.o.taskClass} failed to poll records from SourceTask. Will retry operation.`, error),
          },
        );
      } catch (error) {
        if (this.stopping) break;
        if (!active.aborted) throw error;
        records = null; // paused while retrying
      }
      if (records) this.metrics.polled(records.length, wholeMsSince(this.clock, attemptStarted));
      if (records && records.length > 0) await this.dispatch(records);
      else if (monotonicNow(this.clock) - started < EMPTY_POLL_WAIT_MS) {
        // A task that answers "nothing" at once must not spin the event loop (and starve REST,
        // other tasks and signal handling): wait a little before asking again.
        await this.clock.sleep(EMPTY_POLL_WAIT_MS, this.activeSignal);
      }
      await this.maybeCommitOffsets();
    }
  }

  /** The signal a poll gets: aborts on stop, pause, or a batch failing (see `failed`). */
  private pollSignal(): AbortSignal {
    const active = this.activeSignal;
    if (this.polling?.active !== active)
      this.polling = { active, signal: AbortSignal.any([active, this.failed.signal]) };
    return this.polling.signal;
  }

  protected override throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** A stopping task leaves its offsets to the final commit (close): one attempt, one failure logged. */
  private async maybeCommitOffsets(): Promise<void> {
    if (!this.stopping) await this.acks.commitIfDue();
  }

  /** Connect commits on a timer, also while a task is paused. */
  protected override async whilePaused(): Promise<void> {
    await this.maybeCommitOffsets();
  }

  /**
   * Converts the records (in slices) and sends them; returns once the send is in flight (not
   * acknowledged). A batch given up before it is sent (a conversion threw, a stop cut the wait
   * short) is reported (recordsNotSent) and the error thrown on.
   */
  private async dispatch(records: readonly SourceRecord[]): Promise<void> {
    const outgoing: Outgoing[] = [];
    const positions = new Int32Array(records.length);
    let bytes = 0;
    let i = 0;
    const direct = this.o.transformations;
    const slicer = new Slicer();
    try {
      for (; i < records.length; i++) {
        if (slicer.tick()) await slicer.pause();
        const record = records[i]!;
        let produced: ProducerRecord | undefined;
        let transformed: SourceRecord | null | undefined;
        try {
          transformed = direct.isEmpty ? record : direct.applyDirect(record);
          produced = transformed ? toProducerRecordDirect(transformed, this.o.converters) : undefined;
        } catch (failure) {
          // The direct path's failure is the failed stage's first attempt, and the operator path
          // resumes there: every stage runs as often as in Connect (those before it once).
          const direct = failure instanceof DirectFailure ? failure : undefined;
          produced = await convertWithOperator(
            this.o,
            this.sender.rejections,
            record,
            direct,
            transformed ?? undefined,
          );
        }
        if (produced) {
          positions[i] = outgoing.length;
          outgoing.push({ record, produced });
          bytes += recordBytes(produced);
        } else positions[i] = -1;
      }
      // Converted, not yet queued for sending: the SourceTask may take them back meanwhile (withdrawUnsent).
      this.waitingForRoom = outgoing;
      while (!this.acks.inFlight.hasRoom(bytes) && !this.stopping) {
        await abortable(this.acks.roomChanged(), this.stopSignal);
      }
      this.waitingForRoom = undefined;
    } catch (error) {
      this.waitingForRoom = undefined;
      await recordsNotSent(
        this.o,
        this.sender,
        { records, positions, outgoing },
        i,
        error,
        this.log,
        this.failure?.cause,
      );
    }
    // Queued behind the request on the wire and merged into the next one (SendCoalescer): batches
    // land in Kafka in poll order, retries included, and each is acknowledged on its own. After a
    // batch failed for good or was abandoned (stopping), later batches are not sent.
    const tracked = this.acks.submit({ records, positions, outgoing });
    const sending: Promise<BatchResult> =
      outgoing.length > 0 ? this.sender.enqueue(outgoing, tracked) : Promise.resolve([]);
    this.acks.track(tracked, bytes, sending);
  }

  /**
   * Abandoned (the graceful stop timed out): as Connect's AbstractWorkerSourceTask.cancel, the producers are closed
   * at once (Java's close(Duration.ZERO)), so that a record still retried (Kafka unreachable) is not written behind
   * the back of the task that replaces this one (which gets the records again: an ingest retry, spooled rows, a
   * source offset never committed). Their sends fail now, so `close` ends promptly. The dead letter queue's producer
   * is not: Connect's cancel leaves it too (WorkerTask.cancel only stops the retries; DeadLetterQueueReporter.close,
   * graceful, runs when the task's run ends).
   */
  protected override onCancel(): void {
    this.sender.forceClose();
  }

  /**
   * As Connect: the SourceTask's stop first, then batches in flight are awaited (their retries end
   * with the stop) and what Kafka acknowledged is passed to commitRecord(s); only then is the task
   * told (`afterStop`) that the rest never will be. Offsets staged so far belong to acknowledged
   * records: committing them is safe even after a failure.
   */
  protected async close(): Promise<void> {
    await stopSourceTask(this.o.task, this.log);
    await this.acks.drain();
    await sourceTaskStopped(this.o.task, this.log);
    await this.acks.commitOffsets();
    await closeSourceTaskResources(this.o, this.sender, this.log);
  }
}
