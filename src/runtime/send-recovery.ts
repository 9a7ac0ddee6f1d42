/**
 * SendRecovery: how a SourceTaskSender sends a request again after its pipelined attempt failed (SendCoalescer's
 * `recover`, run while nothing else is on the wire, oldest request first). Retried with backoff while Kafka is
 * unreachable (the task is not polled meanwhile: `retrying`); records a rejection lists as written (the port's
 * PartlyWritten) are acknowledged and not sent again; when Kafka rejects the rest for good they are sent one by one,
 * so the culprit fails alone and takes Connect's KAFKA_PRODUCE path (or, a per-record refusal, is rejected to a task
 * that takes them: record-rejection.ts) while the others go through (at-least-once). A recovery the stop or a failure
 * ends says whether the records left unwritten certainly are not written (`SendOutcome.unwritten`: no attempt at them
 * reached a broker, or the broker refused each: the port's `unwritten`), so that their SourceTask may learn it.
 */
import type { SourceRecord } from "../api/record.ts";
import { isRetriable, messageOf } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { NotSentError, unwritten, writtenRecords } from "../kafka/send-rejection.ts";
import { abortable } from "../util/async.ts";
import { type BackoffPolicy, retry } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { FailureLogBudget, notLoggedNote } from "../util/failure-log-budget.ts";
import { type RecordFailureContext, recordFailedAlone } from "./record-rejection.ts";
import type { SendOutcome } from "./send-coalescer.ts";
import type { Outgoing } from "./source-task-sender.ts";
import { TopicCreationError } from "./topic-creation.ts";

export interface SendRecoveryOptions extends RecordFailureContext {
  readonly clock: Clock;
  /** The task's stop signal: retries and waits end with it. */
  readonly stopSignal: () => AbortSignal;
  /** The producer to send `records` with, their topics ready; undefined when the task is stopping. */
  readonly producerFor: (records: readonly ProducerRecord[]) => Promise<KafkaProducer | undefined>;
  /** A send of `producer` failed: the sender replaces it when it is failed (the KafkaProducer contract). */
  readonly sendFailed: (producer: KafkaProducer) => void;
  /**
   * The records their task withdrew (SourceTaskSender.withdraw), undefined while none is: a retry leaves them out, their
   * metadata is null.
   */
  readonly withdrawn?: () => ReadonlySet<SourceRecord> | undefined;
}

/**
 * The request a recovery is sending (the innermost, when it sends its records one by one): what `forEachWithdrawable`
 * reads.
 */
interface Recovering {
  readonly chunk: readonly Outgoing[];
  readonly done: readonly (ProducedMetadata | null | undefined)[];
  /** Whether an attempt at the records not written yet may have written them. */
  readonly maybeSent: () => boolean;
  /** A retry's `producer.send` is under way: its records may reach a broker. */
  sending: boolean;
}

/**
 * Kafka unreachable: retried until it answers or the task stops, at most a second apart as Java's producer
 * reconnects (`reconnect.backoff.max.ms`), so that a broker back is used at once (device requests waiting on it).
 */
const PRODUCE_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 1_000 };

export class SendRecovery {
  /** Sends being retried after a retriable failure (Kafka unreachable). */
  private sendsRetrying = 0;
  /** The last failure a send is being retried after. */
  private lastFailure: unknown;
  /** Whether an attempt at the records being retried (the last retry's) may have written one of them. */
  private lastMaybeWritten = true;
  /** Recoveries of one record of a request (`oneByOne`) under way: the request's other records may be written. */
  private alone = 0;
  /** Set by `holdUnwritten`: no attempt goes out any more; the recovery ends with the task's stop. */
  private held = false;
  private recovering: Recovering | undefined;

  constructor(private readonly c: SendRecoveryOptions) {}

  /** True while a send is being retried (Kafka unreachable). */
  get retrying(): boolean {
    return this.sendsRetrying > 0;
  }

  /** While a send is being retried: the failure of its last attempt (why Kafka does not take it); else undefined. */
  get retryFailure(): unknown {
    return this.sendsRetrying > 0 ? this.lastFailure : undefined;
  }

  /**
   * While a send is being retried: true when no attempt at its records may have written one of them (each reached no
   * broker or was refused: the port's `unwritten`, the rule of `SendOutcome.unwritten`); false otherwise.
   */
  get retryUnwritten(): boolean {
    return this.sendsRetrying > 0 && !this.lastMaybeWritten;
  }

  /**
   * No attempt at the records being retried goes out any more: the recovery waits for the task's stop, which gives them
   * back certainly unwritten (`SendOutcome.unwritten`). Called only when `retryUnwritten` (then no send is under way).
   */
  hold(): void {
    this.held = true;
  }

  /**
   * Visits each record of the request being recovered that is not written yet, when no attempt may have written it
   * (each reached no broker or was refused: the port's `unwritten`) and no send is carrying it now: it can be withdrawn
   * (SourceTaskSender.withdraw), and the next retry leaves it out.
   */
  forEachWithdrawable(visit: (record: Outgoing) => void): void {
    const r = this.recovering;
    if (r === undefined || r.sending || r.maybeSent()) return;
    for (let i = 0; i < r.chunk.length; i++) if (r.done[i] === undefined) visit(r.chunk[i]!);
  }

  /**
   * A request whose attempt failed with `previous`, or one record of it: retried while Kafka is unreachable. Records a
   * rejection lists as written are acknowledged and not sent again. When Kafka rejects the rest for good, they are sent
   * one by one to find those that fail on their own; a record that fails alone takes Connect's KAFKA_PRODUCE path
   * (fail the task, or skip it with errors.tolerance=all). Never throws.
   */
  async recover(
    chunk: readonly Outgoing[],
    previous?: unknown,
    /** Whether an earlier attempt at `chunk` may have written it (a request alone: unknown). */
    sentBefore = previous === undefined || !unwritten(previous),
  ): Promise<SendOutcome> {
    const records = chunk.map((o) => o.produced);
    /** Each record's metadata once written; null once withdrawn (SourceTaskSender.withdraw). */
    const done: (ProducedMetadata | null | undefined)[] = new Array(chunk.length).fill(undefined);
    const unsent = () => records.flatMap((_, i) => (done[i] === undefined ? [i] : []));
    const absorb = (sent: readonly number[], error: unknown) => {
      const written = writtenRecords(error);
      for (let k = 0; written && k < sent.length; k++) done[sent[k]!] ??= written[k] ?? undefined;
    };
    /** Whether an attempt at the records not written yet may have written them (reached a broker, not refused). */
    let maybeSent = sentBefore;
    const outcome = (failure?: { error: unknown }): SendOutcome => {
      const end = done.indexOf(undefined);
      const metadata = done.slice(0, end < 0 ? done.length : end) as (ProducedMetadata | null)[];
      const result: SendOutcome = withWritten(failure ? { metadata, failure } : { metadata }, done, metadata.length);
      // "Not written" is said of every record after `metadata` but those listed written (another partition's).
      return maybeSent ? result : { ...result, unwritten: true };
    };
    let retrying = false;
    // The first warning of a recovery carries the error's trace; each retry after it is one line (a
    // broker down for an hour would otherwise log a whole trace every 10 s per task), thinned out by
    // the budget: retried every second, a broker down for a day was 86,400 lines per source task.
    const warnings = new FailureLogBudget(this.c.clock);
    const warn = (message: string, error: unknown) => {
      const admitted = warnings.admit();
      if (admitted === undefined) return;
      if (admitted.logged > 0) this.c.log.warn(`${message}${notLogged(admitted.unlogged)}: ${messageOf(error)}`);
      else this.c.log.warn(message, error);
    };
    /** The retry's failure, and whether its records may be written (see retryUnwritten). */
    const retried = (error: unknown) => {
      this.lastFailure = error;
      this.lastMaybeWritten = maybeSent || this.alone > 0 || done.some((m) => m !== undefined && m !== null);
    };
    const backOff = async (count: number, error: unknown) => {
      retrying = true;
      this.sendsRetrying++;
      retried(error);
      warn(`Failed to send ${count} records to Kafka, retrying`, error);
      await this.c.clock.sleep(PRODUCE_BACKOFF.initialMs, this.c.stopSignal());
    };
    const retriable = (error: unknown) => !(error instanceof TopicCreationError) && isRetriable(error);
    /** The records the recovery's last send wrote (not those an earlier attempt did). */
    let sent = 0;
    const outer = this.recovering;
    const recovering: Recovering = { chunk, done, maybeSent: () => maybeSent, sending: false };
    this.recovering = recovering;
    try {
      if (previous !== undefined) {
        absorb(unsent(), previous);
        if (unsent().length === 0 || this.c.stopSignal().aborted) return outcome();
        if (!retriable(previous)) throw previous;
        // Only not sent because an earlier request failed: that one had the backoff and warning.
        if (!(previous instanceof NotSentError)) await backOff(unsent().length, previous);
      }
      await retry(
        async () => {
          let todo = this.leaveOutWithdrawn(chunk, done, unsent);
          if (todo.length === 0) return true;
          const batch = todo.map((i) => records[i]!);
          const producer = await this.c.producerFor(batch);
          if (!producer) return false;
          if (this.held) {
            await abortable(new Promise<never>(() => {}), this.c.stopSignal()); // until the task's stop
            return false;
          }
          todo = this.leaveOutWithdrawn(chunk, done, unsent); // some may have been while the producer connected
          if (todo.length === 0) return true;
          this.lastMaybeWritten = true; // on its way to a broker (see retryUnwritten)
          recovering.sending = true;
          try {
            const metadata = await producer.send(todo.length === batch.length ? batch : todo.map((i) => records[i]!));
            for (let k = 0; k < todo.length; k++) done[todo[k]!] = metadata[k];
            sent = todo.length;
            return true;
          } catch (error) {
            absorb(todo, error);
            if (!unwritten(error)) maybeSent = true;
            this.c.sendFailed(producer);
            throw error;
          } finally {
            recovering.sending = false;
          }
        },
        {
          policy: PRODUCE_BACKOFF,
          maxAttempts: Number.POSITIVE_INFINITY,
          clock: this.c.clock,
          signal: this.c.stopSignal(),
          classify: (error) => ({ retriable: retriable(error) }),
          onRetry: (error, _attempt, delay) => {
            if (!retrying) this.sendsRetrying++;
            retrying = true;
            retried(error);
            warn(`Failed to send ${unsent().length} records to Kafka, retrying in ${delay} ms`, error);
          },
        },
      );
      if (warnings.notLogged > 0 && !this.c.stopSignal().aborted)
        this.c.log.info(`Sent ${sent} records to Kafka after retrying${notLogged(warnings.notLogged)}`);
      return outcome(); // sent, or not: stopping before the producer connected
    } catch (error) {
      if (this.c.stopSignal().aborted) return outcome();
      // The thinned warnings' count, which no later line would say: the failure's own log has no count.
      if (warnings.notLogged > 0) {
        this.c.log.warn(
          `Failed to send ${unsent().length} records to Kafka after retrying, not retriable${notLogged(warnings.notLogged)}: ${messageOf(error)}`,
        );
      }
      if (error instanceof TopicCreationError) return outcome({ error });
      if (unsent().length > 1) {
        // Between the one-record recoveries this one is `recovering` again, its `done` not updated by them: a record
        // just written alone would look withdrawable.
        recovering.sending = true;
        return await this.oneByOne(chunk, done, maybeSent);
      }
      try {
        await recordFailedAlone(this.c, chunk[unsent()[0] ?? 0]!, error);
      } catch (failure) {
        return outcome({ error: failure });
      }
      return { metadata: done.map((m) => m ?? null) };
    } finally {
      this.recovering = outer;
      if (retrying) this.sendsRetrying--;
    }
  }

  /**
   * The records of `chunk` to send now (`unsent`), once those withdrawn meanwhile are done with (null): never sent (a
   * record being sent is not withdrawn: `forEachWithdrawable`).
   */
  private leaveOutWithdrawn(
    chunk: readonly Outgoing[],
    done: (ProducedMetadata | null | undefined)[],
    unsent: () => number[],
  ): number[] {
    const todo = unsent();
    const withdrawn = this.c.withdrawn?.();
    if (withdrawn === undefined) return todo;
    for (const i of todo) if (withdrawn.has(chunk[i]!.record)) done[i] = null;
    return unsent();
  }

  /** The records of `chunk` not `done` yet, one at a time (see `recover`). */
  private async oneByOne(
    chunk: readonly Outgoing[],
    done: readonly (ProducedMetadata | null | undefined)[],
    sentBefore: boolean,
  ): Promise<SendOutcome> {
    const metadata: (ProducedMetadata | null)[] = [];
    this.alone++;
    try {
      for (let i = 0; i < chunk.length; i++) {
        const written = done[i];
        if (written !== undefined) {
          metadata.push(written); // written, or withdrawn (null)
          continue;
        }
        const outcome = await this.recover([chunk[i]!], undefined, sentBefore);
        if (outcome.metadata.length === 0) {
          // The records after this one were only in the attempts at the whole request (`sentBefore`).
          const result = withWritten(
            outcome.failure ? { metadata, failure: outcome.failure } : { metadata },
            done,
            metadata.length,
          );
          return outcome.unwritten ? { ...result, unwritten: true } : result;
        }
        metadata.push(outcome.metadata[0]!);
      }
    } finally {
      this.alone--;
    }
    return { metadata };
  }
}

/** ` (N failed attempts not logged)` for a count of thinned-out warnings, or nothing. */
const notLogged = (unlogged: number) => notLoggedNote(unlogged, "attempt");

/**
 * `outcome` listing, as `written`, the records of `done` from `from` on that were written all the same (a partition of
 * the request acknowledged them while another refused its records): unchanged when none was.
 */
function withWritten(
  outcome: SendOutcome,
  done: readonly (ProducedMetadata | null | undefined)[],
  from: number,
): SendOutcome {
  // A withdrawn record (null) is not written.
  const written = done.slice(from).map((m) => m ?? undefined);
  return written.some((m) => m !== undefined) ? { ...outcome, written } : outcome;
}
