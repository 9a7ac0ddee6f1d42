/**
 * ProducerRetries: the run of retries a ProducePipeline is in (BatchSettlement keeps it): batches waiting for or on
 * another attempt after a retriable failure, until they settle, and metadata or a producer id not to be had for the
 * pending batches, until it is had. `failure` is the last failure of the run once the run is RETRY_GRACE_MS old (the
 * source task's Degraded trace): a short run (one NOT_LEADER_OR_FOLLOWER while a leader moves) is not reported, as
 * the kafkajs adapter reports a send only once it is that old and the spool's trace waits DEGRADED_AFTER_MS. A failure that was a
 * broker's answer is marked with it and has Java's exception for it as its cause (brokerAnswer), so an ingest
 * request timing out meanwhile can name it (NOT_ENOUGH_REPLICAS while too few replicas are in sync).
 */

import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { brokerAnswer } from "./batch-failures.ts";
import type { Batch } from "./partition-batches.ts";

/** A broker's answer to a batch: its error code and message, for the batch's topic. */
export interface BatchAnswer {
  readonly code: number;
  readonly message: string | null | undefined;
  readonly topic: string;
}

/** What is being retried: since when (its first failure) and its last failure's parts (`order`: how recent). */
interface Retried {
  readonly since: number;
  readonly message: string;
  readonly cause: unknown;
  readonly order: number;
  readonly answer?: BatchAnswer;
}

export class ProducerRetries {
  /** Each retried batch, until it settles. */
  private readonly batches = new Map<Batch, Retried>();
  /** Metadata or a producer id not to be had, until it is had again. */
  private metadata: Retried | undefined;
  private failures = 0;

  /**
   * `error` builds the failure when it is read (an Error has a stack: not built at each retry of each batch during
   * an outage).
   */
  constructor(private readonly error: (message: string, retriable: boolean, cause?: unknown) => Error) {}

  /**
   * `b` goes again after a retriable failure (`message`, `cause`; `answer` when the broker answered) at `now`. `sentAt`:
   * when the failed request went, for a request that failed as a whole (request.timeout.ms): its silence until then
   * was already reported (UnansweredRequests), so the run counts from it and the report goes on without a gap.
   */
  batchRetried(b: Batch, now: number, message: string, cause: unknown, answer?: BatchAnswer, sentAt = now): void {
    const since = Math.min(this.batches.get(b)?.since ?? sentAt, sentAt);
    this.batches.set(b, { since, message, cause, order: ++this.failures, ...(answer ? { answer } : {}) });
  }

  /** `b` is written, failed for good or split: it no longer counts. */
  batchSettled(b: Batch): void {
    this.batches.delete(b);
  }

  /** Metadata or a producer id could not be had at `now` (`message`, `cause`): tried again. */
  metadataFailed(now: number, message: string, cause: unknown): void {
    this.metadata = { since: this.metadata?.since ?? now, message, cause, order: ++this.failures };
  }

  metadataHad(): void {
    this.metadata = undefined;
  }

  /**
   * The last failure of what is still retried, once the run started RETRY_GRACE_MS or more before `now`; else
   * undefined. Metadata counts only while batches are `pending` (none waits for it once they failed or the
   * pipeline closed).
   */
  failure(now: number, pending: boolean): Error | undefined {
    let since = Number.POSITIVE_INFINITY;
    let last: Retried | undefined;
    const metadata = pending && this.metadata ? [this.metadata] : [];
    for (const r of [...this.batches.values(), ...metadata]) {
      since = Math.min(since, r.since);
      if (!last || r.order > last.order) last = r;
    }
    if (!last || now - since < RETRY_GRACE_MS) return undefined;
    const failure = this.error(last.message, true, last.cause);
    const { answer } = last;
    return answer ? brokerAnswer(failure, answer.code, answer.message, answer.topic) : failure;
  }
}
