/**
 * FetchFailureWatch: a kafkajs consumer's fetches that get no answer, reported to the port's `onFetchFailing` (the sink
 * task's Degraded trace, sink-consumer-retry-trace.ts) as the default client reports its own
 * (platformatic/fetch-failure-report.ts). Used by the kafkajs consumer (consumer.ts) through `withFetchFailureWatch`.
 *
 * kafkajs (dependency patch 16, scripts/patches/kafkajs-fetch.mjs) makes a fetch without an answer (its broker stopped
 * or not reached, the metadata it needs not answered, a leader that moved) again after a backoff, the member staying in
 * its group, and tells nobody but its log: it counts such fetches of each node in a row (`unansweredFetches`, set
 * before the backoff, cleared by an answer). kafkajs keeps its consumer group out of reach, so
 * ConsumerGroup.prototype's `fetch` and `recoverFromFetch` are wrapped, for the groups whose cluster a
 * `withFetchFailureWatch` view created only: a failure counted there is reported at once (its backoff still to come),
 * and a node's fetch that returns without one was answered (or had nothing to fetch: its partitions paused or gone).
 * Once every node that failed so was answered, or is gone from the cluster's metadata (a broker stopped for good, its
 * partitions led by others: its fetcher ended), null is reported. O(1) per fetch, nothing per record.
 *
 * A fetch a broker holds unanswered (a hung broker) is reported once request.timeout.ms fails it, not before (the
 * default client's is once it waited fetch.max.wait.ms and RETRY_GRACE_MS: platformatic/unanswered-fetches.ts): its
 * failure is marked with the broker and its wait since it was sent (unanswered-request.ts), so the trace names them at
 * once.
 */
import type { Kafka } from "kafkajs";
import ConsumerGroup from "kafkajs/src/consumer/consumerGroup";
import { findInError } from "../../util/find-in-error.ts";
import { withUnansweredRequest } from "../unanswered-request.ts";
import { wrap } from "./errors.ts";
import { withClusterHook } from "./protocol.ts";

/** kafkajs' error for a request its broker did not answer within its timeout. */
interface TimedOutRequest {
  readonly name?: string;
  readonly message?: string;
  readonly broker?: unknown;
  /** When the request was written (Date.now()). */
  readonly sentAt?: unknown;
}

export class FetchFailureWatch {
  /** The nodes whose fetches got no answer, not answered since. */
  private readonly failing = new Set<number>();
  /** The nodes whose fetch under way failed so (each node is fetched by one fetcher, one fetch at a time). */
  private readonly failedNow = new Set<number>();

  /** `report`: the port's onFetchFailing. */
  constructor(
    private readonly report: (error: Error | null) => void,
    private readonly requestTimeoutMs: number,
  ) {}

  /** A fetch from `node` begins. */
  fetching(node: number): void {
    this.failedNow.delete(node);
  }

  /** The fetch from `node` under way got no answer (`error`), and is made again after a backoff. */
  failed(node: number, error: unknown): void {
    const failure = wrap(error, `Error sending fetch request to node ${node}`);
    const { requestTimeoutMs } = this;
    // Its Fetch request (not the metadata it waited on) went unanswered; kafkajs names the broker by its host:port. Its
    // wait is from its sending, as kafkajs' timeout check (up to its check interval past the request timeout).
    const timedOut = findInError(error, (e: TimedOutRequest) =>
      e.name === "KafkaJSRequestTimeoutError" && e.message?.startsWith("Request Fetch(") ? e : undefined,
    );
    if (timedOut !== undefined) {
      const address = String(timedOut.broker);
      const waitedMs = typeof timedOut.sentAt === "number" ? Date.now() - timedOut.sentAt : requestTimeoutMs;
      withUnansweredRequest(failure, { node, address, waitedMs, requestTimeoutMs });
    }
    this.failedNow.add(node);
    this.failing.add(node);
    this.report(failure);
  }

  /** The fetch from `node` returned; `nodes`: the nodes of the cluster's metadata now. */
  fetched(node: number, nodes: () => readonly number[]): void {
    if (this.failing.size === 0 || this.failedNow.has(node)) return;
    this.failing.delete(node);
    if (this.failing.size > 0) {
      const listed = new Set(nodes());
      for (const failed of this.failing) if (!listed.has(failed)) this.failing.delete(failed);
    }
    if (this.failing.size === 0) this.report(null);
  }
}

const watches = new WeakMap<object, FetchFailureWatch>();

/** The consumer group's parts the wrappers use (kafkajs' ConsumerGroup; a fake one in the unit test). */
type WatchedGroup = Pick<ConsumerGroup, "cluster" | "fetch" | "recoverFromFetch" | "getNodeIds" | "logger"> & {
  unansweredFetches?: Map<number, number>;
};

/**
 * Runs a call of `cluster`'s watch. A watch that throws (its report) leaves kafkajs' fetch as it was: logged only, as
 * a report lost is a trace missing, a fetch failed by it a consumer stalled or crashed.
 */
function tellWatch(group: WatchedGroup, call: (watch: FetchFailureWatch) => void): void {
  const watch = watches.get(group.cluster);
  if (watch === undefined) return;
  try {
    call(watch);
  } catch (e) {
    group.logger.debug(`The fetch failure watch failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Wraps `group`'s (a prototype's) fetch and recoverFromFetch to tell the watch of its cluster (see above). */
export function watchFetches(group: WatchedGroup): void {
  const fetch = group.fetch;
  group.fetch = async function (this: WatchedGroup, nodeId: number): Promise<unknown[]> {
    tellWatch(this, (watch) => watch.fetching(nodeId));
    const batches = await fetch.call(this, nodeId);
    tellWatch(this, (watch) => watch.fetched(nodeId, () => this.getNodeIds()));
    return batches;
  };
  const recoverFromFetch = group.recoverFromFetch;
  group.recoverFromFetch = function (this: WatchedGroup, error: unknown, nodeId: number): Promise<void> {
    const before = this.unansweredFetches?.get(nodeId);
    // Counted before its first await (the backoff): reported now, not once the backoff is over.
    const recovering = recoverFromFetch.call(this, error, nodeId);
    if (this.unansweredFetches?.get(nodeId) !== before) tellWatch(this, (watch) => watch.failed(nodeId, error));
    return recovering;
  };
}
watchFetches(ConsumerGroup.prototype);

/** Tells `watch` of the fetches of the consumer groups of `cluster`. */
export function watchCluster(cluster: object, watch: FetchFailureWatch): void {
  watches.set(cluster, watch);
}

/** A view of `kafka` whose consumers tell `watch` of their fetches (see above). */
export function withFetchFailureWatch(kafka: Kafka, watch: FetchFailureWatch): Kafka {
  return withClusterHook(kafka, (cluster) => watchCluster(cluster, watch));
}
