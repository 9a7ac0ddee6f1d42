/**
 * SendCoalescer: the produce path of one WorkerSourceTask. Poll batches, converted, are queued here in poll order and
 * go out in produce requests: up to `maxRequests` requests on the wire, that is, not yet answered by the producer (its
 * max.in.flight.requests.per.connection, for a producer that pipelines), and `maxInFlightBytes` bytes (buffer.memory)
 * of requests not yet handed back to their batches, answered or not; whatever is queued when a request may start is
 * merged into it (several poll batches, up to the producer's max.request.size; a batch larger than that is spread over
 * several requests). So a task that polls a few records at a time (device ingest: many small requests) still fills each
 * request.
 *
 * A request starts as soon as there is room (fewer than `maxRequests` on the wire and the byte bound not reached), as
 * Java's producer does with linger.ms=0: a task sending a few records at a time keeps several requests out instead of
 * waiting for each round trip, and the batches that arrive while the wire is full are merged into the next request. A
 * request answered behind one that is not frees its slot at once: it waits there to be handed back (below), its bytes
 * still counted, while the next goes out, so a request held by one partition (a partition without a leader, until
 * delivery.timeout.ms) does not stop the wire. Nor does one the port told written in part (`onWritten`, for `handOut`)
 * whose rest is still pending PARTLY_WRITTEN_SLOT_MS later, unless `maxRequests` is 1 (order for a producer that is not
 * idempotent): keyed traffic over every partition puts such a record in nearly every request (coalfree). Bytes still
 * bound them. A request of half max.request.size or more starts alone in its event-loop turn, smaller ones share one
 * (TurnBudget): a spool's 10 MB drain goes out a request a turn, devices' requests in between.
 *
 * Order: requests are handed to the producer in queue order, and the producer writes the records of each partition in
 * call order (the KafkaProducer contract). When a request's first attempt fails, no new request starts; once every
 * request on the wire has settled, the failed ones are sent again one after the other, oldest first, by the sender's
 * `recover` (retries, per-record fallback): the producer failed every later send that touched the same partitions, so
 * nothing lands ahead of a record that is retried. Then the sender is told (`recovered`) and pipelining resumes.
 *
 * Outcomes stay per poll batch and are handed out strictly in queue order: `enqueue` resolves with
 * the batch's metadata once all of its records (and every earlier batch) are acknowledged, even
 * when they shared a request with other batches or a later request was acknowledged first. For a
 * task that takes its commits in any order (`handOut`: SourceTask.commitsAnyOrder), the records Kafka
 * wrote are handed out before that: those of a request answered while an earlier one is not, and
 * those the port tells written while the rest of their request is pending (`onWritten`: a partition
 * without a leader holds only its own records); the batch still settles in queue order. A
 * request that `recover` achieves only in part (a record failed for good, or the task is stopping)
 * settles the batches it completed, fails the batch holding the first unsent record (given up with
 * the failure, `NotSent.failure`, when any of its records is known written, refused for good or certainly
 * not written, so that those are answered as such while the task fails; rejected when none is; given up
 * without one when stopping), and settles every later batch as given up, also those whose
 * requests Kafka acknowledged meanwhile (listed written: only their source partitions' acknowledged
 * prefixes are committed, SourceAcknowledgements; the rest is polled again after a restart:
 * duplicates, never loss); nothing is sent after that. A batch given up says from which of its
 * records on each is certainly not written (`NotSent`: never taken into a request, or only into
 * attempts that never reached a broker or that the broker refused, the port's `unwritten`) and which
 * of its records Kafka is known to have written (`NotSent.written`: acknowledged, or listed written
 * by a rejection, e.g. another topic's records of a request the broker refused one topic of) or
 * refused for good and skipped or rejected (`NotSent.refused`), or is `undefined` when each may have been.
 *
 * Used by WorkerSourceTask, which supplies the sender (producer attempt; retries, per-record
 * fallback).
 */
import type { ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { unwritten, writtenRecords } from "../kafka/send-rejection.ts";
import { type Deferred, deferred } from "../util/async.ts";
import type { Logger } from "../util/logger.ts";
import { TurnBudget } from "../util/sliced.ts";
import { type SetTimer, unrefTimer } from "../util/timer.ts";
import { handOutPieces } from "./hand-out-pieces.ts";
import { recordBytes } from "./request-bytes.ts";

/**
 * How long the rest of a request told written in part (`onWritten`) may stay pending before the request frees its
 * `maxRequests` slot. On a cluster of several brokers a request's partitions are answered by their leaders one by one,
 * so nearly every request is told written in part a moment before it settles; freeing its slot then would send more,
 * smaller requests and pile small batches on the slower broker's partitions (the producer does not merge batches of a
 * partition). A healthy broker answers within tens of ms of another (acks=all included: a follower fetches new data at
 * once), so 500 ms is well above that spread even on a loaded host, and well below delivery.timeout.ms (120 s by
 * default) and request.timeout.ms (30 s), for which a partition without a leader holds its records. While one is held
 * under keyed traffic nearly every request holds a slot for 500 ms: at most `maxRequests` requests every 500 ms.
 */
export const PARTLY_WRITTEN_SLOT_MS = 500;

/** What `recover` achieved for one request: the outcomes of its leading records, in order. */
export interface SendOutcome {
  /** Metadata per record, or null for a record skipped (errors.tolerance=all). */
  readonly metadata: readonly (ProducedMetadata | null)[];
  /** Present when the records after `metadata` failed for good; absent when the task stopped. */
  readonly failure?: { readonly error: unknown };
  /**
   * The records after `metadata` that were written all the same (another partition of the request was acknowledged):
   * `written[i]` is the metadata of record `metadata.length + i`, undefined for one not written. Absent when none was.
   */
  readonly written?: readonly (ProducedMetadata | undefined)[];
  /**
   * True when no attempt at the records after `metadata` (but those listed `written`) may have written them (the port's
   * `unwritten`).
   */
  readonly unwritten?: boolean;
}

export interface Sender<T> {
  /**
   * One attempt at a request: metadata per record, or a rejection (then `recover` takes over). `onWritten`, given only
   * to hand out records before their turn (`handOut`) and for a request of several records, is the port's
   * `SendOptions.onWritten`: records of the request Kafka wrote before the attempt settles.
   */
  attempt(records: readonly T[], onWritten?: WrittenPart): Promise<readonly (ProducedMetadata | null)[]>;
  /**
   * Sends a request whose attempt failed with `error`, until each record has an outcome or the
   * rest cannot be sent. Called only while no other request is on the wire. Never rejects.
   */
  recover(records: readonly T[], error: unknown): Promise<SendOutcome>;
  /**
   * Told once the failed requests are recovered (or the rest abandoned), while none is on the wire, before a new
   * request starts: whatever the producer refused so far has been handled. A throw is logged; sending goes on.
   */
  recovered?(): void;
}

/** Records Kafka wrote, by index (into a request's or a batch's records), with their metadata (`metadata[k]`: `indexes[k]`'s). */
export type WrittenPart = (indexes: Int32Array, metadata: readonly ProducedMetadata[]) => void;

export interface SendCoalescerOptions<O> {
  /** The producer's max.request.size: no request is larger (a single larger record goes alone). */
  readonly maxRequestBytes: number;
  /** Requests on the wire (not yet answered) at once, at most; asked before each request (the producer may change). */
  readonly maxRequests: () => number;
  /**
   * Bytes of the requests not yet handed back to their batches (answered or not), at most (a single larger request goes
   * when none is).
   */
  readonly maxInFlightBytes: number;
  /** Where a failure of the sender's `recovered` goes (it must not end the sending). */
  readonly log: Logger;
  /**
   * Present for a task whose records may be acknowledged in any order (SourceTask.commitsAnyOrder): records Kafka wrote
   * are handed to it at once, by the `owner` their batch was queued with, when they would otherwise wait for an earlier
   * request not handed back yet (their request was answered first, or `onWritten` told them). A record may be handed
   * out more than once (a request's settlement repeats what its `onWritten` told; its batch's settlement repeats all):
   * the owner counts each once. Never after the coalescer halted.
   */
  readonly handOut?: (owner: O, indexes: Int32Array, metadata: readonly ProducedMetadata[]) => void;
  /** Sets the PARTLY_WRITTEN_SLOT_MS timers (tests: on a manual clock); setTimeout, unref'd, by default. */
  readonly setTimer?: SetTimer;
}

/**
 * A batch given up (a stop, an earlier failure, or its own: `failure`) whose records from `from` on are certainly not
 * written, but those listed `written`: they never reached Kafka, or it refused them (those before may have been
 * written).
 */
export interface NotSent {
  readonly from: number;
  /**
   * The batch's records Kafka is known to have written (by index in the batch), wherever they are: acknowledged in a
   * request that failed for other records (another partition's were refused). Absent when none is.
   */
  readonly written?: ReadonlyMap<number, ProducedMetadata>;
  /**
   * The batch's records (by index) Kafka refused for good before the failure or stop, skipped
   * (errors.tolerance=all) or rejected (a task that `rejectsRecords`), their metadata null: done with, as Connect's
   * producer callback acknowledges them. Absent when none is.
   */
  readonly refused?: ReadonlySet<number>;
  /**
   * Present when the batch failed for good (the task fails with this error). The records before `from` not listed
   * `written` or `refused` may have been written (an earlier attempt went unanswered) or not; a failed batch none of
   * whose records is known either way (none written, none refused, none certainly not) rejects with the error instead.
   */
  readonly failure?: { readonly error: unknown };
}

/**
 * A batch's metadata per record, or, when it was not (wholly) sent because of a stop, an earlier failure or its own
 * (`NotSent.failure`), NotSent, or undefined when each of its records may have reached Kafka.
 */
export type BatchResult = (ProducedMetadata | null)[] | NotSent | undefined;

interface Queued<T, O> {
  readonly records: readonly T[];
  readonly metadata: (ProducedMetadata | null)[];
  readonly done: Deferred<BatchResult>;
  readonly owner: O | undefined;
  /** The batch queued after this one (`handOut` walks a request's records through its batches). */
  next: Queued<T, O> | undefined;
}

interface Request<T, O> {
  readonly records: readonly T[];
  readonly bytes: number;
  /** The batch of the request's first record, and that record's index there. */
  readonly batch: Queued<T, O>;
  readonly index: number;
  settled: boolean;
  /** Told written in part (`onWritten`) and its slot not freed yet: cancels the PARTLY_WRITTEN_SLOT_MS timer. */
  cancelFree?: (() => void) | undefined;
  /** Its slot was freed (PARTLY_WRITTEN_SLOT_MS): counted in `partlyAnswered`, not `unanswered`. */
  partly: boolean;
  metadata?: readonly (ProducedMetadata | null)[];
  error?: unknown;
}

export class SendCoalescer<T extends { readonly produced: ProducerRecord }, O = unknown> {
  /** Batches not yet settled, in poll order (the first ones may be partly or wholly sent). */
  private readonly queue: Queued<T, O>[] = [];
  /** Batch index and record index of the first record not yet in a request. */
  private unsentBatch = 0;
  private unsentRecord = 0;
  /** Requests sent and not yet handed back to their batches, in send order. */
  private readonly requests: Request<T, O>[] = [];
  /** Attempts not answered yet whose slot was not freed (PARTLY_WRITTEN_SLOT_MS): what counts against `maxRequests`. */
  private unanswered = 0;
  /** Attempts not answered yet whose slot was freed (`wireFull`); the recovery waits for them too. */
  private partlyAnswered = 0;
  /** Bytes of the requests not yet handed back, answered or not: what counts against `maxInFlightBytes`. */
  private wireBytes = 0;
  /** A request failed: nothing new starts until the failed ones are recovered. */
  private recovering = false;
  private halted = false;
  /** Bytes of requests started in this event-loop turn (see above). */
  private readonly turn: TurnBudget;
  private readonly setTimer: SetTimer;

  constructor(
    private readonly sender: Sender<T>,
    private readonly o: SendCoalescerOptions<O>,
  ) {
    this.turn = new TurnBudget(o.maxRequestBytes / 2, () => this.pump());
    this.setTimer = o.setTimer ?? unrefTimer;
  }

  /**
   * Queues one poll batch (non-empty); resolves with its metadata once Kafka acknowledged all of
   * its records, or, when it will not be (wholly) sent, with NotSent (with `failure` when it failed
   * for good) or undefined (each record may have been written). Rejects with the failure only when
   * it failed for good and none of its records is known written, refused for good or certainly not written. `owner`:
   * what `handOut` names the batch by.
   */
  enqueue(records: readonly T[], owner?: O): Promise<BatchResult> {
    if (this.halted) return Promise.resolve(undefined);
    const done = deferred<BatchResult>();
    const batch: Queued<T, O> = { records, metadata: [], done, owner, next: undefined };
    const last = this.queue[this.queue.length - 1];
    if (last) last.next = batch;
    this.queue.push(batch);
    this.pump();
    return done.promise;
  }

  /**
   * While a failed request is recovered: true when no other record not yet settled may have been written: no record of
   * the oldest unsettled batch was acknowledged (`handBack` fills only its metadata: a batch spanning an acknowledged
   * request and the failed one; review-k3stop F1), and none of the requests after the failed one may have written a
   * record (each failed with the port's `unwritten`, listing none written); the records not yet in a request never
   * reached Kafka.
   */
  get othersUnwritten(): boolean {
    if ((this.queue[0]?.metadata.length ?? 0) > 0) return false;
    for (let i = 1; i < this.requests.length; i++) if (!wroteNone(this.requests[i]!)) return false;
    return true;
  }

  /**
   * Visits each queued record not yet taken into a request, in order: none has been handed to the sender (walked only
   * when asked: a request taking its records back, SourceTaskSender.withdraw).
   */
  forEachUnsent(visit: (record: T) => void): void {
    for (let b = this.unsentBatch; b < this.queue.length; b++) {
      const records = this.queue[b]!.records;
      for (let i = b === this.unsentBatch ? this.unsentRecord : 0; i < records.length; i++) visit(records[i]!);
    }
  }

  /** Starts what may start now (the caller's `maxRequests` may have grown, e.g. a producer connected). */
  wake(): void {
    this.pump();
  }

  private pump(): void {
    while (!this.halted && !this.recovering && this.unsentBatch < this.queue.length) {
      if (this.requests.length > 0 && (this.wireFull() || this.wireBytes >= this.o.maxInFlightBytes)) return;
      if (this.turn.spent) return; // the rest at the next turn (TurnBudget's resume)
      const batch = this.queue[this.unsentBatch]!;
      const index = this.unsentRecord;
      const { records, bytes } = this.take();
      this.turn.use(bytes);
      const request: Request<T, O> = { records, bytes, batch, index, settled: false, partly: false };
      this.requests.push(request);
      this.unanswered++;
      this.wireBytes += bytes;
      // Only a request of several records may span partitions (the port reports parts of those only).
      const onWritten: WrittenPart | undefined =
        this.o.handOut && records.length > 1
          ? (indexes, metadata) => this.onWritten(request, indexes, metadata)
          : undefined;
      this.sender.attempt(records, onWritten).then(
        (metadata) => this.onAttempt(request, metadata, undefined),
        (error) => this.onAttempt(request, undefined, error ?? new Error("send failed")),
      );
    }
  }

  /** Whether the requests on the wire fill `maxRequests` (those whose slot was freed count only when it is 1). */
  private wireFull(): boolean {
    const max = Math.max(1, this.o.maxRequests());
    return (max > 1 ? this.unanswered : this.unanswered + this.partlyAnswered) >= max;
  }

  /**
   * The port told part of `request` written while the rest is pending: handed out at once; its slot is freed
   * (`wireFull`) if the rest is still pending PARTLY_WRITTEN_SLOT_MS later. The timer ends when the request settles
   * (`onAttempt`), before any halt (a halt comes only from a recovery, once every request settled).
   */
  private onWritten(request: Request<T, O>, indexes: Int32Array, metadata: readonly ProducedMetadata[]): void {
    if (request.settled || this.halted) return;
    handOutPieces(this.o.handOut!, request.batch, request.index, indexes, metadata);
    if (request.partly || request.cancelFree) return;
    request.cancelFree = this.setTimer(() => {
      request.cancelFree = undefined;
      request.partly = true;
      this.unanswered--;
      this.partlyAnswered++;
      this.pump();
    }, PARTLY_WRITTEN_SLOT_MS).cancel;
  }

  /** The next unsent records in queue order, within max.request.size (a larger record goes alone). */
  private take(): { records: T[]; bytes: number } {
    const out: T[] = [];
    let bytes = 0;
    while (this.unsentBatch < this.queue.length) {
      const batch = this.queue[this.unsentBatch]!.records;
      for (; this.unsentRecord < batch.length; this.unsentRecord++) {
        const record = batch[this.unsentRecord]!;
        const size = recordBytes(record.produced);
        if (out.length > 0 && bytes + size > this.o.maxRequestBytes) return { records: out, bytes };
        out.push(record);
        bytes += size;
      }
      this.unsentBatch++;
      this.unsentRecord = 0;
    }
    return { records: out, bytes };
  }

  private onAttempt(request: Request<T, O>, metadata: Request<T, O>["metadata"], error: unknown): void {
    request.settled = true;
    request.cancelFree?.();
    request.cancelFree = undefined;
    if (request.partly) this.partlyAnswered--;
    else this.unanswered--;
    if (error === undefined) {
      request.metadata = metadata;
      // Handed out now when it waits for an earlier request. The head is handed back at once: its records go with their
      // batch, as for any task (a batch's records answered together when a stop gives up the rest; review-k3stop F1).
      if (this.o.handOut && !this.halted && this.requests[0] !== request) {
        handOutPieces(this.o.handOut!, request.batch, request.index, undefined, metadata!);
      }
    } else {
      request.error = error;
      this.recovering = true;
    }
    let head = this.requests[0];
    while (head?.settled && head.error === undefined) {
      this.handBack(head, head.metadata!);
      head = this.requests[0];
    }
    if (!this.recovering) this.pump();
    // The last request on the wire settled (its slot freed or not): recovery starts (once: nothing else is out).
    else if (this.unanswered === 0 && this.partlyAnswered === 0) void this.recover();
  }

  /** Every request has settled and at least one failed: hands outcomes back in order, recovering the failed. */
  private async recover(): Promise<void> {
    while (this.requests.length > 0 && !this.halted) {
      const request = this.requests[0]!;
      if (request.error === undefined) {
        this.handBack(request, request.metadata!);
        continue;
      }
      let outcome: SendOutcome;
      try {
        outcome = await this.sender.recover(request.records, request.error);
      } catch (error) {
        outcome = { metadata: [], failure: { error } };
      }
      this.handBack(request, outcome.metadata, outcome);
    }
    this.recovering = false;
    // Pipelining resumes whatever `recovered` does: a throw here would otherwise leave the queued batches unsent
    // and reject this promise, which nothing awaits.
    try {
      this.sender.recovered?.();
    } catch (error) {
      this.o.log.error("The sender failed when told its recovery ended; sending goes on", error);
    }
    this.pump();
  }

  /** Hands each record's outcome to its batch, in order; settles the batches that are complete. */
  private handBack(
    request: Request<T, O>,
    metadata: readonly (ProducedMetadata | null)[],
    outcome?: SendOutcome,
  ): void {
    this.requests.shift();
    this.wireBytes -= request.bytes;
    const sent = request.records.length;
    const count = Math.min(sent, metadata.length);
    for (let i = 0; i < count; i++) {
      const batch = this.queue[0]!;
      batch.metadata.push(metadata[i]!);
      if (batch.metadata.length === batch.records.length) {
        this.queue.shift();
        this.unsentBatch--;
        batch.done.resolve(batch.metadata);
      }
    }
    if (count === sent) return;
    // The rest of this request was not written: nothing after it may be acknowledged or sent, or
    // order would break.
    this.halted = true;
    const given = this.givenUp(sent - count, outcome?.unwritten === true, outcome?.written);
    this.requests.length = 0;
    this.wireBytes = 0;
    const [first, ...later] = this.queue.splice(0);
    this.unsentBatch = 0;
    this.unsentRecord = 0;
    if (first) {
      const failure = outcome?.failure;
      // Given up with the failure whenever some of its records are known (written, or certainly not): the others
      // (an attempt that went unanswered may have written them) are neither, so the task hears nothing of them.
      if (failure && given[0]) first.done.resolve({ ...given[0], failure });
      else if (failure) first.done.reject(failure.error);
      else first.done.resolve(given[0]);
    }
    for (let i = 0; i < later.length; i++) later[i]!.done.resolve(given[i + 1]);
  }

  /**
   * What each queued batch is given up as, once the request being handed back left `rest` records unwritten
   * (`restUnwritten`: no attempt at them, but those `restWritten` lists, may have written them): per batch, from which
   * record on every one is certainly not written (the rest of that request when so, the later requests whose attempt
   * certainly wrote nothing, the records never taken into a request), but those known written (the first batch's
   * handed-back ones, those a rejection lists, those of later requests acknowledged) and the first batch's handed-back
   * ones Kafka refused for good (null metadata: skipped or rejected). Called before `requests` and `queue` are cleared.
   */
  private givenUp(
    rest: number,
    restUnwritten: boolean,
    restWritten: readonly (ProducedMetadata | undefined)[] | undefined,
  ): (NotSent | undefined)[] {
    // Runs of records in queue order after the first batch's handed-back ones: [length, certainly unwritten, or the
    // metadata of the one record written].
    const runs: [number, boolean | ProducedMetadata][] = [];
    if (restWritten) for (let i = 0; i < rest; i++) runs.push([1, restWritten[i] ?? restUnwritten]);
    else runs.push([rest, restUnwritten]);
    for (const r of this.requests) {
      if (r.metadata) {
        // Acknowledged after the failed request (not handed back: it would land ahead of the records sent again).
        for (const m of r.metadata) runs.push([1, m ?? false]);
        continue;
      }
      const certain = r.error !== undefined && unwritten(r.error);
      // Of a rejection that lists records written all the same (another partition), only the others are unwritten.
      const written = r.error !== undefined ? writtenRecords(r.error) : undefined;
      if (written) for (let i = 0; i < r.records.length; i++) runs.push([1, written[i] ?? certain]);
      else runs.push([r.records.length, certain]);
    }
    let run = 0;
    let left = runs[0]![0];
    return this.queue.map((batch, b) => {
      const start = b === 0 ? batch.metadata.length : 0;
      const written = new Map<number, ProducedMetadata>();
      const refused = new Set<number>();
      for (let i = 0; i < start; i++) {
        const m = batch.metadata[i];
        if (m) written.set(i, m);
        else refused.add(i);
      }
      let from = start;
      for (let i = start; i < batch.records.length; i++) {
        while (run < runs.length && left === 0) left = runs[++run]?.[0] ?? 0;
        if (run < runs.length) {
          left--;
          const state = runs[run]![1];
          if (typeof state === "object") written.set(i, state);
          else if (!state) from = i + 1;
        } // else never taken into a request
      }
      if (written.size === 0 && refused.size === 0) return from < batch.records.length ? { from } : undefined;
      return { from, ...(written.size > 0 ? { written } : {}), ...(refused.size > 0 ? { refused } : {}) };
    });
  }
}

/** Whether a settled request certainly wrote none of its records: it failed with the port's `unwritten`, none listed written. */
function wroteNone(request: Request<unknown, unknown>): boolean {
  if (request.error === undefined || !unwritten(request.error)) return false;
  return !(writtenRecords(request.error) ?? []).some((m) => m !== null && m !== undefined);
}
