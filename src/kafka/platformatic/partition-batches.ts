/**
 * PartitionBatches: the batches of one partition that the producer pipeline (ProducePipeline) has taken and not yet
 * settled, in append order, with the partition's sequence numbers and the rules that keep them in order: which batch
 * may go next, how an answer is classified, what fails with a batch that fails for good. Kafka's rules (Java's
 * RecordAccumulator and TransactionManager for an idempotent producer): a batch gets the partition's next sequence
 * when it is first sent and keeps it; at most 5 batches of a partition are in flight; after a retriable failure
 * nothing of the partition goes again until every batch that was on the wire before it has come back, and then the
 * waiting batches go oldest first. Until a batch of the partition is written, one is on the wire at a time: a broker
 * without this producer's state for the partition takes any sequence (Kafka's ProducerAppendInfo, since KIP-360), so
 * a later batch would be written ahead of an earlier one that failed (too large, …). A batch too large for the broker
 * is replaced by its pieces (batch-split.ts), which keep its sequence range. A batch takes a new sequence only within
 * 5 batches of the oldest not settled (sequence-window.ts: the broker recognises a retry of its last 5 batches only).
 *
 * A batch refused for good (INVALID_RECORD, …) fails alone; the partition takes its next epoch (`refused`). When the
 * broker lost this producer's state mid-stream (the oldest pending batch comes back OUT_OF_ORDER_SEQUENCE_NUMBER or
 * UNKNOWN_PRODUCER_ID), the partition starts again as Java's idempotent producer does (`restartSequences`): a new
 * epoch, sequences from 0 for the pending batches in their order, and the one-batch guard armed again until written.
 *
 * A batch is in the queue from `append` (a piece of a split batch: `replace`) until it is "done". Its state is written
 * here only, by `move`, which keeps the bytes not on the wire (`queuedBytes`) with it: the count follows from each
 * batch's old state and new one, so no transition can make it drift.
 */

import { type Placed, SequenceWindow } from "./sequence-window.ts";

/**
 * Where a batch stands: in the queue never sent ("queued"), on the wire ("inflight"), waiting to go again ("waiting": a
 * retry, or a piece of a split batch); "done": not in the queue (built so, until `append` or `replace` puts it there;
 * out of it for good once it leaves: settled by the caller, or by its pieces). In the queue <=> not "done".
 */
export type BatchState = "queued" | "inflight" | "waiting" | "done";

/** The states whose batches count in `queuedBytes`: in the queue, not on the wire. */
function offWire(state: BatchState): boolean {
  return state === "queued" || state === "waiting";
}

/**
 * How a batch settles: its base offset (-1 for acks=0), each record's offset (a batch that was
 * split), or the error it failed with.
 */
export type BatchOutcome = number | readonly number[] | Error;

/** A piece of a split batch: its encoded records, and how it splits in turn (more than one record). */
export interface BatchPiece {
  readonly records: Buffer;
  readonly count: number;
  readonly split?: SplitRecords;
}

/** Encodes the records of a batch again as pieces of at most `targetBytes` (at least two pieces). */
export type SplitRecords = (targetBytes: number) => readonly BatchPiece[];

export interface Batch extends Placed {
  readonly part: PartitionBatches;
  /**
   * The encoded RecordBatch (stamped with producer id, epoch and sequence when first sent); a copy
   * of it after `restartSequences`, stamped again when it is next sent.
   */
  records: Buffer;
  readonly count: number;
  /** When delivery.timeout.ms runs out. */
  readonly deadline: number;
  readonly settle: (outcome: BatchOutcome) => void;
  /** How it splits on MESSAGE_TOO_LARGE (absent: it cannot, as a batch of one record). */
  readonly split?: SplitRecords;
  /** Written by PartitionBatches only (`move`); a batch is built "done" (not in a queue yet). */
  readonly state: BatchState;
  sequence: number;
  /** The partition's generation when last sent: batches sent before a failure hold a retry back. */
  generation: number;
  retryAt: number;
  attempts: number;
  /** An attempt may have been written (no answer, or one that leaves it open): BatchSettlement.fail. */
  uncertain: boolean;
  /**
   * A request carrying it was written to a connection (it was answered, or failed in a way that may come after its
   * bytes went out: not requestNotWritten). Sticky. Until then no broker can have it: its failure is "never sent".
   * It only decides anything for a batch whose attempts were answered "not written" (or never went out): one an
   * attempt of which may have been written is `uncertain`, which already keeps it from "never sent".
   */
  wentOut: boolean;
  /** On the wire when an earlier batch was refused (keepOrderAfterRefusal): not written, it fails with this. */
  notSentAfter?: Error;
  /**
   * Its outcome was given (BatchSettlement.finish), or left to its pieces (split): it is never given again, which would
   * count the batch out of the pipeline's pending ones twice (Java's ProducerBatch.finalState: set once).
   */
  settled: boolean;
}

/**
 * A new batch of `part`, never sent and not in a queue yet ("done": PartitionBatches.append puts it there). One object
 * literal, positional (a fields object spread in cost about 2.5 times as much a batch), its properties always in this
 * order and `split` always present (undefined: it cannot split), so every batch has one shape.
 */
export function newBatch(
  part: PartitionBatches,
  records: Buffer,
  count: number,
  deadline: number,
  settle: (outcome: BatchOutcome) => void,
  split?: SplitRecords,
): Batch {
  return {
    part,
    records,
    count,
    deadline,
    settle,
    state: "done",
    sequence: -1,
    place: -1,
    generation: 0,
    retryAt: 0,
    attempts: 0,
    uncertain: false,
    wentOut: false,
    settled: false,
    split,
  };
}

/** Kafka's limit of batches in flight per partition for an idempotent producer. */
const MAX_IN_FLIGHT_PER_PARTITION = 5;
const SEQUENCE_LIMIT = 2 ** 31;
/** Error codes answered per partition (Kafka's Errors). */
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
/** The broker lost this producer's state (brokers before 2.5; since KIP-360 they accept any sequence then). */
const UNKNOWN_PRODUCER_ID = 59;
/** Written before (a broker older than the 5-batch cache answers it so): success, its offset unknown (-1). */
const DUPLICATE_SEQUENCE_NUMBER = 46;
/** The batch is larger than the topic's max.message.bytes: split when it holds more than one record. */
const MESSAGE_TOO_LARGE = 10;
/** Retriable, after fresh metadata: UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH. */
const STALE_METADATA: ReadonlySet<number> = new Set([3, 5, 6, 9, 56, 74, 75]);
/**
 * Refusals that fail the producer, not only the batch (Java's TransactionManager.maybeTransitionToErrorState
 * for an idempotent producer: CLUSTER_AUTHORIZATION_FAILED, UNSUPPORTED_VERSION,
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, PRODUCER_FENCED), and INVALID_PRODUCER_EPOCH (see `verdict`).
 */
const PRODUCER_FATAL: ReadonlySet<number> = new Set([31, 35, 47, 53, 90]);
/** Retriable as they are (as Java's): CORRUPT_MESSAGE, REQUEST_TIMED_OUT, NETWORK_EXCEPTION, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), THROTTLING_QUOTA_EXCEEDED. */
const RETRIABLE: ReadonlySet<number> = new Set([...STALE_METADATA, 2, 7, 13, 19, 20, 89]);

/** The key of a partition in maps (one place builds it). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * What an answer means for a batch on the wire ("not-sent": not written because an earlier batch
 * failed or was refused; "reset": the broker lost this producer's state, `restartSequences`, then a
 * retry; "refused": it fails alone, `refused`; "fatal": it fails with the later batches, and the producer).
 */
export type Verdict =
  | "written"
  | "retry"
  | "retry-after-metadata"
  | "split"
  | "reset"
  | "not-sent"
  | "refused"
  | "fatal";

export class PartitionBatches {
  /** Batches not yet settled, in append (= sequence) order. */
  readonly queue: Batch[] = [];
  /**
   * Bytes of the batches of `queue` not on the wire (queued, or waiting for a retry), kept by `move`: the
   * adaptive partitioner reads it at every stick move, for every partition (walking the queue cost that much each).
   */
  private notOnWire = 0;
  /** Records of those batches, kept with `notOnWire` (with batch.size 0 the partitioner counts records, as Java's). */
  private recordsNotOnWire = 0;
  private nextSequence = 0;
  /** New sequences stay within the broker's duplicate window of the oldest batch not settled. */
  private readonly window = new SequenceWindow(MAX_IN_FLIGHT_PER_PARTITION);
  /** Bumped by a retriable failure: batches sent before it must come back first. */
  private generation = 0;
  /** A batch was written: the broker has this producer's state, and checks sequences. */
  private acknowledged = false;
  /** How many times `restartSequences` bumped this partition's producer epoch (added to the producer's). */
  epochBump = 0;
  /** Why a batch of the partition failed for good (failFrom): the later ones are not written. */
  failure: Error | undefined;
  /** The last batch refused alone (BatchSettlement.refuse): the pipeline's refusal count then, and why. */
  refusal: { readonly at: number; readonly error: Error } | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly idempotent: boolean,
  ) {}

  /** Bytes of the batches not on the wire (`notOnWire`). */
  get queuedBytes(): number {
    return this.notOnWire;
  }

  /** Records of the batches not on the wire (`recordsNotOnWire`). */
  get queuedRecords(): number {
    return this.recordsNotOnWire;
  }

  /** `b`, new, joins the queue (last). */
  append(b: Batch): void {
    this.queue.push(b);
    this.move(b, "queued");
  }

  /** Every batch leaves the queue (the pipeline closes). */
  takeAll(): Batch[] {
    const all = this.queue.splice(0);
    for (const b of all) this.move(b, "done");
    return all;
  }

  /**
   * The next batch to go (the first not on the wire) waits out its retry's backoff at `now`: as Java's
   * RecordAccumulator.ready, the partition is not ready (what `sendable` tells `wake` of).
   */
  backingOff(now: number): boolean {
    const next = this.queue.find((b) => b.state !== "inflight");
    return next?.state === "waiting" && next.retryAt > now;
  }

  /** The next batch that may go now; `wake` learns when a waiting one may (its backoff). */
  sendable(now: number, wake: (at: number) => void): Batch | undefined {
    // Anything still on the wire from before the last retriable failure (wherever it stands in the queue) holds
    // the partition back: the retried batches must not overtake its answer. The pass finds `oldest` for the window.
    // It ends at the first batch never sent ("queued"): this answer is always the first batch not on the wire, so no
    // batch after a queued one was ever sent (a split's pieces, "waiting", stand in their batch's sent place), and a
    // partition without a leader may queue thousands behind the held one (coalfree).
    let oldest: Batch | undefined;
    for (const b of this.queue) {
      if (b.state === "queued") break;
      if (b.state === "inflight" && b.generation !== this.generation) return undefined;
      if (!oldest && b.sequence >= 0) oldest = b;
    }
    // Every batch before the first not on the wire is on the wire: `onWire` of them.
    for (let onWire = 0; onWire < this.queue.length; onWire++) {
      const b = this.queue[onWire]!;
      if (b.state === "inflight") continue;
      if (b.state === "waiting" && b.retryAt > now) {
        wake(b.retryAt);
        return undefined;
      }
      if (!this.idempotent) return b;
      if (onWire >= (this.acknowledged ? MAX_IN_FLIGHT_PER_PARTITION : 1)) return undefined;
      return b.sequence >= 0 || this.window.open(oldest) ? b : undefined;
    }
    return undefined;
  }

  /** Marks `b` as sent; its first send gives it the next sequence (`stamp` writes it into the batch). */
  sent(b: Batch, stamp: (sequence: number) => void): void {
    if (this.idempotent && b.sequence < 0) {
      b.sequence = this.nextSequence;
      this.window.take(b);
      this.nextSequence = (this.nextSequence + b.count) % SEQUENCE_LIMIT;
      stamp(b.sequence);
    }
    this.move(b, "inflight");
    b.generation = this.generation;
    b.attempts++;
  }

  /** Classifies the broker's answer `code` for `b`. */
  verdict(b: Batch, code: number): Verdict {
    if (code === 0 || (code === DUPLICATE_SEQUENCE_NUMBER && this.idempotent)) return "written";
    if (b.notSentAfter) return "not-sent";
    if (this.idempotent && (code === OUT_OF_ORDER_SEQUENCE_NUMBER || code === UNKNOWN_PRODUCER_ID)) {
      // An earlier batch is missing (it failed and is retried): this one goes again after it.
      if (this.queue[0] !== b) return "retry";
      // The batch before it failed for good (too large, delivery.timeout.ms): its sequences are
      // missing, so this one was refused for that, not because the broker lost this producer's state.
      if (this.failure) return "not-sent";
      // Its sequence was restarted and nothing was written since (Java's sequenceHasBeenReset: it
      // retries without another epoch bump).
      if (this.epochBump > 0 && !this.acknowledged) return "retry";
      // Nothing is pending before it: the broker's state for this producer is behind it (an unclean
      // leader election, a log truncated, a broker restarted from a snapshot that keeps only the last
      // batch). Not written: the partition starts again (restartSequences).
      return "reset";
    }
    if (code === MESSAGE_TOO_LARGE && b.count > 1 && b.split) return "split";
    if (STALE_METADATA.has(code)) return "retry-after-metadata";
    if (RETRIABLE.has(code)) return "retry";
    // INVALID_PRODUCER_EPOCH (47) fails the producer here, where Java's idempotent producer fails the
    // batch and bumps the epoch: no 47 answers an epoch of this producer's own (after a restart,
    // batches of the older epoch on the wire are waited for, the rest are stamped with the new one),
    // so another writer used a newer epoch of this producer id and a new producer id is the cure.
    return PRODUCER_FATAL.has(code) ? "fatal" : "refused";
  }

  /** `b` is written: it leaves the queue (one of the epoch before a restart leaves the one-batch guard armed). */
  written(b: Batch): void {
    if (b.sequence >= 0) this.acknowledged = true;
    this.drop(b);
  }

  /** `b` goes again at `retryAt`, after every batch sent before this failure came back. */
  waitForRetry(b: Batch, retryAt: number): void {
    if (b.generation === this.generation) this.generation++;
    // Restarted while on the wire: stamped again when sent, in a copy (restartSequences says why).
    if (this.idempotent && b.sequence < 0) b.records = Buffer.from(b.records);
    this.move(b, "waiting");
    b.retryAt = retryAt;
  }

  /**
   * The broker lost this producer's state for the partition: its oldest pending batch came back
   * OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID (an unclean leader election, a truncated log,
   * a broker restarted from a snapshot that keeps only the last batch). As Java's idempotent producer
   * (TransactionManager.requestEpochBumpForPartition, TxnPartitionEntry.startSequencesAtBeginning), the
   * partition's epoch goes up by one and every pending batch takes a new sequence from 0 when next sent,
   * in queue order; those on the wire keep their bytes until they come back (`waitForRetry`), the
   * others are copied at once (a frame of an earlier attempt may still sit in a socket's queue: it is
   * never rewritten). The one-batch guard is armed again (a broker without the state takes any sequence).
   */
  restartSequences(): void {
    this.epochBump++;
    this.nextSequence = 0;
    this.window.restart();
    this.acknowledged = false;
    for (const b of this.queue) {
      if (b.sequence < 0) continue;
      b.sequence = -1;
      if (b.state !== "inflight") b.records = Buffer.from(b.records);
    }
  }

  /**
   * The broker refused `b` for good: it leaves the queue (the caller settles it) and the partition
   * goes on as Java's idempotent producer (Sender.failBatch → TransactionManager.handleFailedBatch →
   * requestEpochBumpForPartition → startSequencesAtBeginning): the later batches take the next epoch
   * and sequences from 0 (`restartSequences`); those on the wire come back OUT_OF_ORDER_SEQUENCE_NUMBER
   * and go again. With `laterFailWith` (keepOrderAfterRefusal) they fail instead: those not on the
   * wire leave the queue (returned), those on the wire once they come back (`notSentAfter`). Without
   * `restart` (`b` was behind a batch not settled yet: BatchSettlement.refuse) sequences stay.
   */
  refused(b: Batch, laterFailWith?: Error, restart = true): Batch[] {
    const later = laterFailWith ? this.queue.slice(this.queue.indexOf(b) + 1) : [];
    for (const l of later) if (l.state === "inflight") l.notSentAfter = laterFailWith;
    const failed = later.filter((l) => l.state !== "inflight");
    for (const gone of [b, ...failed]) this.drop(gone);
    if (this.idempotent && restart) this.restartSequences();
    return failed;
  }

  /** `b`, not written, leaves the queue (the caller settles it). */
  drop(b: Batch): void {
    const at = this.queue.indexOf(b);
    if (at < 0) return;
    this.queue.splice(at, 1);
    this.move(b, "done");
  }

  /**
   * `big` (on the wire, not written) gives way to `pieces`, which go next in its place with its sequence
   * range (`stamp` writes each piece's), after every batch sent before it came back (a retry, no backoff).
   */
  replace(big: Batch, pieces: readonly Batch[], stamp: (piece: Batch) => void): void {
    if (big.generation === this.generation) this.generation++;
    let sequence = big.sequence;
    if (this.idempotent && sequence >= 0) this.window.split(big, pieces);
    for (const piece of pieces) {
      if (this.idempotent && sequence >= 0) {
        piece.sequence = sequence;
        sequence = (sequence + piece.count) % SEQUENCE_LIMIT;
        stamp(piece);
      }
      piece.retryAt = 0;
    }
    // Once every piece is stamped (a stamp that throws leaves `big` in the queue, failed by the caller).
    this.queue.splice(this.queue.indexOf(big), 1, ...pieces);
    for (const piece of pieces) this.move(piece, "waiting");
    this.move(big, "done");
  }

  /**
   * `b` failed for good with `error`: it and every later batch not on the wire leave the queue (none
   * may be written ahead of it). Later batches on the wire stay: the broker may still write them, so
   * they settle on their own answer (written, or OUT_OF_ORDER_SEQUENCE_NUMBER: "not-sent").
   * A `b` no longer queued (settled already) fails alone: the queue's batches are not its later ones.
   */
  failFrom(b: Batch, error: Error): Batch[] {
    this.failure ??= error;
    const at = this.queue.indexOf(b);
    // Not there, `at` (-1) would fail the whole queue but its last batch, and keep that one.
    if (at < 0) return [b];
    const failed = [b];
    const onWire: Batch[] = [];
    for (const later of this.queue.slice(at + 1)) (later.state === "inflight" ? onWire : failed).push(later);
    this.queue.splice(at, this.queue.length - at, ...onWire);
    for (const f of failed) this.move(f, "done");
    return failed;
  }

  /**
   * The earliest delivery timeout of the batches not on the wire (Infinity: none): the first's. Deadlines ascend in
   * queue order (append order, a split's pieces in their batch's place with its deadline), and every pump asks each
   * partition: a partition without a leader may queue thousands of batches behind the held one (coalfree); the walk
   * passes only the few on the wire. Those are not waited for: as Java's Sender, their request ends them
   * (request.timeout.ms; BatchSettlement.retry expires one past its deadline), and the pipeline, woken at a deadline
   * already past, would run again at once until their answer came.
   */
  earliestDeadline(): number {
    for (const b of this.queue) if (b.state !== "inflight") return b.deadline;
    return Number.POSITIVE_INFINITY;
  }

  /** The first batch not on the wire whose delivery timeout has passed (deadlines ascend: see earliestDeadline). */
  expired(now: number): Batch | undefined {
    for (const b of this.queue) {
      if (now < b.deadline) return undefined;
      if (b.state !== "inflight") return b;
    }
    return undefined;
  }

  /**
   * The one place a batch's state changes, beside its joining or leaving the queue: `notOnWire` and
   * `recordsNotOnWire` follow from the old state and the new.
   */
  private move(b: Batch, to: BatchState): void {
    if (offWire(b.state) !== offWire(to)) {
      const sign = offWire(to) ? 1 : -1;
      this.notOnWire += sign * b.records.length;
      this.recordsNotOnWire += sign * b.count;
    }
    // `state` is read-only to every other code: each write is counted here.
    const moved: { state: BatchState } = b;
    moved.state = to;
  }
}
