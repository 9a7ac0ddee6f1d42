/**
 * SourceAcknowledgements: the acknowledgement side of a WorkerSourceTask (worker-source-task.ts).
 * The batches a task sent are tracked in poll order (InFlightBatches, at most `maxInFlightBatches`
 * batches and `maxInFlightBytes` bytes), and their acknowledgements are handled strictly in that
 * order, whatever order they arrive in: for each acknowledged batch, commitRecord (or
 * commitRecords, once per batch), then its source offsets are acknowledged. A task that
 * `commitsAnyOrder` (or commits nothing) gets the records Kafka wrote ahead of their batch's turn
 * (`handOut`, on the same chain), each once: such a batch then counts against buffer.memory only, not
 * the batch count; it commits only the rest when it settles; given up, it never commits them again
 * nor says them not sent; and its offsets still move only when it settles. Offsets are staged per
 * source partition up to its acknowledged prefix (SubmittedOffsets, filled at dispatch): an offset is
 * never staged, let alone committed, past a record of its source partition Kafka has not
 * acknowledged. Staged offsets are written to SQLite every `offset.flush.interval.ms` and on stop.
 *
 * A batch that failed for good fails the task (`fail`), and no batch after it, nor after a batch
 * given up (the task stopping), is acknowledged to the SourceTask; the task hears which records
 * never reached Kafka (`notSent`). From that first batch failed or given up on, each batch's offsets
 * are acknowledged per source partition, as Connect's SubmittedRecords commits each partition's
 * acknowledged prefix, also in the final commit of a failed task: a partition's records with nothing
 * left to write (written, dropped, or refused for good and skipped) are acknowledged until one of its
 * records not written, or perhaps written, ends that partition's prefix for good; the other
 * partitions go on. A cancelled task hears nothing more.
 *
 * A batch Kafka acknowledged stays the task's to answer until its commitRecord(s) returned (it may wait behind an
 * earlier batch's): the stop's hold of a send that wrote nothing (`holdUnwritten`) is refused meanwhile.
 */
import type { SourceRecord } from "../api/record.ts";
import type { ProducedMetadata } from "../kafka/kafka-port.ts";
import { monotonicNow, wholeMsSince } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { ActiveTopics } from "./active-topics.ts";
import { type BatchOutcome, InFlightBatches, type SettledBatch } from "./in-flight-batches.ts";
import { commitSourceRecords } from "./record-rejection.ts";
import type { BatchResult } from "./send-coalescer.ts";
import { type StagedOffsets, updateStagedOffsets } from "./source-offset-staging.ts";
import {
  batchNotSent,
  givenUpFate,
  nothingLeftToWrite,
  type PollBatch,
  type WorkerSourceTaskOptions,
} from "./source-task-lifecycle.ts";
import type { Outgoing, SourceTaskSender } from "./source-task-sender.ts";
import { type SubmittedBatch, SubmittedOffsets } from "./submitted-offsets.ts";

export interface SourceAcknowledgementsDeps {
  readonly options: WorkerSourceTaskOptions;
  readonly log: Logger;
  readonly sender: SourceTaskSender;
  /** The task was abandoned: nothing more reaches the SourceTask (Connect). */
  readonly cancelled: () => boolean;
  /** `SourceTask.start` returned. */
  readonly started: () => boolean;
  /** The error the task failed with, if it failed. */
  readonly failure: () => unknown;
  /** Fails the task with this error (a batch failed for good). */
  readonly fail: (error: unknown) => void;
}

/** A poll batch in flight, with its source offsets' ranges. */
export interface TrackedBatch {
  readonly batch: PollBatch;
  readonly offsets: SubmittedBatch;
  /** By index in `batch.outgoing`: 1 once the record was handed to the task before its batch settled (`handOut`). */
  handed: Uint8Array | undefined;
}

export class SourceAcknowledgements {
  readonly inFlight: InFlightBatches<TrackedBatch, BatchResult>;
  private readonly submitted = new SubmittedOffsets();
  private readonly staged: StagedOffsets = new Map();
  private readonly activeTopics: ActiveTopics;
  private lastFlush: number;
  /** Acknowledgements are handled one batch at a time, in poll order. */
  private acknowledging: Promise<void> = Promise.resolve();
  /** Batches taken out of `inFlight`, settled, in poll order: each until it is handled (`acknowledgeSettled`). */
  private readonly taken: SettledBatch<TrackedBatch, BatchResult>[] = [];
  /** Set once a batch failed or was abandoned: nothing after it is ever acknowledged. */
  private halted = false;

  constructor(private readonly d: SourceAcknowledgementsDeps) {
    const o = d.options;
    this.lastFlush = monotonicNow(o.clock);
    this.activeTopics = o.activeTopics;
    // A batch Kafka wrote part of (handed out) no longer counts against max.in.flight batches, only its bytes against
    // buffer.memory: a partition that holds a record does not stop the polling, while an outage (nothing written) still
    // does after max.in.flight batches (an ingest request then answers 503, nothing written).
    this.inFlight = new InFlightBatches(
      o.maxInFlightBatches ?? 5,
      o.maxInFlightBytes ?? 33_554_432,
      (tracked) => tracked.handed === undefined,
    );
  }

  /** A poll batch about to be sent: its source offsets submitted; `track` it with its send. */
  submit(batch: PollBatch): TrackedBatch {
    return { batch, offsets: this.submitted.submit(batch.records), handed: undefined };
  }

  /** A batch whose send is under way (`sending`): acknowledged in poll order once it settles. */
  track(tracked: TrackedBatch, bytes: number, sending: Promise<BatchResult>): void {
    this.inFlight.submit(tracked, bytes, sending);
    const acknowledge = () => {
      this.acknowledging = this.acknowledging.then(() => this.acknowledgeSettled());
    };
    sending.then(acknowledge, acknowledge);
  }

  /**
   * Resolves once the oldest batch in flight has settled and been handled (out of `inFlight`): on
   * its settlement alone the loop would spin on a resolved promise until the acknowledgements get there.
   */
  oldestAcknowledged(): Promise<void> {
    return this.inFlight.oldestSettled().then(() => this.acknowledging);
  }

  /**
   * Resolves once there may be room for another batch: the oldest batch acknowledged, or a later one that Kafka wrote
   * part of no longer counting against max.in.flight (`handOut`) while the oldest is still held.
   */
  roomChanged(): Promise<void> {
    return new Promise((resolve) => {
      const forget = this.inFlight.onRoomFreed(resolve);
      void this.oldestAcknowledged().then(() => {
        forget();
        resolve();
      });
    });
  }

  /** Every batch in flight settled and handled (the task stops). */
  async drain(): Promise<void> {
    await this.inFlight.allSettled();
    this.acknowledging = this.acknowledging.then(() => this.acknowledgeSettled());
    await this.acknowledging;
  }

  /**
   * Records of `tracked` Kafka wrote before the batch settled (SendCoalescer's `handOut`, for a task that
   * `commitsAnyOrder`): committed to the task now, each once, on the same chain as whole batches. Its source offsets
   * wait for the batch: they move at batch boundaries only, once it settles in poll order.
   */
  handOut(tracked: TrackedBatch, indexes: Int32Array, metadata: readonly ProducedMetadata[]): void {
    if (this.d.cancelled()) return;
    const outgoing = tracked.batch.outgoing;
    if (tracked.handed === undefined) {
      tracked.handed = new Uint8Array(outgoing.length);
      this.inFlight.uncount();
    }
    const handed = tracked.handed;
    const fresh: Outgoing[] = [];
    const written: ProducedMetadata[] = [];
    for (let k = 0; k < indexes.length; k++) {
      const at = indexes[k]!;
      if (handed[at] === 1) continue;
      handed[at] = 1;
      fresh.push(outgoing[at]!);
      written.push(metadata[k]!);
    }
    if (fresh.length === 0) return;
    this.acknowledging = this.acknowledging.then(async () => {
      if (this.d.cancelled()) return;
      // The chain never rejects (every later acknowledgement waits on it): a throw here is logged, not kept.
      try {
        await this.commitWritten(fresh, written);
      } catch (error) {
        this.d.log.error("Failed to acknowledge records Kafka wrote ahead of their batch", error);
      }
    });
  }

  /** Records Kafka wrote, committed to the task ahead of the rest of their batch. */
  private async commitWritten(outgoing: readonly Outgoing[], metadata: readonly ProducedMetadata[]): Promise<void> {
    const o = this.d.options;
    this.activeTopics.acknowledged(outgoing, metadata);
    const records = outgoing.map((r) => r.record);
    const positions = Int32Array.from(records, (_, i) => i);
    await commitSourceRecords(o.task, records, positions, metadata, this.d.sender.rejections, this.d.log, true);
    o.metrics.wrote(records.length, records.length);
  }

  /**
   * SourceTaskContext.holdUnwrittenSend: holds the send being retried (SourceTaskSender.holdUnwritten) only when, as
   * well, Kafka wrote no record of a batch settled and not yet handed to the task's commitRecord(s): one waiting its
   * turn behind an earlier batch's commitRecords, or being handed now. Its records are still the task's to answer, and
   * written. A record handed out ahead of its unsettled batch (`handOut`) needs no check here: its request (failed
   * listing it written, or answered) or its batch's metadata is still the sender's, so the sender refuses. True when
   * it held.
   */
  holdUnwritten(): boolean {
    if (this.taken.some(({ outcome }) => mayBeWritten(outcome)) || this.inFlight.anySettled(mayBeWritten)) return false;
    return this.d.sender.holdUnwritten();
  }

  /**
   * Handles the settled batches at the front of the queue, in poll order, each kept in `taken` until it is handled.
   * Never throws.
   */
  private async acknowledgeSettled(): Promise<void> {
    this.taken.push(...this.inFlight.takeSettled());
    for (let next = this.taken[0]; next; next = this.taken[0]) {
      try {
        await this.handle(next.payload, next.outcome);
      } finally {
        this.taken.shift();
        this.d.sender.forget(next.payload.batch.outgoing);
      }
    }
  }

  private async handle(
    { batch: payload, offsets, handed }: TrackedBatch,
    outcome: BatchOutcome<BatchResult>,
  ): Promise<void> {
    const o = this.d.options;
    if (this.d.cancelled()) return; // abandoned: nothing more reaches the task (Connect)
    // Failed for good (rejected, or NotSent.failure: some records known written or certainly not, the others perhaps
    // written): the task fails.
    const failed = outcome.ok ? (Array.isArray(outcome.value) ? undefined : outcome.value?.failure) : outcome;
    if (failed && !this.halted) this.d.fail(failed.error);
    const value = outcome.ok ? outcome.value : undefined;
    if (Array.isArray(value)) {
      if (!this.halted) await this.acknowledge(handed ? unhanded(payload, handed) : payload, offsets, value);
      else await this.acknowledgeAfterHalt(payload, offsets);
      return;
    }
    // Failed or given up (stopping, or after a failure): no later batch is committed to the task. From the first such
    // batch on (every batch before it was acknowledged whole), each source partition's prefix of records with nothing
    // left to write stages its offsets.
    this.halted = true;
    // Read before batchNotSent takes the rejections it tells out of the pending ones.
    const fate = givenUpFate(payload, value, this.d.sender.rejections, handed);
    const handled = payload.records.map((_, i) => nothingLeftToWrite(fate(i)));
    if (value) {
      // What never reached Kafka is told; given up because of the task's failure, if it failed: the SourceTask hears
      // which. Staged only after: the records committed there are done with once their commitRecord returned (a spool
      // writes a refused record's quarantine first), as Connect commits a record before its offset counts.
      const why = value.failure?.error ?? this.d.failure();
      await batchNotSent(o, this.d.sender, payload, value, this.d.log, why, handed);
    }
    this.submitted.acknowledgePrefix(offsets, payload.records, (i) => handled[i]!);
  }

  /**
   * A batch acknowledged whole after the halt (or with nothing to send): not committed to the task as a batch, but its
   * records a transformation dropped are, with null metadata, as Connect commits a dropped record at once; each record
   * is done with, save one whose rejection the task never hears (it must meet it again after a restart).
   */
  private async acknowledgeAfterHalt(batch: PollBatch, offsets: SubmittedBatch): Promise<void> {
    const { records, positions } = batch;
    const pending = this.d.sender.rejections;
    const dropped = records.filter((r, i) => positions[i]! < 0 && !pending.has(r));
    if (dropped.length > 0) {
      const none = new Int32Array(dropped.length).fill(-1);
      await commitSourceRecords(this.d.options.task, dropped, none, [], pending, this.d.log, false);
    }
    this.submitted.acknowledgePrefix(offsets, records, (i) => !pending.has(records[i]!));
  }

  private async acknowledge(
    batch: PollBatch,
    offsets: SubmittedBatch,
    metadata: readonly (ProducedMetadata | null)[],
  ): Promise<void> {
    const o = this.d.options;
    const { records, positions, outgoing } = batch;
    this.activeTopics.acknowledged(outgoing, metadata);
    // Empty when every record was handed out already (`handOut`): only the offsets are left.
    if (records.length > 0) {
      await commitSourceRecords(o.task, records, positions, metadata, this.d.sender.rejections, this.d.log, true);
    }
    // Written: acknowledged by Kafka (a record refused and tolerated has no metadata, as Connect's skipRecord).
    let written = 0;
    for (let i = 0; i < positions.length; i++) if (positions[i]! >= 0 && metadata[positions[i]!]) written++;
    o.metrics.wrote(records.length, written);
    this.submitted.acknowledge(offsets);
  }

  /** Commits the staged offsets when `offset.flush.interval.ms` has passed since the last commit. */
  async commitIfDue(): Promise<void> {
    const o = this.d.options;
    if (monotonicNow(o.clock) - this.lastFlush >= o.offsetFlushIntervalMs) await this.commitOffsets();
  }

  async commitOffsets(): Promise<void> {
    const o = this.d.options;
    const log = this.d.log;
    this.lastFlush = monotonicNow(o.clock);
    if (this.d.cancelled()) return;
    // A task whose start failed, or that was stopped before it started, polled nothing and is not
    // asked (as Connect, which makes no final offset commit for it).
    if (!this.d.started()) return;
    this.submitted.committable(this.staged);
    updateStagedOffsets(o.task, this.staged, log);
    const started = monotonicNow(o.clock);
    // As Connect, a commit with nothing new (an idle task) is a success and calls SourceTask.commit().
    if (this.staged.size > 0) {
      try {
        o.offsets.write(o.id.connector, [...this.staged.values()]);
        this.staged.clear();
      } catch (error) {
        o.metrics.commitFailed();
        // Connect's words when its offset store fails a flush (the offsets are kept for the next attempt).
        log.error("Failed to flush offsets to storage", error);
        return;
      }
    }
    o.metrics.commitSucceeded(wholeMsSince(o.clock, started));
    try {
      await o.task.commit?.();
    } catch (error) {
      log.warn("SourceTask.commit() failed", error);
    }
  }
}

/** Whether `task` takes its records' commits in any order: it says so, or it commits none (only offsets matter). */
export function takesAnyOrder(task: WorkerSourceTaskOptions["task"]): boolean {
  return task.commitsAnyOrder === true || (task.commitRecord === undefined && task.commitRecords === undefined);
}

/**
 * `batch` without the records already handed out (`handed`, by index in `outgoing`), to commit the rest once it
 * settles: `positions` still index the settled batch's metadata (that of `outgoing`).
 */
function unhanded(batch: PollBatch, handed: Uint8Array): PollBatch {
  const records: SourceRecord[] = [];
  const positions: number[] = [];
  for (let i = 0; i < batch.records.length; i++) {
    const at = batch.positions[i]!;
    if (at >= 0 && handed[at] === 1) continue;
    records.push(batch.records[i]!);
    positions.push(at);
  }
  return { records, positions: Int32Array.from(positions), outgoing: batch.outgoing };
}

/**
 * Whether a settled batch's outcome says Kafka wrote, or may have written, one of its records: acknowledged with
 * metadata (not only records refused and tolerated), or anything but acknowledged (not reached while a send is retried).
 */
function mayBeWritten(outcome: BatchOutcome<BatchResult>): boolean {
  if (!outcome.ok || !Array.isArray(outcome.value)) return true;
  return outcome.value.some((m) => m !== null);
}
