/**
 * RequestsOnWire: requests written to brokers and not answered yet, oldest first, and what the Degraded traces say of
 * one (unanswered-request.ts). The in-flight bookkeeping UnansweredRequests (Produce) and UnansweredFetches (Fetch)
 * share: requests are added as they go out, so the oldest is the first of the set (O(1) per request).
 */
import type { UnansweredRequest } from "../unanswered-request.ts";

/** A request on the wire: its broker and when it went. */
export interface RequestOnWire {
  readonly node: number;
  readonly since: number;
}

export interface RequestsOnWireOptions {
  readonly requestTimeoutMs: number;
  /** A broker's host:port, when the metadata knows it. */
  readonly address: (node: number) => string | undefined;
}

export class RequestsOnWire<R extends RequestOnWire> implements Iterable<R> {
  private readonly onWire = new Set<R>();

  constructor(private readonly o: RequestsOnWireOptions) {}

  /** `request` went out now (after every request already here): true when it is the only one. */
  add(request: R): boolean {
    this.onWire.add(request);
    return this.onWire.size === 1;
  }

  /** Answered, failed or no longer watched. */
  delete(request: R): void {
    this.onWire.delete(request);
  }

  clear(): void {
    this.onWire.clear();
  }

  oldest(): R | undefined {
    return this.onWire.values().next().value;
  }

  [Symbol.iterator](): Iterator<R> {
    return this.onWire.values();
  }

  /** `request` as the traces and WARNs name it, unanswered as of `now`. */
  describe(request: R, now: number): UnansweredRequest {
    const { node } = request;
    return {
      node,
      address: this.o.address(node),
      waitedMs: now - request.since,
      requestTimeoutMs: this.o.requestTimeoutMs,
    };
  }
}
