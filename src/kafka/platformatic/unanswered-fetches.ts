/**
 * UnansweredFetches: the Fetch requests of a PartitionFetcher's fetches on the wire, with when each was written, so a
 * broker that holds one without answering or closing the connection (SIGSTOPped, a stalled disk) is reported
 * `hungAfterMs` (fetch.max.wait.ms, within which a broker answers even with nothing new, plus RETRY_GRACE_MS) into
 * its silence, not only once request.timeout.ms (and the library's retries of it) fails the fetch: the fetcher's
 * `onHung` then reports its partitions (the sink task's Degraded trace) and WARNs. Without it a sink under a frozen
 * cluster read RUNNING without a trace and logged no fetch failure for 45 s and more (explore32 F3).
 *
 * Each try of a fetch (the library retries one answered with an error) is timed from when its Fetch is `written` to
 * a broker's connection to its answer or failure (`ended`), and names the broker it was written to, which is the
 * one asked unless the library sent it to another (leadership moved, a preferred read replica): FetchConnections
 * tells of both. So the metadata look-up and connection set-up before a try (which may wait on another broker) do
 * not count, nor does a try its broker answered; a fetch waiting on them is reported once the client's retries fail
 * it (fetch-failure-report.ts). A fetch whose silence was reported keeps it through its later tries, until settled.
 *
 * Fetches are kept in the order they went on the wire, so the oldest not yet reported gives the next deadline: one
 * sleep on the fetcher's clock at a time, armed by a write when none is, and nothing done for an answer but dropping
 * its entry. A sleep that ends more than LATE_MS past its deadline (the gateway itself did not run meanwhile:
 * SIGSTOPped, or its event loop blocked that long; a suspended VM does not advance the monotonic clock on Linux, so it
 * is not such a case) looks again one timer turn later, so the answers that came meanwhile are read first and not
 * taken for a broker's silence.
 */
import type { Broker } from "@platformatic/kafka";
import { type Clock, monotonicNow } from "../../util/clock.ts";
import type { UnansweredRequest } from "../unanswered-request.ts";
import type { PartitionState } from "./partition-state.ts";
import { RequestsOnWire } from "./requests-on-wire.ts";

/**
 * A fetch of partitions: the broker its Fetch was last written to and when (the last try's), whether its silence
 * was reported.
 */
export interface FetchOnWire {
  readonly partitions: readonly PartitionState[];
  node: number;
  since: number;
  hung: boolean;
}

/** How late a sleep may end before the fetches it wakes for are looked at again after the answers waiting are read. */
const LATE_MS = 1_000;

export interface UnansweredFetchesOptions {
  readonly clock: Clock;
  /** How long a Fetch goes unanswered before it is reported: fetch.max.wait.ms + RETRY_GRACE_MS. */
  readonly hungAfterMs: number;
  readonly requestTimeoutMs: number;
  /** A broker as the metadata knows it. */
  readonly broker: (node: number) => Broker | undefined;
  /** `fetch` has gone unanswered `hungAfterMs`: once per fetch. */
  readonly onHung: (fetch: FetchOnWire, request: UnansweredRequest) => void;
}

export class UnansweredFetches {
  private readonly onWire: RequestsOnWire<FetchOnWire>;
  private armed = false;
  private readonly stopped = new AbortController();

  constructor(private readonly o: UnansweredFetchesOptions) {
    this.onWire = new RequestsOnWire({
      requestTimeoutMs: o.requestTimeoutMs,
      address: (node) => {
        const broker = o.broker(node);
        return broker && `${broker.host}:${broker.port}`;
      },
    });
  }

  /** A fetch of `partitions` begins: each of its tries is timed once its Fetch is `written`. */
  began(partitions: readonly PartitionState[]): FetchOnWire {
    return { partitions, node: -1, since: Number.NaN, hung: false };
  }

  /** `fetch`'s Fetch is written to broker `node` now: timed from now, unless the fetch's silence was reported. */
  written(fetch: FetchOnWire, node: number): void {
    if (fetch.hung) return;
    fetch.node = node;
    fetch.since = monotonicNow(this.o.clock);
    this.onWire.add(fetch);
    this.arm(this.o.hungAfterMs);
  }

  /** `fetch`'s Fetch was answered or failed: off the wire until the next try is written (a reported one stays). */
  ended(fetch: FetchOnWire): void {
    if (!fetch.hung) this.onWire.delete(fetch);
  }

  /** The fetch got its answer, failed or was dropped: no longer watched. */
  settled(fetch: FetchOnWire): void {
    this.onWire.delete(fetch);
  }

  /** The fetcher stopped: nothing more is reported. */
  stop(): void {
    this.stopped.abort();
    this.onWire.clear();
  }

  private arm(ms: number, late = false): void {
    if (this.armed) return;
    this.armed = true;
    const due = monotonicNow(this.o.clock) + ms;
    void this.o.clock.sleep(ms, this.stopped.signal).then(() => {
      this.armed = false;
      if (this.stopped.signal.aborted) return;
      if (!late && monotonicNow(this.o.clock) - due > LATE_MS) this.arm(1, true);
      else this.check();
    });
  }

  /** Reports each Fetch now `hungAfterMs` old; sleeps until the next one not reported will be. */
  private check(): void {
    const now = monotonicNow(this.o.clock);
    for (const fetch of this.onWire) {
      if (fetch.hung) continue;
      const waitedMs = now - fetch.since;
      if (waitedMs < this.o.hungAfterMs) {
        this.arm(this.o.hungAfterMs - waitedMs);
        return;
      }
      fetch.hung = true;
      this.o.onHung(fetch, this.onWire.describe(fetch, now));
    }
  }
}
