/**
 * BatchSettlement: how ProducePipeline settles its batches: written, retried after a backoff (retry.backoff.ms,
 * doubling with each attempt up to retry.backoff.max.ms; until `retries` or delivery.timeout.ms), or failed for
 * good, taking the later batches of the partition not on the wire with it (a retriable NotSentError, unless an earlier
 * attempt of one may have been written: then a retriable error that says so). The first failure
 * is kept (`failure`): the pipeline takes no new batch after it. A batch the broker refuses for
 * good fails alone and its partition goes on with a new epoch (`refuse`), as do a topic's batches not
 * on the wire when metadata refuses the topic (`cannotSend`). A batch too large for the
 * broker is split instead (batch-split.ts). A partition whose broker lost this producer's state
 * starts again with a new epoch (`restart`). The run of retries (batches retried, metadata or a producer
 * id not to be had) is kept for `retryFailure` (producer-retries.ts: the task's Degraded trace).
 */

import { type KafkaAccessError, withUnauthorizedTopic } from "../access-errors.ts";
import { kafkaErrorOf } from "../send-rejection.ts";
import {
  accessRefusal,
  brokerAnswer,
  describeBatch,
  failureDetail,
  notSentAfter,
  withExpiry,
} from "./batch-failures.ts";
import { splitBatch } from "./batch-split.ts";
import { failureMessage, retriable as isRetriable, isUnknownTopic } from "./errors.ts";
import type { Batch, PartitionBatches } from "./partition-batches.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import { requestNotWritten } from "./produce-transport.ts";
import { ProducerRetries } from "./producer-retries.ts";
import { RetryWarnings } from "./retry-warnings.ts";

/** At most one retry warning per this many milliseconds (an outage would otherwise flood the log). */
const RETRY_WARNING_INTERVAL_MS = 5_000;
/** Java's batch.size default. */
export const DEFAULT_BATCH_BYTES = 16_384;
/** The largest producer epoch (an int16, Short.MAX_VALUE). */
const MAX_PRODUCER_EPOCH = 32_767;
/** Answers that leave open whether the batch was written: REQUEST_TIMED_OUT, NETWORK_EXCEPTION, NOT_ENOUGH_REPLICAS_AFTER_APPEND. */
const MAYBE_WRITTEN: ReadonlySet<number> = new Set([7, 13, 20]);

export class BatchSettlement {
  /** Set once a batch failed for good. */
  failure: Error | undefined;
  /** How many batches were refused alone so far (`refuse`; each partition keeps the count at its last). */
  refusals = 0;
  /** Why metadata or a producer id could not be had lately (for the expiry message). */
  private lastError: string | undefined;
  /** Metadata asks have failed (retriably) since one last answered: their one WARN was given (or is held). */
  private metadataWarned = false;
  /** The producer's retry WARNs, one per RETRY_WARNING_INTERVAL_MS at most (UnansweredRequests' too). */
  readonly retryWarnings: RetryWarnings;
  private readonly retryRun: ProducerRetries;
  /**
   * Partitions where a batch was refused behind one not settled yet, with the producer epoch the
   * refused batch had: a `restart` at that epoch is for the sequence gap it left; once the epoch has
   * moved on (another refusal took the next one) the gap is gone and a restart has another cause.
   */
  private readonly refusedGaps = new WeakMap<PartitionBatches, number>();

  constructor(
    private readonly s: PipelineSettings,
    private readonly now: () => number,
    private readonly wake: (at: number) => void,
    /** retry.backoff.ms · 2^n, at most retry.backoff.max.ms, ±20 % jitter: Java's ExponentialBackoff.backoff(n) (KIP-580). */
    private readonly backoff: (n: number) => number,
  ) {
    this.retryWarnings = new RetryWarnings(RETRY_WARNING_INTERVAL_MS, s.onRetry, wake);
    this.retryRun = new ProducerRetries(s.error);
  }

  /**
   * While the producer retries on its own (a batch retried, not past delivery.timeout.ms or `retries`; metadata
   * or a producer id not to be had while batches are `pending`), for RETRY_GRACE_MS or more: its last failure;
   * else undefined. A retried batch that settles (written, or failed for good: the caller's retries take over)
   * no longer counts.
   */
  retryFailure(pending: boolean): Error | undefined {
    return this.retryRun.failure(this.now(), pending);
  }

  /**
   * No batch waits for metadata or a producer id (had, or none to ask for): the expiry message and the run of retries
   * no longer name their failure. The run of failed metadata asks and its one WARN go on until an ask answers
   * (`metadataAnswered`): a turn with only batches on the wire (on their way to a broker that fails them) is no answer.
   */
  metadataHad(): void {
    this.lastError = undefined;
    this.retryRun.metadataHad();
  }

  /**
   * A metadata ask answered (any: a turn's, a background one's, one refusing a topic as unknown): the run of failed
   * asks is over, the next retriable failure of one gives its WARN again.
   */
  metadataAnswered(): void {
    this.metadataWarned = false;
  }

  /**
   * Metadata or a producer id could not be had: a retriable error is kept for the expiry message
   * and tried again after retry.backoff.ms; metadata's for `topics` gives one WARN a run of such failures (until
   * an ask answers), through the retry WARNs' budget (`metadataWarning`); any other (an authorization failure, …) fails the
   * batches not on the wire at once (of `topics`, or all), with the cause. A refusal of `topics`
   * (TOPIC_AUTHORIZATION_FAILED) fails only their batches, each partition's as `refuseQueued`
   * says, and the producer goes on (`epoch`: the producer's), as Java's fails only that topic's sends.
   */
  cannotSend(
    partitions: Iterable<PartitionBatches>,
    error: unknown,
    now: number,
    what: string,
    topics?: ReadonlySet<string>,
    epoch = 0,
  ): void {
    const message = failureMessage(error, what);
    if (isRetriable(error) || isUnknownTopic(error)) {
      this.lastError = message;
      this.retryRun.metadataFailed(now, message, error);
      if (topics && isRetriable(error)) this.metadataWarning(topics, message, now);
      this.wake(now + this.s.retryBackoffMs);
      return;
    }
    // An authorization refusal is Java's exception for it (TopicAuthorizationException naming the topic, …).
    const failure = accessRefusal(error, what, topics) ?? this.s.error(message, false, error);
    const topicRefusal = topics !== undefined && kafkaErrorOf(failure) === "TOPIC_AUTHORIZATION_FAILED";
    if (!topicRefusal) this.failure ??= failure;
    let failed = false;
    for (const part of partitions) {
      if (topics && !topics.has(part.topic)) continue;
      const first = part.queue.find((b) => b.state !== "inflight");
      if (!first) continue;
      if (topicRefusal) this.refuseQueued(part, withUnauthorizedTopic(failure as KafkaAccessError, part.topic), epoch);
      else this.fail(first, failure);
      failed = true;
    }
    // The other topics' batches taken before the failure are still sent (the pump returned before them).
    // Only when some were failed: with only batches on the wire left, the pump would ask the same topics
    // again at once, in a loop until they are answered; their answers wake it instead.
    if (topics && failed) this.wake(now);
  }

  /**
   * The first retriable failure of a metadata ask for `topics` since one last answered: one WARN, naming them and
   * the error (the expiry message's text), as the batches waiting for it may not fail for delivery.timeout.ms; held
   * back by the budget while the failures go on, it is written once the budget allows, naming the latest error.
   */
  private metadataWarning(topics: ReadonlySet<string>, message: string, now: number): void {
    if (this.metadataWarned) return;
    this.metadataWarned = true;
    const names = [...topics];
    const named = names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", ");
    // The latest failure's text while one is kept; else (a turn with nothing to ask cleared it, the run not over) this one's.
    const text = (at: number) =>
      `${this.lastError ?? message}; ${names.length > 1 ? "topics" : "topic"} ${named} asked again until delivery.timeout.ms${heldBack(at - now, "first asked")}`;
    this.retryWarnings.warn(now, text, () => this.metadataWarned, "metadata");
  }

  succeed(b: Batch, baseOffset: number): void {
    b.part.written(b);
    this.finish(b, baseOffset);
  }

  /** `sentAt`: when the request went, for one that failed as a whole (the run of retries counts from it). */
  retry(
    b: Batch,
    code: number,
    message: string | null | undefined,
    cause?: unknown,
    how = "retrying",
    sentAt?: number,
  ): void {
    // On the wire behind a refused batch (keepOrderAfterRefusal): its sequences followed a gap, so
    // the broker did not write it; it is not sent again either.
    if (b.notSentAfter) {
      this.notSent(b);
      return;
    }
    // No answer (code < 0: the request failed as a whole, unless before any of it went out) or one that leaves it open.
    if ((code < 0 && !requestNotWritten(cause)) || MAYBE_WRITTEN.has(code)) b.uncertain = true;
    const now = this.now();
    const detail = () => failureDetail(b, code, message, cause);
    // As Java's Sender: a batch past its delivery timeout is expired (TimeoutException), one out of
    // retries fails with the broker's exception for its last answer (NotLeaderOrFollowerException, …).
    if (now >= b.deadline) {
      this.fail(b, this.expired(b, this.s.error(`${detail()}; delivery.timeout.ms elapsed`, true, cause), now));
      return;
    }
    if (b.attempts > this.s.retries) {
      const failure = this.s.error(`${detail()}; retries (${this.s.retries}) exhausted`, true, cause);
      this.fail(b, brokerAnswer(failure, code, message, b.part.topic));
      return;
    }
    // As Java's RecordAccumulator.shouldBackoff: the wait grows with the batch's attempts (KIP-580).
    b.part.waitForRetry(b, now + this.backoff(Math.max(0, b.attempts - 1)));
    const answer = code > 0 && cause === undefined ? { code, message, topic: b.part.topic } : undefined;
    this.retryRun.batchRetried(b, now, detail(), cause, answer, sentAt);
    this.wake(b.retryAt);
    const attempt = b.attempts + 1;
    // Held back by the budget (a WARN at startup, then the outage's first retry): written later while `b` is retried,
    // saying how long ago the retry was.
    const text = (at: number) =>
      `${detail()}; ${how} (attempt ${attempt}) until delivery.timeout.ms${heldBack(at - now)}`;
    this.retryWarnings.warn(now, text, () => !b.settled, "retry", b);
  }

  /**
   * `b`, the oldest pending batch of its partition, came back OUT_OF_ORDER_SEQUENCE_NUMBER or
   * UNKNOWN_PRODUCER_ID (`code`): the broker lost this producer's state. The partition starts again
   * with its next producer epoch (PartitionBatches.restartSequences) and `b` is retried first. When
   * the epoch (`epoch`, the producer's, plus the partition's bumps) cannot go higher, `b` fails
   * retriably instead: the caller sends it again on a new producer id (Java's idempotent producer
   * gets a new producer id then too).
   */
  restart(b: Batch, code: number, message: string | null | undefined, epoch: number): void {
    if (epoch + b.part.epochBump >= MAX_PRODUCER_EPOCH) {
      this.fail(b, this.s.error(describeBatch(b, code, message), true));
      return;
    }
    const gapAt = this.refusedGaps.get(b.part);
    this.refusedGaps.delete(b.part);
    const why =
      gapAt === epoch + b.part.epochBump ? "a batch before it was refused" : "the broker lost this producer's state";
    b.part.restartSequences();
    const tp = `${b.part.topic}-${b.part.partition}`;
    const how = `${why}: sending ${tp}'s pending batches again in order with producer epoch ${epoch + b.part.epochBump} and sequences from 0, one on the wire until one is written; retrying`;
    this.retry(b, code, message, undefined, how);
  }

  /**
   * The broker refused `b` for good (`code`: INVALID_RECORD, INVALID_TIMESTAMP, one record too
   * large, …): `b` fails with the broker's answer and only `b`; its partition goes on with its next
   * producer epoch (PartitionBatches.refused), as Java's idempotent producer; with
   * keepOrderAfterRefusal its later batches not written yet fail too (NotSentError). When the epoch
   * (`epoch`, the producer's, plus the partition's bumps) cannot go higher, the later batches fail
   * with it and so does the pipeline (the caller takes a new producer id, as Java then does).
   * When `b` is not its partition's oldest pending batch, the epoch is not bumped now: one ahead of
   * it (a timeout, a lost answer, NOT_ENOUGH_REPLICAS_AFTER_APPEND) may be in the log already; sent
   * again at the next epoch from sequence 0 it would be written twice. It goes again with its own
   * sequence (DUPLICATE_SEQUENCE_NUMBER or written: once); the batches after `b` come back
   * OUT_OF_ORDER_SEQUENCE_NUMBER (`b`'s sequences are missing) and wait behind it, and once it is
   * written the first of them, now the oldest, takes the next epoch from sequence 0 (`restart`).
   * The pipeline used to fail instead: the caller then sent the later batches again on a new
   * producer id, and one that an earlier attempt had written (a lost answer) was written twice.
   */
  refuse(b: Batch, code: number, message: string | null | undefined, epoch: number): void {
    this.refuseWith(b, this.refusal(b, code, message), epoch);
  }

  /**
   * Metadata refused `part`'s topic (`error`, naming it): its batches not on the wire fail with it and the
   * partition goes on; those on the wire settle on their answers. The first of them that took a sequence
   * (sent before, waiting for a retry) leaves a gap: it is refused as `refuse` refuses a batch (the next
   * epoch, now or once the batches ahead of it are answered); the others fail with it, none sent again.
   * Unless an earlier attempt of it may have been written (`uncertain`): then those on the wire behind it may
   * be written too, so they settle on their answers (none fails as not written, none goes again from sequence
   * 0) and the epoch waits for them, as behind a batch not settled yet.
   */
  private refuseQueued(part: PartitionBatches, error: Error, epoch: number): void {
    const queued = part.queue.filter((b) => b.state !== "inflight");
    const gap = queued.find((b) => b.sequence >= 0);
    for (const b of queued) {
      if (b === gap) continue;
      part.drop(b);
      this.finish(b, error);
    }
    if (gap) this.refuseWith(gap, error, epoch, gap.uncertain);
    else part.refusal = { at: ++this.refusals, error };
  }

  /** `b` fails alone with `error`, as `refuse` says (`mayBeWritten`: as `refuseQueued` says). */
  private refuseWith(b: Batch, error: Error, epoch: number, mayBeWritten = false): void {
    if (this.s.idempotent && epoch + b.part.epochBump >= MAX_PRODUCER_EPOCH) {
      this.fail(b, error);
      return;
    }
    b.part.refusal = { at: ++this.refusals, error };
    const behind = mayBeWritten && b.part.queue.at(-1) !== b;
    const laterFailWith = this.s.keepOrderAfterRefusal && !behind ? notSentAfter(b.part, error) : undefined;
    const oldest = b.part.queue[0] === b && !behind;
    if (!oldest) this.refusedGaps.set(b.part, epoch + b.part.epochBump);
    const later = b.part.refused(b, laterFailWith, oldest);
    this.finish(b, error);
    for (const l of later) this.finish(l, l.notSentAfter ?? notSentAfter(b.part, error));
  }

  /**
   * `b` came back not written because an earlier batch of its partition failed: as `fail` (a
   * NotSentError, or a retriable error saying it may have been written when an earlier attempt of it may have been:
   * a request of a cut connection the broker still handles after this answer), or, when that batch was only refused
   * (`notSentAfter`), it alone.
   */
  notSent(b: Batch): void {
    if (b.notSentAfter) {
      b.part.drop(b);
      this.finish(b, b.notSentAfter);
    } else {
      const failure = b.part.failure!;
      this.fail(b, b.uncertain ? this.maybeWrittenBehind(b, failure) : notSentAfter(b.part, failure));
    }
  }

  /** The broker's answer `code` for `b` is fatal to the producer: `b` fails, with what `fail` takes. */
  reject(b: Batch, code: number, message: string | null | undefined): void {
    this.fail(b, this.refusal(b, code, message));
  }

  private refusal(b: Batch, code: number, message: string | null | undefined): Error {
    return brokerAnswer(this.s.error(describeBatch(b, code, message), false), code, message, b.part.topic);
  }

  /**
   * `b` came back MESSAGE_TOO_LARGE (`code`): its pieces of at most batch.size take its place and
   * go next (not counted as a retry, as Java's split); `stamp` writes a piece's sequence. When the
   * pieces cannot be encoded (this runs in an answer's callback, where a throw would leave the rest
   * of the answer on the wire for ever), `b` fails with the cause.
   */
  split(b: Batch, code: number, message: string | null | undefined, stamp: (piece: Batch) => void): void {
    let pieces: Batch[];
    try {
      pieces = splitBatch(b, this.s.batchBytes ?? DEFAULT_BATCH_BYTES);
      b.part.replace(b, pieces, stamp);
    } catch (error) {
      const why = (error as Error)?.message ?? String(error);
      const failure = this.s.error(`${describeBatch(b, code, message)}; could not split it: ${why}`, false, error);
      this.fail(b, brokerAnswer(failure, code, message, b.part.topic));
      return;
    }
    // Settled by its pieces from now on (replace took it out of the queue; if that throws, `b` is failed instead).
    b.settled = true;
    this.retryRun.batchSettled(b);
    const text = () =>
      `${describeBatch(b, code, message)}; splitting it into ${pieces.length} batches and sending them again`;
    this.retryWarnings.warn(this.now(), text);
  }

  /**
   * `b` and every later batch of its partition not on the wire fail (those on the wire settle on
   * their answer: PartitionBatches.failFrom); the pipeline takes nothing new. A later batch an
   * earlier attempt of which may have been written (`uncertain`) fails retriably but not as a
   * NotSentError: the port keeps that for records the broker did not write.
   */
  fail(b: Batch, error: Error): void {
    this.failure ??= error;
    const [failed, ...later] = b.part.failFrom(b, error);
    this.finish(failed!, error);
    if (later.length === 0) return;
    const collateral = notSentAfter(b.part, error);
    for (const c of later) this.finish(c, c.uncertain ? this.maybeWrittenBehind(c, error) : collateral);
  }

  /** The failure of `c`, an earlier attempt of which may have been written, behind a batch that failed with `error`. */
  private maybeWrittenBehind(c: Batch, error: Error): Error {
    const tp = `${c.part.topic}-${c.part.partition}`;
    const why = `Not acknowledged: an earlier batch of ${tp} failed, and this one may have been written by an earlier attempt`;
    return this.s.error(why, true, error);
  }

  /**
   * `b`, which has just left its partition's queue (PartitionBatches made it "done"), settles with `result`, unless it
   * settled already (`settled`). Java's ProducerBatch.done keeps its first final state too (it ignores a later one, or
   * throws after a success: here a throw in an answer's callback would leave the rest of the answer unsettled).
   */
  finish(b: Batch, result: number | Error): void {
    if (b.settled) return;
    b.settled = true;
    this.retryRun.batchSettled(b);
    b.settle(result);
  }

  /** `failure` of `b`, past its delivery timeout at `now`, with Java's TimeoutException for it as its cause (batch-failures.ts). */
  private expired(b: Batch, failure: Error, now: number): Error {
    return withExpiry(failure, b, now - (b.deadline - this.s.deliveryTimeoutMs));
  }

  /** Batches not on the wire whose delivery timeout passed fail; the pipeline wakes at the next such timeout. */
  expire(partitions: Iterable<PartitionBatches>, now: number): void {
    const why = this.lastError ? ` (${this.lastError})` : "";
    let earliest = Number.POSITIVE_INFINITY;
    for (const part of partitions) {
      const b = part.expired(now);
      if (b) {
        const how = b.uncertain ? "acknowledged (it may have been written)" : "sent";
        const failure = this.s.error(
          `${describeBatch(b, -1, null)}: delivery.timeout.ms elapsed before it was ${how}${why}`,
          true,
        );
        this.fail(b, this.expired(b, failure, now));
      }
      earliest = Math.min(earliest, part.earliestDeadline());
    }
    if (earliest !== Number.POSITIVE_INFINITY) this.wake(earliest);
  }
}

/**
 * What a WARN written `ms` after its retry (or a run's first failed metadata ask: `done` "first asked") adds when the budget held it back: how long
 * ago that was.
 */
function heldBack(ms: number, done = "retried"): string {
  return ms >= 1_000 ? ` (${done} ${Math.round(ms / 1_000)} s ago; held back by the one-WARN-per-interval budget)` : "";
}
