/**
 * FetchFailureReport: what a PartitionFetcher reports of its fetches that get no answer. A try that failed without
 * one (a fetch, the metadata it waits on, a start position's look-up: `failed`) and a Fetch a broker holds unanswered
 * past fetch.max.wait.ms and RETRY_GRACE_MS (a hung broker, unanswered-fetches.ts, before request.timeout.ms fails
 * it) both report their partitions still fetched to the handler (`onFetchFailing`: the sink task's Degraded trace,
 * unanswered-partitions.ts) until each is answered, paused, revoked or gone. A held Fetch is also a WARN, in its
 * broker's fetch-failure budget (consumer-log.ts), and its failure is marked with the broker and how long
 * (unanswered-request.ts) for the trace to name them.
 */
import type { Broker } from "@platformatic/kafka";
import type { Clock } from "../../util/clock.ts";
import type { ConsumerLog } from "../consumer-log.ts";
import type { ConsumerHandlers } from "../kafka-port.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { type UnansweredRequest, unansweredText, withUnansweredRequest } from "../unanswered-request.ts";
import { errorText } from "./errors.ts";
import type { FetchWatch } from "./fetch-connections.ts";
import type { PartitionState } from "./partition-state.ts";
import { type FetchOnWire, UnansweredFetches } from "./unanswered-fetches.ts";
import { UnansweredPartitions } from "./unanswered-partitions.ts";

export interface FetchFailureReportOptions {
  readonly handlers: ConsumerHandlers;
  readonly log: ConsumerLog;
  /** What a Fetch's silence is measured and awaited on. */
  readonly clock: Clock;
  /** fetch.max.wait.ms: a broker answers a Fetch within it even with nothing new. */
  readonly maxWaitMs: number;
  readonly requestTimeoutMs: number;
  /** A broker as the metadata knows it. */
  readonly broker: (node: number) => Broker | undefined;
  /** Whether a partition is still fetched (assigned, not paused): only those are reported. */
  readonly fetched: (s: PartitionState) => boolean;
}

export class FetchFailureReport implements FetchWatch {
  private readonly partitions: UnansweredPartitions;
  private readonly fetches: UnansweredFetches;

  constructor(private readonly o: FetchFailureReportOptions) {
    this.partitions = new UnansweredPartitions(o.handlers);
    this.fetches = new UnansweredFetches({
      clock: o.clock,
      hungAfterMs: o.maxWaitMs + RETRY_GRACE_MS,
      requestTimeoutMs: o.requestTimeoutMs,
      broker: o.broker,
      onHung: (fetch, request) => this.hung(fetch, request),
    });
  }

  /** A fetch of `list` begins (settle it with `settled`); its tries are told by FetchConnections. */
  began(list: readonly PartitionState[]): FetchOnWire {
    return this.fetches.began(list);
  }

  written(fetch: FetchOnWire, node: number): void {
    this.fetches.written(fetch, node);
  }

  ended(fetch: FetchOnWire): void {
    this.fetches.ended(fetch);
  }

  /** The fetch got its answer or failed. */
  settled(fetch: FetchOnWire): void {
    this.fetches.settled(fetch);
  }

  /** `list`'s last try got no answer (`error`): reported while any of them is still fetched. */
  failed(list: readonly PartitionState[], error: unknown): void {
    this.partitions.failed(list, new Error(errorText(error)), this.o.fetched);
  }

  /** `list` was answered, or is no longer fetched. */
  answered(list: readonly PartitionState[]): void {
    this.partitions.answered(list);
  }

  /** The fetcher stopped: nothing more is reported. */
  stop(): void {
    this.partitions.stop();
    this.fetches.stop();
  }

  /** `fetch` is held without an answer: its partitions are reported, marked with the broker and how long, and WARNed. */
  private hung(fetch: FetchOnWire, request: UnansweredRequest): void {
    const text = unansweredText(request, "a fetch request");
    this.o.log.fetchUnanswered(fetch.node, `${text}; retrying it every request.timeout.ms`);
    this.partitions.failed(fetch.partitions, withUnansweredRequest(new Error(text), request), this.o.fetched);
  }
}
