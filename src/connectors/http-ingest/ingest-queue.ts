/**
 * IngestQueue: the bounded hand-off between ingest requests and one HttpIngestSource task.
 *
 * `submit` (an IngestWriter) queues a request's records as SourceRecords and resolves when each has an outcome. The
 * task's `poll` takes whole requests queued (many in one produce call); `commitRecord` settles a record as written or
 * dropped. A record is queued (can be withdrawn, certainly not written), sent (polled, awaiting Kafka; kept in poll
 * order by SentRecords until Kafka acknowledges it, even once its request aborted), or settled.
 *   - request aborted (timeout, client gone): queued records withdrawn, fail as not written; so do sent ones the runtime
 *     takes back (`withdraw`: not handed to the producer yet); the other sent ones fail as "may have been written".
 *   - `withdrawQueued` (connector paused): every queued record fails as not written.
 *   - `stop` (task stopping): queued records fail as not written; sent ones still get their ack.
 *   - `giveUp` (the gateway's graceful stop, near the end of the ingest listeners' drain): queued records fail as not
 *     written, sent ones as "may have been written" (keeping their place for their ack) unless held or taken back
 *     (`holdUnwritten`, `withdraw`: then not written); the task still runs. It
 *     sticks: every later submission (a request whose body, auth or idempotency stage was still under way, a REST
 *     Proxy v3 stream still sending records) fails at once as not written, as the queued ones did, and is never
 *     queued, so none is left waiting for Kafka when the drain ends and its connection closes.
 *   - `notSent` (the runtime gave up records certainly unwritten: never sent, or refused by Kafka): they fail as not written.
 *   - `close` (the task's batches in flight settled): every record still unsettled fails.
 * A request that asked for its late outcomes (IngestSubmission.late: every HTTP ingest request) and was answered with records
 * "may still be written" is told what became of them once each settled for good: its acknowledgement (`ack`), a
 * give-up unwritten (`notSent`), or `close` (unknown: still "may still be written").
 * A request and its records' places in the queue are a PendingRequest and its Slots (pending-request.ts).
 */
import type { RecordRejection } from "../../api/connector.ts";
import type { SourceRecord } from "../../api/record.ts";
import { unavailable } from "../../ingest/ingest-error.ts";
import {
  type IngestRecord,
  type IngestSubmission,
  mayStillBeWritten,
  type RecordOutcome,
  rejectedOutcome,
} from "../../ingest/ingest-record.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import { missingTopicsOf, missingTopicText } from "../../kafka/missing-topic.ts";
import { brokerAnswerText } from "../../kafka/send-rejection.ts";
import { Signal } from "../../util/async.ts";
import { type Clock, monotonicNow, systemClock } from "../../util/clock.ts";
import { abortMessage, type LateRequest, PendingRequest, type Slot } from "./pending-request.ts";
import { queueFull, recordsBytes } from "./queue-limits.ts";
import { SentRecords, type SlotState } from "./sent-records.ts";

/** The listener options of a request's abort signal: one object, not one per request. */
const ONCE: { readonly once: true } = Object.freeze({ once: true });

/** Builds the SourceRecord for one ingest record (topic, key/value/headers as the task decides). */
export type ToSourceRecord = (topic: string, record: IngestRecord) => SourceRecord;

export interface IngestQueueOptions {
  readonly maxQueued: number;
  readonly maxQueuedBytes?: number; // ingest.queue.max.bytes (queue-limits.ts); default: no limit
  readonly maxPoll: number;
  readonly retryAfterSeconds: number;
  readonly toSourceRecord: ToSourceRecord;
  /** Times the poll's wait (the task's clock; tests drive it). */
  readonly clock?: Clock;
  /**
   * While the task's send is being retried: why Kafka does not take it. A request that ends unacknowledged
   * meanwhile says so when it is a topic Kafka does not know (missing-topic.ts), else names the broker's answer
   * when it is one (`…; the last error: NOT_ENOUGH_REPLICAS (…)`: too few in-sync replicas, retried until the timeout).
   */
  readonly sendFailure?: () => unknown;
  /**
   * At `giveUp`: holds the records sent and not acknowledged when none may have been written, so that none ever is
   * (SourceTaskContext.holdUnwrittenSend); true when it did. They then fail as not written.
   */
  readonly holdUnwritten?: () => boolean;
  /**
   * When a request aborts: takes back those of its sent records that certainly have not reached the producer, and
   * returns them (SourceTaskContext.withdrawUnsent). They then fail as not written, never to be written.
   */
  readonly withdraw?: (records: readonly SourceRecord[]) => ReadonlySet<SourceRecord> | undefined;
}

/** A submission after `giveUp`: each record fails as not written, as the records queued at the give-up did. */
function givenUpOutcomes(records: readonly IngestRecord[], outcome: RecordOutcome): RecordOutcome[] {
  return new Array<RecordOutcome>(records.length).fill(outcome);
}

export class IngestQueue implements IngestWriter {
  /**
   * Slots (a one-record request is its own slot) in submission order. Those before `head` are polled or failed and
   * cleared (undefined: let go at once, not at the next compaction); nothing reads below `head`.
   */
  private queue: (Slot | undefined)[] = [];
  private head = 0;
  private queuedCount = 0;
  private heldBytes = 0; // of the requests not done yet (their records queued or sent): maxQueuedBytes
  /** Polled slots awaiting Kafka's acknowledgement, in poll order. */
  private readonly sent = new SentRecords<Slot>();
  private sentCount = 0; // slots with state "sent": awaiting their outcome
  private readonly wake = new Signal();
  private closedReason: string | undefined;
  /** Set by `giveUp`: every later submission gets it for each record at once (not written), nothing queued. */
  private givenUp: RecordOutcome | undefined;
  private readonly clock: Clock;
  private readonly onPollAbort = () => this.wake.notify();
  private waitUntil = Number.POSITIVE_INFINITY; // when the poll waiting now gives up (+∞: no poll waits)
  private waitTimedOut = false;
  /** One timer (not one per poll) for the polls' maximum waits, armed for `timerAt`: ends a wait or re-arms. */
  private timerAt = Number.POSITIVE_INFINITY;
  private timer: AbortController | undefined;

  constructor(private readonly o: IngestQueueOptions) {
    this.clock = o.clock ?? systemClock;
  }

  get pending(): number {
    return this.queuedCount + this.sentCount;
  }

  submit(submission: IngestSubmission): Promise<RecordOutcome[]> {
    if (this.givenUp !== undefined) return Promise.resolve(givenUpOutcomes(submission.records, this.givenUp));
    this.admit(submission.records);
    if (submission.records.length === 0) return Promise.resolve([]);
    return new Promise<RecordOutcome[]>((resolve) => this.enqueue(submission, resolve));
  }

  /** `submit` with its caller's resolve (IngestWriter.offer): no promise of its own; throws as `submit` (nothing queued). */
  offer(submission: IngestSubmission, resolve: (outcomes: RecordOutcome[]) => void): void {
    if (this.givenUp !== undefined) {
      resolve(givenUpOutcomes(submission.records, this.givenUp));
      return;
    }
    this.admit(submission.records);
    if (submission.records.length === 0) resolve([]);
    else this.enqueue(submission, resolve);
  }

  /** Throws IngestError 503 when the queue is closed or `records` would overfill it (queueFull). */
  private admit(records: readonly IngestRecord[]): void {
    const full = this.closedReason ?? queueFull(this.pending, this.heldBytes, records, this.o);
    if (full !== undefined) throw unavailable(full, this.o.retryAfterSeconds);
  }

  private enqueue(submission: IngestSubmission, resolve: (outcomes: RecordOutcome[]) => void): void {
    const { records, topic, signal } = submission;
    const request = new PendingRequest(this, signal, resolve, records.length, recordsBytes(records));
    request.to = submission.late;
    if (records.length === 1) {
      request.record = this.o.toSourceRecord(topic, records[0]!);
      this.queue.push(request);
    } else {
      const slots: Slot[] = new Array(records.length);
      for (let index = 0; index < records.length; index++) {
        slots[index] = { request, index, record: this.o.toSourceRecord(topic, records[index]!), state: "queued" };
      }
      request.slots = slots;
      // Queued only once every record converted: a conversion that throws leaves nothing behind.
      for (let i = 0; i < slots.length; i++) this.queue.push(slots[i]!);
    }
    this.queuedCount += records.length;
    this.heldBytes += request.bytes;
    this.wake.notify();
    if (signal.aborted) this.abandon(request, abortMessage(signal));
    else signal.addEventListener("abort", request, ONCE);
  }

  /**
   * Everything queued, up to the poll limit and ending between requests, in arrival order; waits (≤ `maxWaitMs`)
   * while empty and returns once a request queued records (and the event-loop turn it came in has ended). Returns []
   * when `signal` aborts or nothing arrived within `maxWaitMs`, never earlier: a wake-up left over from records an
   * earlier poll took must not end the wait (the runtime would back off before polling again, and every request
   * arriving meanwhile would wait for that back-off).
   */
  async poll(signal: AbortSignal, maxWaitMs = 1000): Promise<SourceRecord[]> {
    if (this.queuedCount === 0 && !signal.aborted) {
      signal.addEventListener("abort", this.onPollAbort, { once: true });
      const deadline = monotonicNow(this.clock) + maxWaitMs;
      this.waitUntil = deadline;
      this.waitTimedOut = false;
      if (deadline < this.timerAt) this.armWaitTimer(deadline);
      // A notification left over from records an earlier poll took must not end this wait (see above).
      while (this.queuedCount === 0 && !signal.aborted && !this.waitTimedOut && this.closedReason === undefined) {
        await this.wake.wait();
        // Woken by a request: let the I/O of this event-loop turn run first (setImmediate), so that the requests Bun
        // reads in the same turn join this poll (single-record load: ~7 records a poll without, ~20 with). If they
        // were withdrawn meanwhile, the wait goes on.
        if (this.queuedCount > 0 && this.queuedCount < this.o.maxPoll && !signal.aborted)
          await new Promise((resolve) => setImmediate(resolve));
      }
      this.waitUntil = Number.POSITIVE_INFINITY;
      // Removed: the runtime's poll signal is an AbortSignal.any of longer-lived ones it would keep alive.
      signal.removeEventListener("abort", this.onPollAbort);
    }
    if (signal.aborted) return [];
    const out: SourceRecord[] = [];
    const max = this.o.maxPoll;
    let current: PendingRequest | null = null;
    while (this.head < this.queue.length && out.length < max) {
      const slot = this.queue[this.head]!;
      const request = slot.request;
      if (slot.state !== "queued" || request.done) {
        this.queue[this.head++] = undefined;
        continue;
      }
      // Between requests: a request split across polls may end part written. Only one over maxPoll is.
      if (request !== current) {
        if (out.length > 0 && out.length + request.outcomes.length - slot.index > max) break;
        current = request;
      }
      this.queue[this.head++] = undefined;
      slot.state = "sent";
      this.queuedCount--;
      this.sent.push(slot);
      this.sentCount++;
      out.push(slot.record);
    }
    this.compact();
    return out;
  }

  /** Kafka acknowledged `record` (metadata null: dropped or skipped, a `skipped` rejection too), or refused it for good (`rejection`). */
  ack(
    record: SourceRecord,
    metadata: { topic: string; partition: number; offset: number; timestamp: number | null } | null,
    rejection?: RecordRejection,
  ): void {
    const slot = this.sent.ack(record);
    if (slot === null) return; // not sent from here, or acknowledged already
    const abandoned = slot.request.outcomes[slot.index] !== undefined;
    if (abandoned && slot.request.late === null) return; // its request has its outcome and wants no later one
    const outcome: RecordOutcome =
      rejection && rejection.skipped !== true
        ? rejectedOutcome(rejection)
        : metadata
          ? {
              kind: "written",
              topic: metadata.topic,
              partition: metadata.partition,
              offset: metadata.offset,
              timestamp: metadata.timestamp !== null && metadata.timestamp >= 0 ? metadata.timestamp : record.timestamp,
            }
          : { kind: "dropped" };
    if (abandoned) this.settleLate(slot, outcome);
    else {
      this.sentCount--;
      this.settle(slot, outcome);
    }
  }

  /** A polled record the runtime gave up certainly unwritten (never sent, or refused): fails with `reason` or `outcome`. */
  notSent(record: SourceRecord, reason: string, outcome?: RecordOutcome): void {
    const slot = this.sent.ack(record);
    if (slot === null) return;
    const unwritten = outcome ?? { kind: "failed", message: reason, retriable: true, maybeWritten: false };
    if (slot.request.outcomes[slot.index] !== undefined) this.settleLate(slot, unwritten);
    else {
      this.sentCount--;
      this.settle(slot, unwritten);
    }
  }

  withdrawQueued(reason: string): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const slot = this.queue[i]!;
      if (slot.state !== "queued") continue;
      this.fail(slot, reason, false);
    }
    this.queue = [];
    this.head = 0;
    this.queuedCount = 0;
  }

  /** Nothing more accepted or polled; queued records fail as not written; sent ones wait for `ack` or `close`. */
  stop(reason: string): void {
    this.closedReason ??= reason;
    this.withdrawQueued(reason);
    this.timer?.abort();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.wake.notify();
  }

  /**
   * The gateway stops (IngestWriter.giveUp): every request answers now, as if it had aborted, and every later one at
   * once as not written (the first reason stays). Before the 503 of a stopped queue: the stop comes after, and a
   * request arriving then gets the give-up's answer, not another one.
   */
  giveUp(reason: string): void {
    this.givenUp ??= { kind: "failed", message: reason, retriable: true, maybeWritten: false };
    this.withdrawQueued(reason);
    const awaiting = this.sent.awaiting();
    const unwritten = awaiting.length > 0 && this.o.holdUnwritten?.() === true;
    const taken = unwritten ? undefined : this.takeBack(awaiting);
    for (const slot of awaiting) this.abandonSlot(slot, reason, unwritten || taken?.has(slot.record) === true);
  }

  /**
   * `stop`, and every record still unsettled fails (sent ones as "may still be written"); abandoned ones never get
   * their acknowledgement now: they stay "may still be written" for good.
   */
  close(reason: string): void {
    this.stop(reason);
    for (const slot of this.sent.takeUnacked()) {
      if (slot.state === "sent") this.fail(slot, reason, true);
      else this.settleLate(slot, slot.request.outcomes[slot.index]!);
    }
    this.sentCount = 0;
  }

  private armWaitTimer(at: number): void {
    this.timer?.abort();
    const timer = new AbortController();
    this.timer = timer;
    this.timerAt = at;
    void this.clock.sleep(Math.max(1, at - monotonicNow(this.clock)), timer.signal).then(() => {
      if (timer.signal.aborted) return;
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      if (this.waitUntil === Number.POSITIVE_INFINITY) return;
      if (monotonicNow(this.clock) >= this.waitUntil) {
        this.waitTimedOut = true;
        this.wake.notify();
      } else this.armWaitTimer(this.waitUntil);
    });
  }

  /**
   * @internal A request aborted: its queued records are withdrawn, its sent ones fail (keeping their place for their
   * acknowledgement): as not written those the runtime takes back (`withdraw`), else as "may have been written".
   */
  abandon(request: PendingRequest, reason: string): void {
    const slots = request.slots ?? [request];
    const taken = this.takeBack(slots);
    for (const slot of slots) this.abandonSlot(slot, reason, taken?.has(slot.record) === true);
  }

  /** Those of `slots` sent that the runtime takes back (never written: `withdraw`). */
  private takeBack(slots: readonly Slot[]): ReadonlySet<SourceRecord> | undefined {
    if (this.o.withdraw === undefined) return undefined;
    const sent = slots.filter((slot) => slot.state === "sent").map((slot) => slot.record);
    return sent.length > 0 ? this.o.withdraw(sent) : undefined;
  }

  /** `unwritten`: a sent slot certainly is not written (its send held: `holdUnwritten`). */
  private abandonSlot(slot: Slot, reason: string, unwritten = false): void {
    if (slot.state === "queued") {
      this.queuedCount--;
      this.fail(slot, reason, false);
    } else if (slot.state === "sent") {
      this.sentCount--;
      if (!unwritten && slot.request.to !== undefined) lateOf(slot.request).awaited++;
      this.fail(slot, reason, !unwritten, "abandoned");
    }
  }

  /** `state`: "abandoned" for a sent slot (it keeps its place for its acknowledgement), else "withdrawn". */
  private fail(
    slot: Slot,
    reason: string,
    maybeWritten: boolean,
    state: SlotState = maybeWritten ? "abandoned" : "withdrawn",
  ): void {
    slot.state = state; // never handed out again
    const failure = this.o.sendFailure?.();
    const missing = missingTopicsOf(failure);
    const answer = missing ? undefined : brokerAnswerText(failure);
    const why = missing
      ? `${reason}: ${missingTopicText(missing)}`
      : answer
        ? `${reason}; the last error: ${answer}`
        : reason;
    // A stopping queue's task retries no more: its record is not written once the topic exists.
    const stopping = this.closedReason !== undefined || this.givenUp !== undefined;
    const written = missing && !stopping ? "may still be written once the topic exists" : "may still be written";
    this.settle(slot, {
      kind: "failed",
      message: maybeWritten ? `${why}; the record was handed to the producer and ${written}` : why,
      retriable: true,
      maybeWritten,
    });
  }

  private settle(slot: Slot, outcome: RecordOutcome): void {
    const { request } = slot;
    if (request.outcomes[slot.index] !== undefined) return;
    request.outcomes[slot.index] = outcome;
    // A record "may still be written" (abandoned while sent, or its task closed): its request may want its later outcome.
    if (request.to !== undefined && outcome.kind === "failed" && outcome.maybeWritten) lateOf(request);
    request.remaining--;
    if (request.remaining === 0 && !request.done) {
      request.done = true;
      this.heldBytes -= request.bytes;
      const outcomes = request.outcomes as RecordOutcome[];
      request.resolve(outcomes);
      // Only a request with a record "may still be written" has a LateRequest (made as it settled so).
      const late = request.late;
      if (late === null) {
        // Nothing later to tell: its receiver (the request's exchange, with its HTTP request) is let go now, as the
        // request's slot may stay in the sent window (AnyOrderWindow) while an older one is awaited (any-order commit).
        request.to = undefined;
        return;
      }
      // A copy: the answer is built from `outcomes`, maybe after a late outcome came.
      late.outcomes = outcomes.slice();
      if (late.awaited === 0) request.to!.settled(late.outcomes);
    }
  }

  /**
   * A record of an answered request settled for good (`outcome`) after it was answered "may still be written" (its
   * request aborted while it was sent): the request is told once none of its records is awaited any more.
   */
  private settleLate(slot: Slot, outcome: RecordOutcome): void {
    const late = slot.request.late;
    if (late === null || late.outcomes === null) return;
    if (!mayStillBeWritten(late.outcomes[slot.index]!)) return; // given up unwritten, or told already
    late.outcomes[slot.index] = outcome;
    if (--late.awaited === 0) slot.request.to!.settled(late.outcomes);
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

/** `request`'s LateRequest, made the first time one of its records settles "may still be written". */
function lateOf(request: PendingRequest): LateRequest {
  request.late ??= { awaited: 0, outcomes: null };
  return request.late;
}
