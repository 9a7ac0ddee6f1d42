import { describe, expect, test } from "bun:test";
import {
  type Broker,
  type ClusterMetadata,
  type Consumer,
  type FetchOptions,
  type MetadataOptions,
  NetworkError,
} from "@platformatic/kafka";
import { deafBroker } from "../../../test/support/deaf-broker.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { TopicPartition } from "../../api/record.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import type { SetTimer } from "../../util/timer.ts";
import type { ConsumerSettings } from "../client-config.ts";
import { ConsumerLog } from "../consumer-log.ts";
import type { ConsumerHandlers } from "../kafka-port.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { unansweredRequestOf } from "../unanswered-request.ts";
import { fetchOver } from "./fetch-test-support.ts";
import { metadataOf, metadataRefused } from "./metadata-test-support.ts";
import { PartitionFetcher, type TopicLoss } from "./partition-fetcher.ts";

/** A library consumer whose metadata has `known`'s partitions, all leaderless (nothing is fetched). */
function leaderlessOf(known: Record<string, number>) {
  const { consumer: fake, calls } = metadataOf(known);
  const consumer = {
    metadata: async (options: MetadataOptions): Promise<ClusterMetadata> => {
      const md = await fake.metadata(options);
      for (const t of md.topics.values()) for (const p of t.partitions) (p as { leader: number }).leader = -1;
      return md;
    },
    clearMetadata: () => {},
  } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
  return { consumer, calls };
}

/**
 * A library consumer fetching topic t, partition i led by broker `leaders[i]` (read at each call; -1: none), each
 * Fetch answered by `fetch` (which may change `leaders`; it gets the fetch's options too), the brokers' addresses
 * `brokers` (none unless given).
 */
function clusterOf(
  leaders: number[],
  fetch: (node: number, options: FetchOptions<Buffer, Buffer, Buffer, Buffer>) => Promise<unknown>,
  brokers = new Map<number, Broker>(),
) {
  const current = () =>
    ({
      id: "cluster",
      brokers,
      topics: new Map([
        ["t", { id: "t-id", partitionsCount: leaders.length, partitions: leaders.map((leader) => ({ leader })) }],
      ]),
      lastUpdate: 0,
    }) as unknown as ClusterMetadata;
  return {
    metadata: async (_: MetadataOptions) => current(),
    get currentMetadata() {
      return current();
    },
    clearMetadata: () => {},
    fetch: (options: FetchOptions<Buffer, Buffer, Buffer, Buffer>) => fetch(options.node, options),
  } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
}

/** An answer of a Fetch of t's `partitions` with no records. */
const emptyAnswer = (...partitions: number[]) => ({
  responses: [
    {
      topicId: "t-id",
      partitions: partitions.map((partitionIndex) => ({ partitionIndex, errorCode: 0, records: [] })),
    },
  ],
});

/** A request the broker holds (a long poll with nothing new). */
const held = () => new Promise(() => {});

/**
 * The fetcher of these tests (retry.backoff.ms `backoff`, 1 ms unless given, as retry.backoff.max.ms unless given);
 * `fail` records what would fail the consumer; `logged` the lines it logs; `handlers` none unless given; `clock` what
 * a fetch's silence is measured on (moved only by the test, so no hung fetch is reported unless it does).
 */
function fetcherOf(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  topicLoss?: TopicLoss,
  backoff: { ms: number; maxMs?: number } = { ms: 1 },
  handlers = {} as ConsumerHandlers,
  setTimer?: SetTimer,
) {
  const logged: string[] = [];
  const logs = new LogManager({ sink: (line) => void logged.push(line) });
  const log = new ConsumerLog(logs, { clientId: "c", groupId: "g" });
  const settings = {
    fromBeginning: true,
    maxWaitMs: 500,
    retryBackoffMaxMs: backoff.maxMs ?? backoff.ms,
  } as ConsumerSettings;
  const failures: unknown[] = [];
  const fail = (error: unknown) => void failures.push(error);
  const clock = new ManualClock();
  const fetcher = new PartitionFetcher(
    consumer,
    handlers,
    settings,
    backoff.ms,
    fail,
    log,
    "c",
    {},
    topicLoss,
    clock,
    setTimer,
  );
  return { fetcher, failures, logged, clock };
}

/** Handlers recording what `onFetchFailing` hears: each error's message, null once answered. */
function failingReports() {
  const reports: (string | null)[] = [];
  const handlers = { onFetchFailing: (error: Error | null) => void reports.push(error?.message ?? null) };
  return { handlers: handlers as unknown as ConsumerHandlers, reports };
}

/** Assigns t-0 and t-1 to `fetcher`, both fetched from offset 0. */
function assignBothFromStart(fetcher: PartitionFetcher): void {
  const partitions = [0, 1].map((partition) => ({ topic: "t", partition }));
  for (const tp of partitions) fetcher.seek(tp, 0);
  fetcher.assign(partitions);
}

/**
 * The fetcher's retry timer, driven by the test: records each delay asked for; `fire` runs the oldest callback pending.
 * Handed to the fetcher (`fetcherOf`), so no other module's timer is taken for its own (ci142, ci144: a test waited
 * 20 s for exactly one pending timer while globalThis.setTimeout was replaced).
 */
function manualTimers() {
  const waits: number[] = [];
  const pending: (() => void)[] = [];
  const setTimer: SetTimer = (run, ms) => {
    waits.push(ms);
    pending.push(run);
    return {
      cancel: () => {
        const at = pending.indexOf(run);
        if (at >= 0) pending.splice(at, 1);
      },
    };
  };
  return { waits, pending, setTimer, fire: () => pending.shift()?.() };
}

/** `fetcherOf` with its retry timer the test's own (`timers`: `manualTimers`). */
function timedFetcherOf(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  backoff?: { ms: number; maxMs?: number },
  handlers?: ConsumerHandlers,
) {
  const timers = manualTimers();
  return { ...fetcherOf(consumer, undefined, backoff, handlers, timers.setTimer), timers };
}

/** Whether each of `waits` is within ±20 % of retry.backoff.ms 100 doubling up to retry.backoff.max.ms 1000. */
function doublingTo1000(waits: readonly number[]): boolean[] {
  return waits.map((w, i) => {
    const ms = Math.min(100 * 2 ** i, 1000);
    return w >= Math.trunc(ms * 0.8) && w <= Math.min(ms * 1.2, 1000);
  });
}

// review-platrefresh F1/F4: a member whose assignment names a partition its topic no longer has (the
// topic re-created with fewer partitions) told the consumer at every fetch round, and each time a
// member that does not lead the group rejoined, to get the same assignment back (~10 times a second).
describe("PartitionFetcher, a partition its topic's metadata lacks", () => {
  test("is reported once and no longer fetched, and fetched again once a later metadata look has it", async () => {
    // y-0 has no leader: the fetcher asks its metadata again every 1 ms (a fetch round each time).
    const known: Record<string, number> = { x: 1, y: 1 };
    const { consumer, calls } = leaderlessOf(known);
    const gone: TopicPartition[][] = [];
    const topicLoss = {
      gone: () => {},
      unknown: async () => false,
      partitionsGone: (tps: readonly TopicPartition[]) => void gone.push([...tps]),
    };
    const { fetcher, failures } = fetcherOf(consumer, topicLoss);
    try {
      const [x1, y0] = [
        { topic: "x", partition: 1 },
        { topic: "y", partition: 0 },
      ];
      fetcher.seek(x1, 5);
      fetcher.seek(y0, 5);
      fetcher.assign([x1, y0]);
      await waitFor(() => gone.length === 1, { what: "x-1 reported gone" });
      expect(gone).toEqual([[x1]]);
      // Later fetch rounds neither ask for x's metadata nor report x-1 again.
      const asked = calls.length;
      await waitFor(() => calls.length >= asked + 3, { what: "three more fetch rounds" });
      expect(calls.slice(asked)).toEqual(calls.slice(asked).map(() => ["y"]));
      expect(gone.length).toBe(1);

      // A look that still lacks it changes nothing; one that has it makes it wanted again.
      known.x = 2;
      fetcher.partitionsBack(new Map([["x", 1]]));
      const before = calls.length;
      await waitFor(() => calls.length >= before + 3, { what: "three more fetch rounds" });
      expect(calls.slice(before).some((topics) => topics.includes("x"))).toBe(false);
      fetcher.partitionsBack(new Map([["x", 2]]));
      await waitFor(() => calls.at(-1)?.includes("x") === true, { what: "x-1 fetched again" });
      expect(gone.length).toBe(1);
      expect(failures).toEqual([]);
    } finally {
      fetcher.stop();
    }
  });
});

describe("PartitionFetcher, a broker that stops while it is fetched from", () => {
  test("a fetch failing retriably while its partition has no leader now keeps the consumer: the others are fetched, it waits for a leader", async () => {
    const leaders = [1, 2]; // t-0 led by broker 1, t-1 by broker 2
    const fetches = { 1: 0, 2: 0 };
    const consumer = clusterOf(leaders, async (node) => {
      fetches[node as 1 | 2]++;
      if (node === 1 && fetches[1] === 1) {
        leaders[0] = -1; // broker 1 stopped: the library's retry met leader -1 (the consumer.js patch)
        throw new NetworkError("Cannot find broker with node id -1", { canRetry: true, hasStaleMetadata: true });
      }
      // Broker 2 answers nothing new a few times (each answer fetches again), then holds the request.
      if (node === 1 || fetches[2] > 3) return held();
      return emptyAnswer(1);
    });
    const { fetcher, failures } = fetcherOf(consumer);
    try {
      assignBothFromStart(fetcher);
      await waitFor(() => fetches[1] === 1 && fetches[2] === 4, { what: "t-1 fetched on after t-0's fetch failed" });
      expect(failures).toEqual([]);
      leaders[0] = 1; // its leader back
      await waitFor(() => fetches[1] === 2, { what: "t-0 fetched from its leader again" });
      expect(failures).toEqual([]);
    } finally {
      fetcher.stop();
    }
  });

  // review-consfix P2-1 (a): leadership moved to live brokers (a rolling restart): the library's fetch asks the
  // request's node, gone from its metadata; the partitions have leaders (2 and 3), none -1. The consumer failed, its
  // task restarted it and the group rebalanced (records delivered again).
  test("a fetch failing because leadership moved to other brokers keeps the consumer: fetched again from the new leaders", async () => {
    const leaders = [1, 1];
    const fetches = new Map<number, number>();
    const consumer = clusterOf(leaders, async (node) => {
      fetches.set(node, (fetches.get(node) ?? 0) + 1);
      if (node !== 1) return held();
      leaders.splice(0, 2, 2, 3);
      throw new NetworkError("Cannot find broker with node id 1", { canRetry: true, hasStaleMetadata: true });
    });
    const { fetcher, failures } = fetcherOf(consumer);
    try {
      assignBothFromStart(fetcher);
      await waitFor(() => failures.length > 0 || (fetches.get(2) === 1 && fetches.get(3) === 1), {
        what: "t-0 and t-1 fetched from 2 and 3",
      });
      expect(failures).toEqual([]);
      expect(Object.fromEntries(fetches)).toEqual({ 1: 1, 2: 1, 3: 1 });
    } finally {
      fetcher.stop();
    }
  });

  // review-consfix P2-1 (b): a broker killed or unreachable that the cluster still lists as leader (until fenced;
  // for ever in a client-side network partition): each consumer restart failed again, the group rebalancing again
  // and again. Its partitions are fetched again after a backoff that grows, not in a tight loop.
  test("a broker still listed as leader that refuses connections keeps the consumer: asked again after a growing backoff while the others are fetched", async () => {
    const leaders = [1, 2];
    const fetches = { 1: 0, 2: 0 };
    let refusing = true;
    const consumer = clusterOf(leaders, async (node) => {
      fetches[node as 1 | 2]++;
      await new Promise((resolve) => setImmediate(resolve));
      if (node === 2) return emptyAnswer(1);
      if (refusing) throw new NetworkError("Connection to 127.0.0.1:1 failed.", { canRetry: true });
      return held();
    });
    const { fetcher, failures, logged, timers } = timedFetcherOf(consumer, { ms: 100, maxMs: 1000 });
    try {
      assignBothFromStart(fetcher);
      for (let refused = 1; refused <= 6; refused++) {
        await waitFor(() => fetches[1] >= refused && timers.pending.length === 1, { what: "broker 1's retry timer" });
        // Broker 2 is fetched from meanwhile, again and again; broker 1 is not asked until the timer fires.
        const answered = fetches[2];
        await waitFor(() => fetches[2] >= answered + 3, { what: "broker 2 fetched from meanwhile" });
        expect(fetches[1]).toBe(refused);
        if (refused === 6) refusing = false;
        timers.fire();
      }
      await waitFor(() => fetches[1] === 7, { what: "broker 1 fetched from once back" });
    } finally {
      fetcher.stop();
    }
    expect(failures).toEqual([]);
    expect(doublingTo1000(timers.waits)).toEqual(Array(6).fill(true));
    // The first five each, then one a minute (consumer-log.ts).
    const lines = logged.filter((l) => l.includes("Error sending fetch request"));
    expect(lines.length).toBe(5);
    expect(lines[0]).toContain(
      "INFO [Consumer clientId=c, groupId=g] Error sending fetch request to node 1: Connection to 127.0.0.1:1 failed.",
    );
  });
});

// explore31 F3: with every broker stopped under a running sink task, its consumer's fetches got no answer for minutes
// while the task read RUNNING without a trace, and the outage was logged once.
describe("PartitionFetcher, a cluster whose every broker is down", () => {
  test("the handler hears of each try without an answer, the metadata's and the fetch's, until a fetch is answered", async () => {
    const down = { metadata: true, fetch: true };
    const fetches: number[] = [];
    const consumer = clusterOf([1], async (node) => {
      fetches.push(node);
      await new Promise((resolve) => setImmediate(resolve));
      if (down.fetch) throw new NetworkError("Connection to 127.0.0.1:1 failed.", { canRetry: true });
      return fetches.length === 2 ? emptyAnswer(0) : held();
    });
    const metadata = consumer.metadata.bind(consumer);
    (consumer as { metadata: unknown }).metadata = async (options: MetadataOptions) => {
      if (down.metadata) throw metadataRefused();
      return metadata(options);
    };
    const { handlers, reports } = failingReports();
    const { fetcher, failures, logged, timers } = timedFetcherOf(consumer, { ms: 100, maxMs: 1000 }, handlers);
    try {
      fetcher.seek({ topic: "t", partition: 0 }, 0);
      fetcher.assign([{ topic: "t", partition: 0 }]);
      await waitFor(() => reports.length === 1 && timers.pending.length === 1, { what: "the metadata's failure" });
      down.metadata = false;
      timers.fire();
      await waitFor(() => reports.length === 2 && timers.pending.length === 1, { what: "the fetch's failure" });
      down.fetch = false;
      timers.fire();
      await waitFor(() => fetches.length === 3, { what: "the fetch after the answer" });
    } finally {
      fetcher.stop();
    }
    expect(failures).toEqual([]);
    expect(reports).toEqual([
      "metadata failed 4 times. (Connection to 127.0.0.1:9 failed: connect ECONNREFUSED 127.0.0.1:9)",
      "Connection to 127.0.0.1:1 failed.",
      null,
    ]);
    expect(logged.map((l) => l.replace(/^\[[^\]]+\] INFO \[[^\]]+\] /, ""))).toEqual([
      "Error fetching metadata for the fetch requests: metadata failed 4 times. (Connection to 127.0.0.1:9 failed: connect ECONNREFUSED 127.0.0.1:9) (io.edgegateway.kafka.FetchMetadata)",
      "Metadata for the fetch requests answered again (io.edgegateway.kafka.FetchMetadata)",
      "Error sending fetch request to node 1: Connection to 127.0.0.1:1 failed. (org.apache.kafka.clients.FetchSessionHandler)",
      "Fetch request to node 1 answered again (org.apache.kafka.clients.FetchSessionHandler)",
    ]);
  });

  test("a partition paused, revoked or gone from its topic while it gets no answer is no longer reported", async () => {
    const leaders = [1, 1, 1];
    const consumer = clusterOf(leaders, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new NetworkError("Connection to 127.0.0.1:1 failed.", { canRetry: true });
    });
    const { handlers, reports } = failingReports();
    const { fetcher, timers } = timedFetcherOf(consumer, { ms: 100 }, handlers);
    try {
      const partitions = [0, 1, 2].map((partition) => ({ topic: "t", partition }));
      for (const tp of partitions) fetcher.seek(tp, 0);
      fetcher.assign(partitions);
      await waitFor(() => reports.length === 1 && timers.pending.length === 1, { what: "the fetch's failure" });
      fetcher.pause({ topic: "t", partition: 0 });
      fetcher.revoke([{ topic: "t", partition: 1 }]);
      expect(reports).toEqual(["Connection to 127.0.0.1:1 failed."]);
      leaders.pop(); // t re-created with two partitions: t-2 is gone
      timers.fire();
      await waitFor(() => reports.length === 2, { what: "t-2 found gone" });
      expect(reports).toEqual(["Connection to 127.0.0.1:1 failed.", null]);
    } finally {
      fetcher.stop();
    }
  });
  // ex31fetch review: the failure of a fetch sent before its partitions were paused or revoked must not report them.
  test("a fetch whose partitions were paused or revoked while it was under way is not reported when it fails", async () => {
    let refuse: (() => void) | undefined;
    const consumer = clusterOf([1, 1], async () => {
      await new Promise<void>((resolve) => (refuse = resolve));
      throw new NetworkError("Connection to 127.0.0.1:1 failed.", { canRetry: true });
    });
    const { handlers, reports } = failingReports();
    const { fetcher, failures, timers } = timedFetcherOf(consumer, { ms: 100 }, handlers);
    try {
      assignBothFromStart(fetcher);
      await waitFor(() => refuse, { what: "the fetch sent" });
      fetcher.pause({ topic: "t", partition: 0 });
      fetcher.revoke([{ topic: "t", partition: 1 }]);
      refuse!();
      await waitFor(() => timers.pending.length === 1, { what: "the fetch's failure taken" });
    } finally {
      fetcher.stop();
    }
    expect({ reports, failures }).toEqual({ reports: [], failures: [] });
  });
});

/** The messages `heard` by onFetchFailing, with the request each names (null: answered again). */
const reported = (heard: (Error | null)[]) =>
  heard.map((e) => e && { message: e.message, request: unansweredRequestOf(e) });

/** The silence of broker `node` at `address` as the fetcher reports it, `waitedMs` into it. */
const silenceOf = (node: number, address: string, waitedMs = 5_500) => ({
  message: `Kafka broker ${node} (${address}) has not answered a fetch request for ${Math.floor(waitedMs / 1000)} s (request.timeout.ms 30000)`,
  request: { node, address, waitedMs, requestTimeoutMs: 30_000 },
});

// explore32 F3: every broker SIGSTOPped under a running sink (connections open, nothing answered): its fetches were
// neither failed nor reported until request.timeout.ms, so the task read RUNNING without a trace and nothing was logged.
describe("PartitionFetcher, a broker that holds a fetch without an answer", () => {
  // review f3hang-b P2: the silence was timed over the library's whole fetch, its metadata look-up and connection set-up
  // included (which may wait on another broker), and named the fetch's broker.
  test("its partitions are reported fetch.max.wait.ms + 5 s after its Fetch went on the wire, naming the broker, with one WARN, until it answers", async () => {
    await using broker = await deafBroker();
    const metadata = Promise.withResolvers<void>();
    let answer: ((response: unknown) => void) | undefined;
    let [fetches, written] = [0, 0];
    const address = { host: "127.0.0.1", port: broker.port };
    const consumer = clusterOf(
      [1],
      async (_, options) => {
        // As the library's fetch: the metadata it needs, a connection to the broker, the Fetch written on it.
        if (++fetches === 1) await metadata.promise;
        const answered = new Promise((resolve) => (answer = resolve));
        return Promise.race([fetchOver(options.connectionPool!, address, () => written++), answered]);
      },
      new Map([[1, address]]),
    );
    const heard: (Error | null)[] = [];
    const handlers = { onFetchFailing: (error: Error | null) => void heard.push(error) } as unknown as ConsumerHandlers;
    const { fetcher, failures, logged, clock } = fetcherOf(consumer, undefined, undefined, handlers);
    try {
      fetcher.seek({ topic: "t", partition: 0 }, 0);
      fetcher.assign([{ topic: "t", partition: 0 }]);
      await waitFor(() => fetches === 1, { what: "the fetch begun" });
      clock.advance(60_000);
      await Promise.resolve();
      expect(heard).toEqual([]);
      metadata.resolve();
      await waitFor(() => written === 1, { what: "the Fetch written" });
      clock.advance(500 + RETRY_GRACE_MS - 1);
      await Promise.resolve();
      expect(heard).toEqual([]);
      clock.advance(1);
      await waitFor(() => heard.length === 1, { what: "the fetch reported" });
      clock.advance(60_000);
      answer!(emptyAnswer(0));
      await waitFor(() => heard.length === 2 && written === 2, { what: "the answer heard, the next Fetch written" });
    } finally {
      fetcher.stop();
    }
    expect(failures).toEqual([]);
    const at = `127.0.0.1:${broker.port}`;
    const silence = silenceOf(1, at);
    expect(reported(heard)).toEqual([silence, null]);
    expect(logged.map((l) => l.replace(/^\[[^\]]+\] (\w+) \[[^\]]+\] /, "$1 "))).toEqual([
      `WARN ${silence.message}; retrying it every request.timeout.ms (org.apache.kafka.clients.FetchSessionHandler)`,
      "INFO Fetch request to node 1 answered again (org.apache.kafka.clients.FetchSessionHandler)",
    ]);
  });

  // review f3hang-c P2: a try answered with an error kept its write time while the library's retry waited for fresh
  // metadata (from another, frozen broker), so the broker that had answered was reported not answering.
  test("a try whose Fetch failed is no longer timed: its retry waiting for metadata reports nothing", async () => {
    await using broker = await deafBroker();
    let [written, failed] = [0, 0];
    const address = { host: "127.0.0.1", port: broker.port };
    const consumer = clusterOf(
      [1],
      async (_, options) => {
        try {
          return await fetchOver(options.connectionPool!, address, () => written++);
        } catch {
          failed++;
          // As the library's retry: fresh metadata first, from a broker that does not answer.
          return held();
        }
      },
      new Map([[1, address]]),
    );
    const heard: (Error | null)[] = [];
    const handlers = { onFetchFailing: (error: Error | null) => void heard.push(error) } as unknown as ConsumerHandlers;
    const { fetcher, failures, clock } = fetcherOf(consumer, undefined, undefined, handlers);
    try {
      fetcher.seek({ topic: "t", partition: 0 }, 0);
      fetcher.assign([{ topic: "t", partition: 0 }]);
      await waitFor(() => written === 1 && broker.sockets.length === 1, { what: "the Fetch written" });
      clock.advance(1_000);
      broker.sockets[0]!.destroy();
      await waitFor(() => failed === 1, { what: "the Fetch failed (its connection reset)" });
      clock.advance(500 + RETRY_GRACE_MS - 1_000);
      await Promise.resolve();
      clock.advance(60_000);
      await Promise.resolve();
    } finally {
      fetcher.stop();
    }
    expect({ heard, failures }).toEqual({ heard: [], failures: [] });
  });

  // review f3hang-c P2: the retry of a fetch whose partition's leadership moved, written to the new leader, restarted
  // the timer of that broker's own fetch, and the fetch retried was reported naming the broker it had left.
  test("each try is timed on the broker it was written to: a retry sent to another broker does not restart that broker's own fetch", async () => {
    await using one = await deafBroker();
    await using two = await deafBroker();
    const addresses = new Map<number, Broker>([
      [1, { host: "127.0.0.1", port: one.port }],
      [2, { host: "127.0.0.1", port: two.port }],
    ]);
    const written: number[] = [];
    const consumer = clusterOf(
      [1, 2],
      async (node, options) => {
        const pool = options.connectionPool!;
        try {
          return await fetchOver(pool, addresses.get(node)!, () => written.push(node));
        } catch {
          // As the library's retry once leadership moved: the Fetch goes to the new leader.
          return fetchOver(pool, addresses.get(2)!, () => written.push(2));
        }
      },
      addresses,
    );
    const heard: (Error | null)[] = [];
    const handlers = { onFetchFailing: (error: Error | null) => void heard.push(error) } as unknown as ConsumerHandlers;
    const { fetcher, clock } = fetcherOf(consumer, undefined, undefined, handlers);
    try {
      assignBothFromStart(fetcher);
      await waitFor(() => written.length === 2 && one.sockets.length === 1, { what: "both Fetches written" });
      clock.advance(1_000);
      one.sockets[0]!.destroy();
      await waitFor(() => written.length === 3, { what: "the retry written to broker 2" });
      clock.advance(500 + RETRY_GRACE_MS - 1_000);
      await waitFor(() => heard.length === 1, { what: "broker 2's own fetch reported" });
      expect(reported(heard)).toEqual([silenceOf(2, `127.0.0.1:${two.port}`)]);
      clock.advance(1_000);
      await waitFor(() => heard.length === 2, { what: "the retry reported" });
    } finally {
      fetcher.stop();
    }
    const silence = silenceOf(2, `127.0.0.1:${two.port}`);
    // The first two in the order the deaf brokers' connections came up.
    expect({ first: written.slice(0, 2).sort(), retry: written.slice(2), heard: reported(heard) }).toEqual({
      first: [1, 2],
      retry: [2],
      heard: [silence, silence],
    });
  });
});

// review-consfix-b P3-1: a partition that waited for an answer and was then paused for good (or found gone) was kept
// among those waiting, so the waits never started again from retry.backoff.ms while the others were fetched.
describe("PartitionFetcher, a partition paused while it waits for an answer", () => {
  test("no longer keeps the waits growing: the next wait starts from retry.backoff.ms", async () => {
    const leaders = [1, 2];
    const fetches = { 1: 0, 2: 0 };
    const consumer = clusterOf(leaders, async (node) => {
      fetches[node as 1 | 2]++;
      await new Promise((resolve) => setImmediate(resolve));
      if (node === 1) throw new NetworkError("Connection to 127.0.0.1:1 failed.", { canRetry: true });
      return emptyAnswer(1);
    });
    const { fetcher, failures, timers } = timedFetcherOf(consumer, { ms: 100, maxMs: 1000 });
    try {
      assignBothFromStart(fetcher);
      for (let refused = 1; refused <= 3; refused++) {
        await waitFor(() => fetches[1] === refused && timers.pending.length === 1, { what: "broker 1's retry timer" });
        if (refused === 3) fetcher.pause({ topic: "t", partition: 0 });
        timers.fire();
      }
      // t-1 fetched on, answered; then its leader gone: the wait for it starts from retry.backoff.ms again.
      const answered = fetches[2];
      await waitFor(() => fetches[2] >= answered + 3, { what: "t-1 fetched after t-0's pause" });
      leaders[1] = -1;
      await waitFor(() => timers.pending.length === 1, { what: "the retry timer for t-1's leader" });
    } finally {
      fetcher.stop();
    }
    expect(failures).toEqual([]);
    expect(fetches[1]).toBe(3);
    expect(timers.waits.length).toBe(4);
    expect(doublingTo1000(timers.waits.slice(0, 3))).toEqual([true, true, true]);
    expect(doublingTo1000(timers.waits.slice(3))).toEqual([true]);
  });
});

describe("PartitionFetcher while a partition has no leader (retry.backoff.max.ms, KIP-580)", () => {
  test("the waits before asking its metadata again double from retry.backoff.ms up to retry.backoff.max.ms, ±20 % jitter, as Java's", async () => {
    const { consumer, calls } = leaderlessOf({ t: 1 });
    const { fetcher, failures, timers } = timedFetcherOf(consumer, { ms: 100, maxMs: 1000 });
    try {
      fetcher.seek({ topic: "t", partition: 0 }, 0);
      fetcher.assign([{ topic: "t", partition: 0 }]);
      for (let look = 1; look <= 6; look++) {
        await waitFor(() => calls.length === look && timers.pending.length === 1, { what: "the retry timer" });
        timers.fire();
      }
      await waitFor(() => calls.length === 7, { what: "seven metadata looks" });
    } finally {
      fetcher.stop();
    }
    expect(doublingTo1000(timers.waits.slice(0, 6))).toEqual(Array(6).fill(true));
    expect(failures).toEqual([]);
  });
});

// review-availc P1-1: a partition without a committed offset whose leader is unknown was looked up again at each
// pump, the coordinator asked for its committed offset without pause; Java's retries it after retry.backoff.ms.
describe("PartitionFetcher, a partition without a committed offset and without a leader", () => {
  test("its start position is looked up again once per retry backoff, not without pause", async () => {
    const { consumer: leaderless, calls: lookups } = leaderlessOf({ t: 1 });
    const counts = { retryRounds: 0 };
    const consumer = {
      metadata: async (options: MetadataOptions) => {
        await new Promise((resolve) => setImmediate(resolve)); // an answer from the cluster, later
        return leaderless.metadata(options);
      },
      // Each retryLater that sets the retry timer clears the metadata first.
      clearMetadata: () => void counts.retryRounds++,
      listCommittedOffsets: async () => {
        await new Promise((resolve) => setImmediate(resolve)); // an answer from the coordinator, later
        return new Map();
      },
    } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
    const { fetcher, failures } = fetcherOf(consumer, undefined, { ms: 20 });
    try {
      fetcher.assign([{ topic: "t", partition: 0 }]);
      await waitFor(() => counts.retryRounds >= 4, { what: "three retry timers fired" });
      // Each look-up asks the partition's metadata (its leader), once.
      expect(lookups.length).toBeLessThanOrEqual(counts.retryRounds + 1);
      expect(failures).toEqual([]);
    } finally {
      fetcher.stop();
    }
  });

  // review-consfix P3-1: another partition fetched (every fetchable one with a leader) started the waits again at each
  // pump, so this one was looked up every retry.backoff.ms, each time asking its committed offset again and logging
  // "Found no committed offset" at INFO (~10 times a second); Java's asks it once, then awaits the reset's ListOffsets.
  test("while another partition is fetched: its committed offset is asked once, its waits grow", async () => {
    const leaders = [-1, 2]; // t-0 without a leader, t-1 led by broker 2
    const counts = { committedLookups: 0, fetches: 0 };
    const consumer = Object.assign(
      clusterOf(leaders, async () => {
        counts.fetches++;
        await new Promise((resolve) => setImmediate(resolve));
        return emptyAnswer(1);
      }),
      {
        listCommittedOffsets: async () => {
          counts.committedLookups++;
          return new Map();
        },
      },
    );
    const { fetcher, failures, logged, timers } = timedFetcherOf(consumer, { ms: 100, maxMs: 1000 });
    try {
      fetcher.seek({ topic: "t", partition: 1 }, 0);
      fetcher.assign([
        { topic: "t", partition: 0 },
        { topic: "t", partition: 1 },
      ]);
      for (let round = 1; round <= 6; round++) {
        await waitFor(() => timers.waits.length === round && timers.pending.length === 1, { what: "the retry timer" });
        const fetched = counts.fetches;
        await waitFor(() => counts.fetches >= fetched + 3, { what: "t-1 fetched meanwhile" });
        timers.fire();
      }
    } finally {
      fetcher.stop();
    }
    expect(failures).toEqual([]);
    expect(doublingTo1000(timers.waits)).toEqual(Array(6).fill(true));
    expect(counts.committedLookups).toBe(1);
    expect(logged.filter((l) => l.includes("Found no committed offset for partition t-0")).length).toBe(1);
  });
});

// review-consfix-b P2-1 (E1): a start-position look-up without an answer while the leader is still listed (a killed
// or unreachable broker; the coordinator moving for OffsetFetch) stopped the consumer: its task restarted it and the
// group rebalanced. Java's retries it after the backoff (resetPositionsIfNeeded).
describe("PartitionFetcher, a start position look-up without an answer", () => {
  test("a ListOffsets refused by a leader still listed keeps the consumer: asked again after a growing backoff", async () => {
    let refusing = true;
    const counts = { listOffsets: 0, fetches: 0 };
    const consumer = Object.assign(
      clusterOf([1], async () => {
        counts.fetches++;
        return held();
      }),
      {
        listCommittedOffsets: async () => new Map(),
        listOffsets: async () => {
          counts.listOffsets++;
          await new Promise((resolve) => setImmediate(resolve));
          if (refusing) throw new NetworkError("Connection to 127.0.0.1:1 failed.", { canRetry: true });
          return new Map([["t", [5n]]]);
        },
      },
    );
    const { handlers, reports } = failingReports();
    const { fetcher, failures, timers } = timedFetcherOf(consumer, { ms: 100, maxMs: 1000 }, handlers);
    try {
      fetcher.assign([{ topic: "t", partition: 0 }]);
      for (let refused = 1; refused <= 3; refused++) {
        await waitFor(() => failures.length > 0 || (counts.listOffsets === refused && timers.pending.length === 1), {
          what: "the look-up's retry timer",
        });
        expect(failures).toEqual([]);
        if (refused === 3) refusing = false;
        timers.fire();
      }
      await waitFor(() => counts.fetches === 1, { what: "t-0 fetched from its start position" });
    } finally {
      fetcher.stop();
    }
    expect(failures).toEqual([]);
    expect(counts.listOffsets).toBe(4);
    expect(doublingTo1000(timers.waits)).toEqual(Array(3).fill(true));
    // Each look-up without an answer is reported, and the one answered again clears it (ex31fetch review).
    expect(reports).toEqual([...Array(3).fill("Connection to 127.0.0.1:1 failed."), null]);
  });
});

// review-consfix P3-2: a look-up answered after the consumer closed armed the retry timer and cleared the metadata of
// the closed consumer.
describe("PartitionFetcher stopped while a start position is looked up", () => {
  test("the answer arms no retry and leaves the consumer's metadata alone", async () => {
    const { consumer: leaderless, calls } = leaderlessOf({ t: 1 });
    let answer: ((offsets: Map<string, bigint[]>) => void) | undefined;
    let cleared = 0;
    const consumer = {
      metadata: leaderless.metadata,
      clearMetadata: () => void cleared++,
      listCommittedOffsets: () => new Promise((resolve) => (answer = resolve)),
    } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
    const { fetcher, failures, timers } = timedFetcherOf(consumer);
    try {
      fetcher.assign([{ topic: "t", partition: 0 }]);
      await waitFor(() => answer, { what: "its committed offset asked" });
      fetcher.stop();
      answer!(new Map());
      await waitFor(() => calls.length === 1, { what: "its leader looked up" });
      await new Promise((resolve) => setImmediate(resolve)); // the look-up's answer taken
    } finally {
    }
    expect({ waits: timers.waits, cleared, failures }).toEqual({ waits: [], cleared: 0, failures: [] });
  });
});

// ex31fetch review P3: the metadata look's failure that came after the consumer closed was logged.
describe("PartitionFetcher stopped while the metadata its fetches need is asked", () => {
  test("its failure then is neither logged nor reported", async () => {
    let refuse: (() => void) | undefined;
    const consumer = clusterOf([1], held);
    (consumer as { metadata: unknown }).metadata = async () => {
      await new Promise<void>((resolve) => (refuse = resolve));
      throw metadataRefused();
    };
    const { handlers, reports } = failingReports();
    const { fetcher, failures, logged, timers } = timedFetcherOf(consumer, { ms: 100 }, handlers);
    try {
      fetcher.seek({ topic: "t", partition: 0 }, 0);
      fetcher.assign([{ topic: "t", partition: 0 }]);
      await waitFor(() => refuse, { what: "the metadata asked" });
      fetcher.stop();
      refuse!();
      await new Promise((resolve) => setImmediate(resolve)); // the look's failure taken
    } finally {
    }
    expect({ logged, reports, failures, waits: timers.waits }).toEqual({
      logged: [],
      reports: [],
      failures: [],
      waits: [],
    });
  });
});
