import { describe, expect, test } from "bun:test";
import { type ClusterMetadata, type Consumer, type MetadataOptions, NetworkError } from "@platformatic/kafka";
import type { TopicPartition } from "../../api/record.ts";
import { consumerSettings } from "../client-config.ts";
import { metadataOf } from "./metadata-test-support.ts";
import { resolvePositions, resolveStartPositions } from "./partition-positions.ts";
import { newPartitionState } from "./partition-state.ts";

/**
 * A consumer with no committed offsets whose cached metadata knows `cached` partitions of each
 * topic (every one with a leader), and the cluster `cluster` (a forced metadata refresh updates the
 * cache from it; `refreshed` lists those).
 */
function consumer(cached: Record<string, number>, cluster: Record<string, number>) {
  const asked: string[][] = [];
  const { consumer: metadata, calls } = metadataOf(cluster);
  const { consumer: cache } = metadataOf(cached);
  const fake = {
    listCommittedOffsets: async () => new Map(),
    metadata: async (options: MetadataOptions) => {
      if (!options.forceUpdate) return cache.metadata(options); // the library's cached metadata
      const md = await metadata.metadata(options);
      if (options.forceUpdate) for (const [t, m] of md.topics) cached[t] = m.partitionsCount;
      return md;
    },
    listOffsets: async ({ topics, partitions }: { topics: string[]; partitions: Record<string, number[]> }) => {
      asked.push(topics);
      // As the library: the whole request fails for a partition its metadata lacks.
      for (const t of topics)
        if (partitions[t]!.some((p) => p >= cached[t]!))
          throw new Error(`Specified partition(s) not found in topic ${t}`);
      return new Map(topics.map((t) => [t, partitions[t]!.map((p) => BigInt(10 + p))]));
    },
  };
  return { consumer: fake as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>, asked, refreshed: calls };
}

const state = (topic: string, partition: number) => newPartitionState({ topic, partition }, null, false);

describe("resolvePositions", () => {
  // explore13 F1, emptyparts P2: the topic was re-created with fewer partitions after the assignment
  // was made. Java's consumer refreshes its metadata at once and its member rejoins; the library's
  // cached metadata was left to age (metadata.max.age.ms, 5 min by default) and the task failed.
  test("a partition the refreshed metadata still lacks is gone (the member is told); the others are resolved now", async () => {
    const { consumer: c, asked, refreshed } = consumer({ x: 1, y: 2 }, { x: 1, y: 2 });
    const list = [state("x", 1), state("y", 0), state("y", 1)];
    const told: (readonly TopicPartition[])[] = [];
    await resolveStartPositions(c, consumerSettings({}), list, undefined, (tps) => told.push(tps));
    expect(list.map((s) => [s.tp, s.position, s.gone])).toEqual([
      [{ topic: "x", partition: 1 }, null, true],
      [{ topic: "y", partition: 0 }, 10n, false],
      [{ topic: "y", partition: 1 }, 11n, false],
    ]);
    expect(told).toEqual([[{ topic: "x", partition: 1 }]]);
    expect(refreshed).toEqual([["x"]]);
    expect(asked).toEqual([["x", "y"], ["y"]]);
  });

  test("a partition added since the cached metadata was taken is looked up after one refresh", async () => {
    const { consumer: c, asked, refreshed } = consumer({ x: 1 }, { x: 2 });
    const list = [state("x", 0), state("x", 1)];
    const { found, gone } = await resolvePositions(c, consumerSettings({}), list);
    expect([...found].map(([s, p]) => [s.tp, p])).toEqual([
      [
        { topic: "x", partition: 0 },
        { offset: 10n, committed: false },
      ],
      [
        { topic: "x", partition: 1 },
        { offset: 11n, committed: false },
      ],
    ]);
    expect(gone).toEqual([]);
    expect(refreshed).toEqual([["x"]]);
    expect(asked).toEqual([["x"], ["x"]]);
  });

  test("a topic deleted since has all its partitions gone", async () => {
    const { consumer: c } = consumer({ x: 1 }, {});
    const list = [state("x", 0), state("x", 1)];
    const { found, gone } = await resolvePositions(c, consumerSettings({}), list);
    expect(found.size).toBe(0);
    expect(gone.map((s) => s.tp)).toEqual([
      { topic: "x", partition: 0 },
      { topic: "x", partition: 1 },
    ]);
  });
});

describe("resolveStartPositions: a partition without a committed offset and without a leader (its broker down)", () => {
  /**
   * A consumer without committed offsets whose cached metadata has `cachedLeaders` for topic "t" (partition → leader,
   * -1: none) and the cluster `clusterLeaders`; as the library, ListOffsets for a partition without a leader fails
   * whole (retriably), its cache refreshed from the cluster first.
   */
  function consumerWith(cachedLeaders: number[], clusterLeaders: number[]) {
    const asked: number[][] = [];
    let cache: number[] | undefined = cachedLeaders;
    const md = (leaders: number[]) =>
      ({
        brokers: new Map(),
        topics: new Map([
          ["t", { partitionsCount: leaders.length, partitions: leaders.map((leader) => ({ leader })) }],
        ]),
      }) as unknown as ClusterMetadata;
    const fake = {
      listCommittedOffsets: async () => new Map(),
      metadata: async () => md(cache ?? clusterLeaders),
      get currentMetadata() {
        return cache && md(cache);
      },
      listOffsets: async ({ partitions }: { partitions: Record<string, number[]> }) => {
        asked.push(partitions.t!);
        if (partitions.t!.some((p) => cache![p]! < 0 || clusterLeaders[p]! < 0)) {
          cache = clusterLeaders; // the library refreshed its metadata before it gave up
          throw new NetworkError("Cannot get a connection: the broker is not available", { canRetry: true });
        }
        return new Map([["t", partitions.t!.map((p) => BigInt(10 + p))]]);
      },
    };
    return { consumer: fake as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>, asked };
  }

  test.each([
    ["known leaderless in the consumer's metadata", [1, 2, -1]],
    ["its leader stopped since the metadata was cached", [1, 2, 3]],
  ])("%s: the others are resolved now, it waits (reported, no failure)", async (_, cached) => {
    const { consumer: c, asked } = consumerWith(cached, [1, 2, -1]);
    const list = [state("t", 0), state("t", 1), state("t", 2)];
    const waiting = await resolveStartPositions(c, consumerSettings({}), list);
    expect(waiting).toBe(true);
    // Without a committed offset, it goes by the reset policy from now on (review consfix P3-1: its committed offset
    // was asked again, and "Found no committed offset" logged, at each retry).
    expect(list.map((s) => [s.tp.partition, s.position, s.resolving, s.reset])).toEqual([
      [0, 10n, false, false],
      [1, 11n, false, false],
      [2, null, false, true],
    ]);
    expect(asked.at(-1)).toEqual([0, 1]);
  });
});
