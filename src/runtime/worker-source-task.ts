/**
 * WorkerSourceTask: drives a SourceTask (Connect's WorkerSourceTask). Each round:
 * poll → transforms → converters → produce, without waiting for the acknowledgement: the next poll
 * runs while earlier batches are still in flight (at most `maxInFlightBatches` batches and
 * `maxInFlightBytes` bytes, from the producer's max.in.flight.requests.per.connection and
 * buffer.memory). Acknowledgements are handled strictly in poll order (InFlightBatches): for each
 * acknowledged batch, commitRecord (or commitRecords, once per batch) and then the last source
 * offset per source partition is staged. An offset is therefore never staged, let alone committed,
 * past a record Kafka has not acknowledged, whatever order the acknowledgements arrive in. Staged
 * offsets are written to SQLite every `offset.flush.interval.ms` and on stop.
 *
 * Transforms and converters run on a direct path, in slices of a few ms (util/sliced.ts: a batch of costly records shares the
 * event loop with the rest of the worker); a record whose conversion throws takes the error operator's. Produce requests are pipelined
 * (SendCoalescer, as Java's producer with linger.ms=0): up to max.in.flight.requests.per.connection requests (and `maxInFlightBytes`)
 * on the wire, batches converted meanwhile merged into the next request. Records land in Kafka in poll order per partition: when a
 * request fails, the producer fails every later send of those partitions, is replaced (a new idempotent producer id), and the failed requests are sent again oldest first.
 *
 * Kafka being unreachable never fails the task: retriable produce errors are retried with backoff
 * until they succeed or the task stops (Connect's producer uses an unbounded delivery timeout),
 * and the task is not polled for more meanwhile. A request Kafka rejects for good is sent again
 * record by record: the batches before the culprit are acknowledged, the culprit fails the task
 * (or is skipped with errors.tolerance=all; a SourceTask that `rejectsRecords` gets a per-record
 * refusal as that record's failure with its batch's acknowledgement: record-rejection.ts), and no batch after a failure is sent or acknowledged
 * to the SourceTask; a poll waiting for records meanwhile is aborted, so the task fails at once (a PAUSED task too, without waiting for a resume). On stop, the requests on the wire get their attempt and are awaited (batches
 * queued behind a request that the stop cut short are not sent), and what was acknowledged is
 * committed; records never acknowledged are polled again after a restart. Records dropped by a transform or skipped by `errors.tolerance=all` count as
 * handled (commitRecord with null); for a SourceTask that `rejectsRecords`, a record a transform or converter fails on
 * is rejected with its batch (errors.tolerance=all: a rejection marked `skipped`; record-rejection.ts) and a send failure that is not a per-record
 * refusal fails the task whatever errors.tolerance says. The task hears of records never sent (`notSent`): a poll batch
 * whose conversion throws, records given up that certainly never reached Kafka. A cancelled task hears nothing more.
 */
import type { SourceRecord } from "../api/record.ts";
import { isRetriable } from "../errors.ts";
import type { ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { abortable } from "../util/async.ts";
import { type BackoffPolicy, retry } from "../util/backoff.ts";
import { monotonicNow } from "../util/clock.ts";
import { Slicer } from "../util/sliced.ts";
import { ActiveTopics } from "./active-topics.ts";
import { InFlightBatches } from "./in-flight-batches.ts";
import { toProducerRecordDirect } from "./record-conversion.ts";
import { commitSourceRecords } from "./record-rejection.ts";
import { type BatchResult, recordBytes } from "./send-coalescer.ts";
import { type StagedOffsets, stageOffsets, updateStagedOffsets } from "./source-offset-staging.ts";
import {
  batchNotSent,
  closeSourceTaskResources,
  convertWithOperator,
  initializeAndStartSourceTask,
  type PollBatch,
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
  private readonly staged: StagedOffsets = new Map();
  private lastFlush: number;
  private readonly activeTopics: ActiveTopics;
  private readonly inFlight: InFlightBatches<PollBatch, BatchResult>;
  /** Acknowledgements are handled one batch at a time, in poll order. */
  private acknowledging: Promise<void> = Promise.resolve();
  /** Set once a batch failed or was abandoned: nothing after it is ever acknowledged. */
  private halted = false;
  private failure: { error: unknown } | undefined;
  /** `SourceTask.start` returned. */
  private started = false;
  /**
   * Aborted when a batch fails: a poll waiting for records (batches are in flight meanwhile)
   * returns, so the task fails at once rather than at the SourceTask's next records.
   */
  private readonly failed = new AbortController();
  /** `activeSignal` or a failure: made once per active signal, not per poll. */
  private polling: { readonly active: AbortSignal; readonly signal: AbortSignal } | undefined;
  /** The produce paths: pipelined requests, producer replacement, recovery of failed requests. */
  private readonly sender: SourceTaskSender;

  constructor(private readonly o: WorkerSourceTaskOptions) {
    super(o.id, o.initialState, o.listener, o.clock, o.log, o.operator);
    this.lastFlush = monotonicNow(o.clock);
    this.activeTopics = new ActiveTopics(o.onTopic);
    this.inFlight = new InFlightBatches(o.maxInFlightBatches ?? 5, o.maxInFlightBytes ?? 33_554_432);
    this.sender = sourceTaskSender(o, this.log, () => this.stopSignal);
    if (o.task.rejectsRecords === true) o.operator.skipsRetriable = false;
  }

  readonly kind = "source";

  get metrics(): TaskMetrics {
    return this.o.metrics;
  }

  protected async initializeAndStart(): Promise<void> {
    await initializeAndStartSourceTask(this.o, this.log, this.clock);
    this.started = true;
  }

  protected async execute(): Promise<void> {
    while (!this.stopping) {
      this.throwIfFailed();
      if (!(await this.awaitUnpaused())) break;
      // While Kafka is unreachable (a send is being retried) nothing more is taken from the task:
      // its records stay with it (an ingest request then answers 503, not an ambiguous timeout).
      if (!this.inFlight.hasRoom() || this.sender.retrying) {
        await abortable(this.oldestAcknowledged(), this.stopSignal);
        await this.maybeCommitOffsets();
        continue;
      }
      const started = monotonicNow(this.clock);
      let records: SourceRecord[] | null;
      const active = this.pollSignal();
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
      if (records) this.metrics.polled(records.length, monotonicNow(this.clock) - started);
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

  /**
   * Resolves once the oldest batch in flight has settled and been handled (out of `inFlight`): on its
   * settlement alone the loop would spin on a resolved promise until the acknowledgements get there.
   */
  private oldestAcknowledged(): Promise<void> {
    return this.inFlight.oldestSettled().then(() => this.acknowledging);
  }

  protected override throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** A stopping task leaves its offsets to the final commit (close): one attempt, one failure logged. */
  private async maybeCommitOffsets(): Promise<void> {
    if (this.stopping) return;
    if (monotonicNow(this.clock) - this.lastFlush >= this.o.offsetFlushIntervalMs) await this.commitOffsets();
  }

  /** Connect commits on a timer, also while a task is paused. */
  protected override async whilePaused(): Promise<void> {
    await this.maybeCommitOffsets();
  }

  /** Converts the records (in slices) and sends them; returns once the send is in flight (not acknowledged). A batch given up
   * before it is sent (a conversion threw, a stop cut the wait short) is reported (recordsNotSent) and the error thrown on. */
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
        try {
          const transformed = direct.isEmpty ? record : direct.applyDirect(record);
          produced = transformed ? toProducerRecordDirect(transformed, this.o.converters) : undefined;
        } catch {
          produced = await convertWithOperator(this.o, this.sender.rejections, record);
        }
        if (produced) {
          positions[i] = outgoing.length;
          outgoing.push({ record, produced });
          bytes += recordBytes(produced);
        } else positions[i] = -1;
      }
      while (!this.inFlight.hasRoom(bytes) && !this.stopping) {
        await abortable(this.oldestAcknowledged(), this.stopSignal);
      }
    } catch (error) {
      await recordsNotSent(this.o.task, this.sender, records, positions, i, error, this.log, this.failure?.error);
    }
    // Queued behind the request on the wire and merged into the next one (SendCoalescer): batches
    // land in Kafka in poll order, retries included, and each is acknowledged on its own. After a
    // batch failed for good or was abandoned (stopping), later batches are not sent.
    const sending: Promise<BatchResult> = outgoing.length > 0 ? this.sender.enqueue(outgoing) : Promise.resolve([]);
    this.inFlight.submit({ records, positions, outgoing }, bytes, sending);
    const acknowledge = () => {
      this.acknowledging = this.acknowledging.then(() => this.acknowledgeSettled());
    };
    sending.then(acknowledge, acknowledge);
  }

  /** Handles the settled batches at the front of the queue, in poll order. Never throws. */
  private async acknowledgeSettled(): Promise<void> {
    for (const { payload, outcome } of this.inFlight.takeSettled()) {
      if (this.cancelled) continue; // abandoned: nothing more reaches the task (Connect)
      // Failed for good, its rest perhaps never sent (NotSent.failure): the task fails.
      const failed = outcome.ok ? (Array.isArray(outcome.value) ? undefined : outcome.value?.failure) : outcome;
      if (failed && !this.halted) {
        this.failure = { error: failed.error };
        this.failed.abort();
        this.notify();
      }
      if (!outcome.ok) this.halted = true;
      else if (!Array.isArray(outcome.value)) {
        // Given up (stopping, or after a failure): nothing from here on is committed; what never reached Kafka is told.
        this.halted = true;
        // Given up because of the task's failure, if it failed: the SourceTask hears which.
        const { value } = outcome;
        const why = value?.failure?.error ?? this.failure?.error;
        if (value) await batchNotSent(this.o.task, this.sender, payload, value.from, this.log, why);
      } else if (!this.halted) await this.acknowledge(payload, outcome.value);
    }
  }

  private async acknowledge(batch: PollBatch, metadata: readonly (ProducedMetadata | null)[]): Promise<void> {
    const { records, positions, outgoing } = batch;
    this.activeTopics.acknowledged(outgoing, metadata);
    await commitSourceRecords(this.o.task, records, positions, metadata, this.sender.rejections, this.log);
    // Written: acknowledged by Kafka (a record refused and tolerated has no metadata, as Connect's skipRecord).
    this.metrics.wrote(
      records.length,
      metadata.reduce((n, m) => (m ? n + 1 : n), 0),
    );
    stageOffsets(this.staged, records);
  }

  private async commitOffsets(): Promise<void> {
    this.lastFlush = monotonicNow(this.clock);
    if (this.cancelled) return;
    // A task whose start failed, or that was stopped before it started, polled nothing and is not
    // asked (as Connect, which makes no final offset commit for it).
    if (!this.started) return;
    updateStagedOffsets(this.o.task, this.staged, this.log);
    const started = monotonicNow(this.clock);
    // As Connect, a commit with nothing new (an idle task) is a success and calls SourceTask.commit().
    if (this.staged.size > 0) {
      try {
        this.o.offsets.write(this.id.connector, [...this.staged.values()]);
        this.staged.clear();
      } catch (error) {
        this.metrics.commitFailed();
        // Connect's words when its offset store fails a flush (the offsets are kept for the next attempt).
        this.log.error("Failed to flush offsets to storage", error);
        return;
      }
    }
    this.metrics.commitSucceeded(monotonicNow(this.clock) - started);
    try {
      await this.o.task.commit?.();
    } catch (error) {
      this.log.warn("SourceTask.commit() failed", error);
    }
  }

  /**
   * As Connect: the SourceTask's stop first, then batches in flight are awaited (their retries end
   * with the stop) and what Kafka acknowledged is passed to commitRecord(s); only then is the task
   * told (`afterStop`) that the rest never will be. Offsets staged so far belong to acknowledged
   * records: committing them is safe even after a failure.
   */
  protected async close(): Promise<void> {
    await stopSourceTask(this.o.task, this.log);
    await this.inFlight.allSettled();
    await this.acknowledging;
    await this.acknowledgeSettled();
    await sourceTaskStopped(this.o.task, this.log);
    await this.commitOffsets();
    await closeSourceTaskResources(this.o, this.sender, this.log);
  }
}
