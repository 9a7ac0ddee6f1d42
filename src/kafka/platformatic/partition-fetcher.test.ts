import { describe, expect, test } from "bun:test";
import type { ClusterMetadata, Consumer, MetadataOptions } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { TopicPartition } from "../../api/record.ts";
import { LogManager } from "../../util/logger.ts";
import type { ConsumerSettings } from "../client-config.ts";
import { ConsumerLog } from "../consumer-log.ts";
import type { ConsumerHandlers } from "../kafka-port.ts";
import { metadataOf } from "./metadata-test-support.ts";
import { PartitionFetcher } from "./partition-fetcher.ts";

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
    const log = new ConsumerLog(new LogManager({ sink: () => {} }), { clientId: "c", groupId: "g" });
    const settings = { fromBeginning: true } as ConsumerSettings;
    const fail = (error: unknown) => {
      throw error;
    };
    const fetcher = new PartitionFetcher(consumer, {} as ConsumerHandlers, settings, 1, fail, log, "c", {}, topicLoss);
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
    } finally {
      fetcher.stop();
    }
  });
});
