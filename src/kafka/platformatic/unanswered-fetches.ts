/**
 * UnansweredFetches: the Fetch requests a PartitionFetcher has sent and not had answered, with when each went, so a
 * broker that holds them without answering or closing the connection (SIGSTOPped, a stalled disk) is reported
 * `hungAfterMs` (fetch.max.wait.ms, within which a broker answers even with nothing new, plus RETRY_GRACE_MS) into
 * the silence, not only once request.timeout.ms (and the library's retries of it) fails the fetch: the fetcher's
 * `onHung` then reports its partitions (the sink task's Degraded trace) and WARNs. Without it a sink under a frozen
 * cluster read RUNNING without a trace and logged no fetch failure for 45 s and more (explore32 F3).
 *
 * The fetcher sends at most one Fetch per broker, so they go out in time order and the oldest not yet reported gives
 * the next deadline: one sleep on the fetcher's clock at a time, armed by a send when none is, and nothing done for
 * an answer but dropping its entry. A sleep that ends more than LATE_MS past its deadline (the gateway itself was
 * paused: a suspended VM, SIGSTOP) looks again one timer turn later, so the answers that came meanwhile are read
 * first and not taken for a broker's silence.
 */
import { type Clock, monotonicNow } from "../../util/clock.ts";
import type { UnansweredRequest } from "../unanswered-request.ts";
import type { PartitionState } from "./partition-state.ts";

/** A Fetch on the wire: its broker, its partitions, when it went, and whether its silence was reported. */
export interface FetchOnWire {
  readonly node: number;
  readonly partitions: readonly PartitionState[];
  readonly since: number;
  hung: boolean;
}

/** How late a sleep may end before the fetches it wakes for are looked at again after the answers waiting are read. */
const LATE_MS = 1_000;

export interface UnansweredFetchesOptions {
  readonly clock: Clock;
  /** How long a Fetch goes unanswered before it is reported: fetch.max.wait.ms + RETRY_GRACE_MS. */
  readonly hungAfterMs: number;
  readonly requestTimeoutMs: number;
  /** A broker's host:port, when the metadata knows it. */
  readonly address: (node: number) => string | undefined;
  /** `fetch` has gone unanswered `hungAfterMs`: once per Fetch. */
  readonly onHung: (fetch: FetchOnWire, request: UnansweredRequest) => void;
}

export class UnansweredFetches {
  private readonly onWire = new Set<FetchOnWire>();
  private armed = false;
  private readonly stopped = new AbortController();

  constructor(private readonly o: UnansweredFetchesOptions) {}

  sent(node: number, partitions: readonly PartitionState[]): FetchOnWire {
    const fetch = { node, partitions, since: monotonicNow(this.o.clock), hung: false };
    this.onWire.add(fetch);
    if (!this.armed) this.arm(this.o.hungAfterMs);
    return fetch;
  }

  /** Answered, failed or dropped: no longer watched. */
  settled(fetch: FetchOnWire): void {
    this.onWire.delete(fetch);
  }

  /** The fetcher stopped: nothing more is reported. */
  stop(): void {
    this.stopped.abort();
    this.onWire.clear();
  }

  private arm(ms: number, late = false): void {
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
      const { node } = fetch;
      const { requestTimeoutMs } = this.o;
      this.o.onHung(fetch, { node, address: this.o.address(node), waitedMs, requestTimeoutMs });
    }
  }
}
