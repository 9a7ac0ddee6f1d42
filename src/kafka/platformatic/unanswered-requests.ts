/**
 * UnansweredRequests: ProducePipeline's Produce requests on the wire with when each went, so a broker that stops
 * answering (a hung process, a stalled disk) is reported RETRY_GRACE_MS into the silence, not only once
 * request.timeout.ms fails the request and the retry begins: as the pipeline's `retryFailure` (marked
 * withUnansweredRequest: the source task's Degraded trace names the broker) and one WARN through the producer's retry
 * warnings (budgeted with them). InFlightRequests notes each request sent and answered; the pipeline's pump `check`s
 * at each turn and wakes when the oldest request comes of age (requests-on-wire.ts keeps them, oldest first).
 */

import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { unansweredText, withUnansweredRequest } from "../unanswered-request.ts";
import { type RequestOnWire, RequestsOnWire, type RequestsOnWireOptions } from "./requests-on-wire.ts";
import type { RetryWarnings } from "./retry-warnings.ts";

export interface UnansweredRequestsOptions extends RequestsOnWireOptions {
  readonly warnings: RetryWarnings;
  /** Wakes the pipeline's pump (its `check`) at a time on the pipeline's clock. */
  readonly wakeAt: (at: number) => void;
  readonly error: (message: string, retriable: boolean) => Error;
}

export class UnansweredRequests {
  private readonly onWire: RequestsOnWire<RequestOnWire>;
  /**
   * When the last WARN was written (one held back by the budget is not: it is dropped if its request is answered first,
   * and the next silence must not hide behind it): the requests sent before it (or at once) are of the silence it
   * reports (however long they wait, and as each is answered the next oldest comes up), so one WARN a silence, not one
   * a request.
   */
  private warnedAt = Number.NEGATIVE_INFINITY;
  /**
   * The last failure built, for its request and whole second waited: an ingest task reads retryFailure for each
   * request it fails during a silence, and an Error (its stack) is not built for each.
   */
  private last: { request: RequestOnWire; second: number; failure: Error } | undefined;

  constructor(private readonly o: UnansweredRequestsOptions) {
    this.onWire = new RequestsOnWire(o);
  }

  sent(node: number, now: number): RequestOnWire {
    const request = { node, since: now };
    if (this.onWire.add(request)) this.o.wakeAt(now + RETRY_GRACE_MS);
    return request;
  }

  answered(request: RequestOnWire): void {
    this.onWire.delete(request);
  }

  /**
   * Warns of the oldest request once it is RETRY_GRACE_MS old (through the retry warnings' budget); else wakes the pump
   * when it will be.
   */
  check(now: number): void {
    const oldest = this.onWire.oldest();
    if (!oldest || oldest.since <= this.warnedAt) return;
    if (now - oldest.since < RETRY_GRACE_MS) {
      this.o.wakeAt(oldest.since + RETRY_GRACE_MS);
      return;
    }
    // Held back by the budget: offered again at each check until written (a quiet source has no other turn: the pump
    // is woken when the budget allows), of the oldest request then, while one is still unanswered RETRY_GRACE_MS.
    const text = (at: number) => {
      this.warnedAt = at;
      return `${unansweredText(this.onWire.describe(this.unanswered(at) ?? oldest, at), "a produce request")}; waiting until request.timeout.ms`;
    };
    this.o.warnings.warn(now, text, (at) => this.unanswered(at) !== undefined, "unanswered");
  }

  /** The oldest request on the wire if it is RETRY_GRACE_MS old at `now`. */
  private unanswered(now: number): RequestOnWire | undefined {
    const oldest = this.onWire.oldest();
    return oldest && now - oldest.since >= RETRY_GRACE_MS ? oldest : undefined;
  }

  /**
   * The oldest request once RETRY_GRACE_MS old, as a failure marked withUnansweredRequest (its wait as of the first
   * read in that whole second); else undefined. None once closed (the pipeline sends nothing more).
   */
  failure(now: number): Error | undefined {
    const oldest = this.unanswered(now);
    if (!oldest) return undefined;
    const second = Math.floor((now - oldest.since) / 1000);
    if (this.last?.request !== oldest || this.last.second !== second) {
      const what = this.onWire.describe(oldest, now);
      const failure = withUnansweredRequest(this.o.error(unansweredText(what, "a produce request"), true), what);
      this.last = { request: oldest, second, failure };
    }
    return this.last.failure;
  }

  /** The pipeline closed: the requests still on the wire are no longer its concern (their answers are ignored). */
  close(): void {
    this.onWire.clear();
    this.last = undefined;
  }
}
