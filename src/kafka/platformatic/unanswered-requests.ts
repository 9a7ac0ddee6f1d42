/**
 * UnansweredRequests: ProducePipeline's Produce requests on the wire with when each went, so a broker that stops
 * answering (a hung process, a stalled disk) is reported RETRY_GRACE_MS into the silence, not only once
 * request.timeout.ms fails the request and the retry begins: as the pipeline's `retryFailure` (marked
 * withUnansweredRequest: the source task's Degraded trace names the broker) and one WARN through the producer's retry
 * warnings (budgeted with them). InFlightRequests notes each request sent and answered; the pipeline's pump `check`s
 * at each turn and wakes when the oldest request comes of age. Requests go out in time order, so the oldest is the
 * first of the set: O(1) per request.
 */
import { type UnansweredRequest, unansweredText, withUnansweredRequest } from "../unanswered-request.ts";
import type { RetryWarnings } from "./batch-failures.ts";
import { RETRY_GRACE_MS } from "./producer-retries.ts";

/** A request on the wire: its broker and when it went. */
export interface RequestOnWire {
  readonly node: number;
  readonly since: number;
}

export interface UnansweredRequestsOptions {
  readonly requestTimeoutMs: number;
  /** A broker's host:port, when the metadata knows it. */
  readonly address: (node: number) => string | undefined;
  readonly warnings: RetryWarnings;
  /** Wakes the pipeline's pump (its `check`) at a time on the pipeline's clock. */
  readonly wakeAt: (at: number) => void;
  readonly error: (message: string, retriable: boolean) => Error;
}

export class UnansweredRequests {
  private readonly onWire = new Set<RequestOnWire>();
  /**
   * When the last WARN was written: the requests sent before it (or at once) are of the silence it reported (however long they
   * wait, and as each is answered the next oldest comes up), so one WARN a silence, not one a request.
   */
  private warnedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: UnansweredRequestsOptions) {}

  sent(node: number, now: number): RequestOnWire {
    const request = { node, since: now };
    this.onWire.add(request);
    if (this.onWire.size === 1) this.o.wakeAt(now + RETRY_GRACE_MS);
    return request;
  }

  answered(request: RequestOnWire): void {
    this.onWire.delete(request);
  }

  /** Warns of the oldest request once it is RETRY_GRACE_MS old; else wakes the pump when it will be. */
  check(now: number): void {
    const oldest = this.oldest();
    if (!oldest || oldest.since <= this.warnedAt) return;
    if (now - oldest.since < RETRY_GRACE_MS) {
      this.o.wakeAt(oldest.since + RETRY_GRACE_MS);
      return;
    }
    this.warnedAt = now;
    const what = this.describe(oldest, now);
    this.o.warnings.warn(now, () => `${unansweredText(what, "a produce request")}; waiting until request.timeout.ms`);
  }

  /** The oldest request once RETRY_GRACE_MS old, as a failure marked withUnansweredRequest; else undefined. */
  failure(now: number): Error | undefined {
    const oldest = this.oldest();
    if (!oldest || now - oldest.since < RETRY_GRACE_MS) return undefined;
    const what = this.describe(oldest, now);
    return withUnansweredRequest(this.o.error(unansweredText(what, "a produce request"), true), what);
  }

  private oldest(): RequestOnWire | undefined {
    return this.onWire.values().next().value;
  }

  private describe(request: RequestOnWire, now: number): UnansweredRequest {
    return {
      node: request.node,
      address: this.o.address(request.node),
      waitedMs: now - request.since,
      requestTimeoutMs: this.o.requestTimeoutMs,
    };
  }
}
