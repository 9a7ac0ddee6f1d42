/**
 * PartitionBatches: the batches of one partition that the producer pipeline (ProducePipeline)
 * has taken and not yet settled, in append order, with the partition's sequence numbers and the
 * rules that keep them in order: which batch may go next, how an answer is classified, what fails
 * with a batch that fails for good. Kafka's rules (Java's RecordAccumulator and TransactionManager
 * for an idempotent producer): a batch gets the partition's next sequence when it is first sent
 * and keeps it; at most 5 batches of a partition are in flight; after a retriable failure nothing
 * of the partition goes again until every batch that was on the wire before it has come back, and
 * then the waiting batches go oldest first.
 */

export type BatchState = "queued" | "inflight" | "waiting" | "done";

export interface Batch {
  readonly part: PartitionBatches;
  /** The encoded RecordBatch (stamped with producer id, epoch and sequence when first sent). */
  readonly records: Buffer;
  readonly count: number;
  /** When delivery.timeout.ms runs out. */
  readonly deadline: number;
  readonly settle: (baseOffset: number | Error) => void;
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
const DUPLICATE_SEQUENCE_NUMBER = 46;
/** Retriable, after fresh metadata: UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH. */
const STALE_METADATA: ReadonlySet<number> = new Set([3, 5, 6, 9, 56, 74, 75]);
/** Retriable as they are: REQUEST_TIMED_OUT, NETWORK_EXCEPTION, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), THROTTLING_QUOTA_EXCEEDED. */
const RETRIABLE: ReadonlySet<number> = new Set([...STALE_METADATA, 7, 13, 19, 20, 89]);

/** What an answer means for a batch on the wire. */
export type Verdict = "written" | "retry" | "retry-after-metadata" | "fatal";

export class PartitionBatches {
  /** Batches not yet settled, in append (= sequence) order. */
  readonly queue: Batch[] = [];
  private nextSequence = 0;
  /** Bumped by a retriable failure: batches sent before it must come back first. */
  private generation = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly idempotent: boolean,
  ) {}

  /** The next batch that may go now; `wake` learns when a waiting one may (its backoff). */
  sendable(now: number, wake: (at: number) => void): Batch | undefined {
    let onWire = 0;
    for (const b of this.queue) {
      if (b.state === "inflight") {
        if (b.generation !== this.generation) return undefined;
        onWire++;
        continue;
      }
      if (b.state === "waiting" && b.retryAt > now) {
        wake(b.retryAt);
        return undefined;
      }
      if (this.idempotent && onWire >= MAX_IN_FLIGHT_PER_PARTITION) return undefined;
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
    // An earlier batch is missing (it failed and is retried): this one goes again after it.
    if (code === OUT_OF_ORDER_SEQUENCE_NUMBER && this.idempotent && this.queue[0] !== b) return "retry";
    if (STALE_METADATA.has(code)) return "retry-after-metadata";
    return RETRIABLE.has(code) ? "retry" : "fatal";
  }

  /** `b` is written: it leaves the queue (the caller settles it). */
  written(b: Batch): void {
    this.queue.splice(this.queue.indexOf(b), 1);
  }

  /** `b` goes again at `retryAt`, after every batch sent before this failure came back. */
  waitForRetry(b: Batch, retryAt: number): void {
    if (b.generation === this.generation) this.generation++;
    b.state = "waiting";
    b.retryAt = retryAt;
  }

  /** `b` failed for good: it and every later batch leave the queue (none may be written ahead of it). */
  failFrom(b: Batch): Batch[] {
    return this.queue.splice(this.queue.indexOf(b));
  }

  /** The first batch not on the wire whose delivery timeout has passed. */
  expired(now: number): Batch | undefined {
    return this.queue.find((b) => b.state !== "inflight" && now >= b.deadline);
  }
}
