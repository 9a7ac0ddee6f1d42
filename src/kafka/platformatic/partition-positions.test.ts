import { describe, expect, test } from "bun:test";
import type { Consumer, MetadataOptions } from "@platformatic/kafka";
import type { TopicPartition } from "../../api/record.ts";
import { consumerSettings } from "../client-config.ts";
import { metadataOf } from "./metadata-test-support.ts";
import { resolvePositions, resolveStartPositions } from "./partition-positions.ts";
import { newPartitionState } from "./partition-state.ts";

/**
 * A consumer with no committed offsets whose cached metadata knows `cached` partitions of each
 * topic, and the cluster `cluster` (a forced metadata refresh updates the cache from it).
 */
function consumer(cached: Record<string, number>, cluster: Record<string, number>) {
  const asked: string[][] = [];
  const { consumer: metadata, calls } = metadataOf(cluster);
  const fake = {
    listCommittedOffsets: async () => new Map(),
    metadata: async (options: MetadataOptions) => {
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
