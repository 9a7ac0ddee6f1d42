import { describe, expect, test } from "bun:test";
import type { Consumer } from "@platformatic/kafka";
import { consumerSettings } from "../client-config.ts";
import { resolvePositions } from "./partition-positions.ts";
import { newPartitionState } from "./partition-state.ts";

/** A consumer with no committed offsets whose metadata knows `known` partitions of each topic. */
function consumer(known: Record<string, number>) {
  const asked: string[][] = [];
  const fake = {
    listCommittedOffsets: async () => new Map(),
    listOffsets: async ({ topics, partitions }: { topics: string[]; partitions: Record<string, number[]> }) => {
      asked.push(topics);
      // As the library: the whole request fails for a partition its metadata lacks.
      for (const t of topics)
        if (partitions[t]!.some((p) => p >= known[t]!))
          throw new Error(`Specified partition(s) not found in topic ${t}`);
      return new Map(topics.map((t) => [t, partitions[t]!.map((p) => BigInt(10 + p))]));
    },
  };
  return { consumer: fake as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>, asked };
}

describe("resolvePositions", () => {
  // explore13 F1: the topic was re-created with fewer partitions after the assignment was made.
  test("a partition the metadata lacks is left to be asked again; the other topics' are resolved now", async () => {
    const { consumer: c, asked } = consumer({ x: 1, y: 2 });
    const list = [
      newPartitionState({ topic: "x", partition: 1 }, null, false),
      newPartitionState({ topic: "y", partition: 0 }, null, false),
      newPartitionState({ topic: "y", partition: 1 }, null, false),
    ];
    const found = await resolvePositions(c, consumerSettings({}), list);
    expect([...found].map(([s, p]) => [s.tp, p])).toEqual([
      [
        { topic: "y", partition: 0 },
        { offset: 10n, committed: false },
      ],
      [
        { topic: "y", partition: 1 },
        { offset: 11n, committed: false },
      ],
    ]);
    expect(asked).toEqual([["x", "y"], ["y"]]);
  });
});
