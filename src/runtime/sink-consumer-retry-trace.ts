/**
 * SinkConsumerRetryTrace: the status trace of a sink task whose consumer cannot start or rejoin its group (broker
 * unreachable, a listener of another protocol, a topic not there yet), told of the attempts by startSinkConsumer, of
 * a consumer lost and of the join by WorkerSinkTask, and shown by WorkerSinkTask.degradedTrace with the task's RUNNING status, as a source task's send being retried is
 * (send-retry-trace.ts). Connect has no Degraded state: the state stays RUNNING. Without it such a task read RUNNING
 * without a trace while nothing was consumed (explore30 F4). A run of attempts shorter than DEGRADED_AFTER_MS (a
 * short hiccup) shows nothing, as the producer's retries wait RETRY_GRACE_MS; the trace goes once the consumer joins.
 * A consumer that joined is told of too while its fetches get no answer (`fetching`, from the consumer's
 * onFetchFailing: every broker of the cluster stopped under a running task, explore31 F3): after DEGRADED_AFTER_MS of
 * that, the trace says the consumer cannot fetch, until a fetch is answered again or the consumer restarts (whose own
 * trace then comes first). A fetch a broker holds without an answer (a hung broker, reported once it waited
 * fetch.max.wait.ms and RETRY_GRACE_MS: unanswered-request.ts) is shown at once, naming the broker and how long it has
 * been silent (explore32 F3). The herder redacts it as a FAILED trace.
 */
import { messageOf } from "../errors.ts";
import { unansweredRequestOf, unansweredText } from "../kafka/unanswered-request.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";

/** How long the consumer's start has been under way, failing, before the trace reports it. */
export const DEGRADED_AFTER_MS = 5_000;

export class SinkConsumerRetryTrace {
  /** When the run of attempts under way began; undefined once the consumer joined. */
  private since: number | undefined;
  /** The failure of the run's last failed attempt. */
  private failure: unknown;
  private failed = false;
  /**
   * When the joined consumer's fetches began to get no answer, the last such failure and when it was told; undefined
   * while answered.
   */
  private fetchFailing: { readonly since: number; readonly failure: unknown; readonly at: number } | undefined;

  constructor(private readonly clock: Clock) {}

  /** A start (or restart) of the consumer begins: a run of attempts begins unless one goes on (a crash while joining). */
  starting(): void {
    // A restart mid-outage (the consumer crashed while its fetches got no answer) goes on with the outage's run: its
    // trace must not vanish for DEGRADED_AFTER_MS.
    this.since ??= this.fetchFailing?.since ?? monotonicNow(this.clock);
    this.fetchFailing = undefined;
  }

  /** An attempt failed (or the consumer stopped on a retriable error) and is retried. */
  retried(error: unknown): void {
    this.failure = error;
    this.failed = true;
  }

  /** The consumer joined and consumes: nothing to report. */
  ended(): void {
    this.since = undefined;
    this.failure = undefined;
    this.failed = false;
  }

  /** The joined consumer's fetches get no answer (`error`: the last failure), or (null) are answered again. */
  fetching(error: unknown): void {
    if (error === null) {
      this.fetchFailing = undefined;
      return;
    }
    const now = monotonicNow(this.clock);
    // A fetch held unanswered is told of once it waited the grace: its silence began when it was sent.
    const began = now - (unansweredRequestOf(error)?.waitedMs ?? 0);
    this.fetchFailing = { since: Math.min(this.fetchFailing?.since ?? began, began), failure: error, at: now };
  }

  /** While an attempt failed in a run DEGRADED_AFTER_MS or more old, or fetches failed that long: why; else null. */
  get trace(): string | null {
    const now = monotonicNow(this.clock);
    if (this.failed && this.since !== undefined && now - this.since >= DEGRADED_AFTER_MS)
      return `Degraded: the task's consumer cannot start consuming (the last attempt failed: ${messageOf(this.failure)}); the start is retried until it succeeds. No records are delivered to the task meanwhile.`;
    if (!this.fetchFailing || now - this.fetchFailing.since < DEGRADED_AFTER_MS) return null;
    const { failure, at } = this.fetchFailing;
    const unanswered = unansweredRequestOf(failure);
    if (unanswered) {
      const silence = { ...unanswered, waitedMs: unanswered.waitedMs + now - at };
      return `Degraded: ${unansweredText(silence, "a fetch request of the task's consumer")}; the consumer retries it every request.timeout.ms. No records of the partitions fetched from it are delivered to the task meanwhile.`;
    }
    return `Degraded: the task's consumer cannot fetch from Kafka (the last attempt failed: ${messageOf(failure)}); it keeps retrying. No records of the partitions it cannot fetch are delivered to the task meanwhile.`;
  }
}
