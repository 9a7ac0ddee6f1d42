/**
 * PartitionBatches: the batches of one partition that the producer pipeline (ProducePipeline)
 * has taken and not yet settled, in append order, with the partition's sequence numbers and the
 * rules that keep them in order: which batch may go next, how an answer is classified, what fails
 * with a batch that fails for good. Kafka's rules (Java's RecordAccumulator and TransactionManager
 * for an idempotent producer): a batch gets the partition's next sequence when it is first sent
 * and keeps it; at most 5 batches of a partition are in flight; after a retriable failure nothing
 * of the partition goes again until every batch that was on the wire before it has come back, and
 * then the waiting batches go oldest first. Until a batch of the partition is written, one is on
 * the wire at a time: a broker without this producer's state for the partition takes any sequence
 * (Kafka's ProducerAppendInfo, since KIP-360), so a later batch would be written ahead of an
 * earlier one that failed (too large, …). A batch too large for the broker is replaced by its
 * pieces (batch-split.ts), which keep its sequence range.
 */

export type BatchState = "queued" | "inflight" | "waiting" | "done";

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

export interface Batch {
  readonly part: PartitionBatches;
  /** The encoded RecordBatch (stamped with producer id, epoch and sequence when first sent). */
  readonly records: Buffer;
  readonly count: number;
  /** When delivery.timeout.ms runs out. */
  readonly deadline: number;
  readonly settle: (outcome: BatchOutcome) => void;
  /** How it splits on MESSAGE_TOO_LARGE (absent: it cannot, as a batch of one record). */
  readonly split?: SplitRecords;
  state: BatchState;
  sequence: number;
  /** The partition's generation when last sent: batches sent before a failure hold a retry back. */
  generation: number;
  retryAt: number;
  attempts: number;
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
/** Retriable as they are (as Java's): CORRUPT_MESSAGE, REQUEST_TIMED_OUT, NETWORK_EXCEPTION, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), THROTTLING_QUOTA_EXCEEDED. */
const RETRIABLE: ReadonlySet<number> = new Set([...STALE_METADATA, 2, 7, 13, 19, 20, 89]);

/** The key of a partition in maps (one place builds it). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** What an answer means for a batch on the wire. */
export type Verdict = "written" | "retry" | "retry-after-metadata" | "split" | "reset" | "fatal";

export class PartitionBatches {
  /** Batches not yet settled, in append (= sequence) order. */
  readonly queue: Batch[] = [];
  private nextSequence = 0;
  /** Bumped by a retriable failure: batches sent before it must come back first. */
  private generation = 0;
  /** A batch was written: the broker has this producer's state, and checks sequences. */
  private acknowledged = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly idempotent: boolean,
  ) {}

  /** The next batch that may go now; `wake` learns when a waiting one may (its backoff). */
  sendable(now: number, wake: (at: number) => void): Batch | undefined {
    // Anything still on the wire from before the last retriable failure (wherever it stands in
    // the queue) holds the partition back: the retried batches must not overtake its answer.
    for (const b of this.queue) if (b.state === "inflight" && b.generation !== this.generation) return undefined;
    let onWire = 0;
    for (const b of this.queue) {
      if (b.state === "inflight") {
        onWire++;
        continue;
      }
      if (b.state === "waiting" && b.retryAt > now) {
        wake(b.retryAt);
        return undefined;
      }
      if (this.idempotent && onWire >= (this.acknowledged ? MAX_IN_FLIGHT_PER_PARTITION : 1)) return undefined;
      return b;
    }
    return undefined;
  }

  /** Marks `b` as sent; its first send gives it the next sequence (`stamp` writes it into the batch). */
  sent(b: Batch, stamp: (sequence: number) => void): void {
    if (this.idempotent && b.sequence < 0) {
      b.sequence = this.nextSequence;
      this.nextSequence = (this.nextSequence + b.count) % SEQUENCE_LIMIT;
      stamp(b.sequence);
    }
    b.state = "inflight";
    b.generation = this.generation;
    b.attempts++;
  }

  /** Classifies the broker's answer `code` for `b`. */
  verdict(b: Batch, code: number): Verdict {
    if (code === 0 || (code === DUPLICATE_SEQUENCE_NUMBER && this.idempotent)) return "written";
    if (this.idempotent && (code === OUT_OF_ORDER_SEQUENCE_NUMBER || code === UNKNOWN_PRODUCER_ID)) {
      // An earlier batch is missing (it failed and is retried): this one goes again after it.
      if (this.queue[0] !== b) return "retry";
      // Nothing is pending before it: the broker lost what this producer wrote (an unclean leader
      // election, DeleteRecords). Not written; Java's producer bumps its epoch and sends it again with
      // sequences from 0: here it fails retriably and the caller sends it again on a new producer id.
      return "reset";
    }
    if (code === MESSAGE_TOO_LARGE && b.count > 1 && b.split) return "split";
    if (STALE_METADATA.has(code)) return "retry-after-metadata";
    return RETRIABLE.has(code) ? "retry" : "fatal";
  }

  /** `b` is written: it leaves the queue (the caller settles it). */
  written(b: Batch): void {
    this.acknowledged = true;
    this.queue.splice(this.queue.indexOf(b), 1);
  }

  /** `b` goes again at `retryAt`, after every batch sent before this failure came back. */
  waitForRetry(b: Batch, retryAt: number): void {
    if (b.generation === this.generation) this.generation++;
    b.state = "waiting";
    b.retryAt = retryAt;
  }

  /**
   * `big` (on the wire, not written) gives way to `pieces`, which go next in its place with its
   * sequence range (`stamp` writes each piece's), after every batch sent before it came back (as a
   * retry, without backoff).
   */
  replace(big: Batch, pieces: readonly Batch[], stamp: (piece: Batch) => void): void {
    if (big.generation === this.generation) this.generation++;
    let sequence = big.sequence;
    for (const piece of pieces) {
      if (this.idempotent && sequence >= 0) {
        piece.sequence = sequence;
        sequence = (sequence + piece.count) % SEQUENCE_LIMIT;
        stamp(piece);
      }
      piece.state = "waiting";
      piece.retryAt = 0;
    }
    this.queue.splice(this.queue.indexOf(big), 1, ...pieces);
  }

  /**
   * `b` failed for good: it and every later batch not on the wire leave the queue (none may be
   * written ahead of it). Later batches on the wire stay: the broker may still write them, so they
   * settle on their own answer (written, or OUT_OF_ORDER_SEQUENCE_NUMBER once nothing is pending
   * before them).
   */
  failFrom(b: Batch): Batch[] {
    const at = this.queue.indexOf(b);
    const failed = [b];
    const onWire: Batch[] = [];
    for (const later of this.queue.slice(at + 1)) (later.state === "inflight" ? onWire : failed).push(later);
    this.queue.splice(at, this.queue.length - at, ...onWire);
    return failed;
  }

  /** The earliest delivery timeout of the batches not settled (Infinity: none). */
  earliestDeadline(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const b of this.queue) earliest = Math.min(earliest, b.deadline);
    return earliest;
  }

  /** The first batch not on the wire whose delivery timeout has passed. */
  expired(now: number): Batch | undefined {
    return this.queue.find((b) => b.state !== "inflight" && now >= b.deadline);
  }
}
