import { describe, expect, spyOn, test } from "bun:test";
import { type ClusterMetadata, type Consumer, type MetadataOptions, NetworkError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { TopicPartition } from "../../api/record.ts";
import { LogManager } from "../../util/logger.ts";
import type { ConsumerSettings } from "../client-config.ts";
import { ConsumerLog } from "../consumer-log.ts";
import type { ConsumerHandlers } from "../kafka-port.ts";
import { metadataOf } from "./metadata-test-support.ts";
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
 * The fetcher of these tests (retry.backoff.ms `backoff`, 1 ms unless given, as retry.backoff.max.ms unless given);
 * `fail` records what would fail the consumer.
 */
function fetcherOf(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  topicLoss?: TopicLoss,
  backoff: { ms: number; maxMs?: number } = { ms: 1 },
) {
  const log = new ConsumerLog(new LogManager({ sink: () => {} }), { clientId: "c", groupId: "g" });
  const settings = { fromBeginning: true, retryBackoffMaxMs: backoff.maxMs ?? backoff.ms } as ConsumerSettings;
  const failures: unknown[] = [];
  const fail = (error: unknown) => void failures.push(error);
  const fetcher = new PartitionFetcher(
    consumer,
    {} as ConsumerHandlers,
    settings,
    backoff.ms,
    fail,
    log,
    "c",
    {},
    topicLoss,
  );
  return { fetcher, failures };
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
    const current = () =>
      ({
        id: "cluster",
        brokers: new Map(),
        topics: new Map([["t", { id: "t-id", partitionsCount: 2, partitions: leaders.map((leader) => ({ leader })) }]]),
        lastUpdate: 0,
      }) as unknown as ClusterMetadata;
    const fetches = { 1: 0, 2: 0 };
    const consumer = {
      metadata: async (_: MetadataOptions) => current(),
      get currentMetadata() {
        return current();
      },
      clearMetadata: () => {},
      fetch: async ({ node }: { node: 1 | 2 }) => {
        fetches[node]++;
        if (node === 1 && fetches[1] === 1) {
          leaders[0] = -1; // broker 1 stopped: the library's retry met leader -1 (the consumer.js patch)
          throw new NetworkError("Cannot find broker with node id -1", { canRetry: true, hasStaleMetadata: true });
        }
        // Broker 2 answers nothing new a few times (each answer fetches again), then holds the request.
        if (node === 1 || fetches[2] > 3) return new Promise(() => {});
        return { responses: [{ topicId: "t-id", partitions: [{ partitionIndex: 1, errorCode: 0, records: [] }] }] };
      },
    } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
    const { fetcher, failures } = fetcherOf(consumer);
    try {
      const [t0, t1] = [
        { topic: "t", partition: 0 },
        { topic: "t", partition: 1 },
      ];
      fetcher.seek(t0, 0);
      fetcher.seek(t1, 0);
      fetcher.assign([t0, t1]);
      await waitFor(() => fetches[1] === 1 && fetches[2] === 4, { what: "t-1 fetched on after t-0's fetch failed" });
      expect(failures).toEqual([]);
      leaders[0] = 1; // its leader back
      await waitFor(() => fetches[1] === 2, { what: "t-0 fetched from its leader again" });
      expect(failures).toEqual([]);
    } finally {
      fetcher.stop();
    }
  });
});

describe("PartitionFetcher while a partition has no leader (retry.backoff.max.ms, KIP-580)", () => {
  test("the waits before asking its metadata again double from retry.backoff.ms up to retry.backoff.max.ms, ±20 % jitter, as Java's", async () => {
    const { consumer, calls } = leaderlessOf({ t: 1 });
    const waits: number[] = [];
    const timers = spyOn(globalThis, "setTimeout");
    timers.mockImplementation(((callback: () => void, ms: number) => {
      waits.push(ms);
      return setImmediate(callback) as unknown as ReturnType<typeof setTimeout>;
    }) as typeof setTimeout);
    const { fetcher, failures } = fetcherOf(consumer, undefined, { ms: 100, maxMs: 1000 });
    try {
      fetcher.seek({ topic: "t", partition: 0 }, 0);
      fetcher.assign([{ topic: "t", partition: 0 }]);
      await waitFor(() => calls.length >= 7, { what: "seven metadata looks" });
    } finally {
      fetcher.stop();
      timers.mockRestore();
    }
    const bounds = [100, 200, 400, 800, 1000, 1000].map((ms) => [Math.trunc(ms * 0.8), Math.min(ms * 1.2, 1000)]);
    expect(waits.slice(0, 6).map((w, i) => w >= bounds[i]![0]! && w <= bounds[i]![1]!)).toEqual(bounds.map(() => true));
    expect(failures).toEqual([]);
  });
});

// review-availc P1-1: a partition without a committed offset whose leader is unknown was looked up again at each
// pump, the coordinator asked for its committed offset without pause; Java's retries it after retry.backoff.ms.
describe("PartitionFetcher, a partition without a committed offset and without a leader", () => {
  test("its committed offset is asked again once per retry backoff, not without pause", async () => {
    const { consumer: leaderless } = leaderlessOf({ t: 1 });
    const counts = { committedLookups: 0, retryRounds: 0 };
    const consumer = {
      metadata: leaderless.metadata,
      // Each retryLater that sets the retry timer clears the metadata first.
      clearMetadata: () => void counts.retryRounds++,
      listCommittedOffsets: async () => {
        counts.committedLookups++;
        await new Promise((resolve) => setImmediate(resolve)); // an answer from the coordinator, later
        return new Map();
      },
    } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
    const { fetcher, failures } = fetcherOf(consumer, undefined, { ms: 20 });
    try {
      fetcher.assign([{ topic: "t", partition: 0 }]);
      await waitFor(() => counts.retryRounds >= 4, { what: "three retry timers fired" });
      expect(counts.committedLookups).toBeLessThanOrEqual(counts.retryRounds + 1);
      expect(failures).toEqual([]);
    } finally {
      fetcher.stop();
    }
  });
});
