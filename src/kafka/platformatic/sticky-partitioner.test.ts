import { describe, expect, test } from "bun:test";
import type { ProducerRecord } from "../kafka-port.ts";
import { type PartitionLoad, RECORD_OVERHEAD_BYTES, recordBytes, StickyPartitioner } from "./sticky-partitioner.ts";

/** Random numbers from a list, in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

/** The partitions of `sends` sends of `bytes` bytes each to topic `t` of `count` partitions. */
function run(sticky: StickyPartitioner, sends: number, bytes: number, count: number, topic = "t"): number[] {
  const out: number[] = [];
  for (let i = 0; i < sends; i++) {
    out.push(sticky.current(topic, count));
    sticky.produced(topic, bytes, count);
  }
  return out;
}

describe("StickyPartitioner", () => {
  test("sends stay on one partition until batch.size bytes went there, then move to another one", () => {
    // Start: floor(0.5 * 3) = 1; then 1 + 1 + floor(0 * 2) = 2, then 2 + 1 + floor(0.9 * 2) = 4 % 3 = 1.
    const sticky = new StickyPartitioner(1000, { random: sequence(0.5, 0, 0.9) });
    // 400 + 400 + 400 crosses 1000 with the third send: the fourth goes elsewhere.
    expect(run(sticky, 9, 400, 3)).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1]);
  });

  test("the next partition is never the current one, and any other is possible", () => {
    const seen = new Set<string>();
    for (const r of [0, 0.2, 0.4, 0.6, 0.8, 0.99]) {
      const sticky = new StickyPartitioner(1, { random: sequence(0, r) });
      const [first, second] = run(sticky, 2, 10, 4);
      expect(second).not.toBe(first);
      seen.add(`${first}->${second}`);
    }
    expect([...seen].sort()).toEqual(["0->1", "0->2", "0->3"]);
  });

  test("each topic sticks on its own", () => {
    const sticky = new StickyPartitioner(100, { random: () => 0 });
    expect(run(sticky, 3, 60, 2, "a")).toEqual([0, 0, 1]);
    expect(run(sticky, 1, 10, 2, "b")).toEqual([0]);
  });

  test("a partition count that shrank below the current partition picks again; one partition is always 0", () => {
    const sticky = new StickyPartitioner(100, { random: sequence(0.9, 0.1) });
    expect(sticky.current("t", 4)).toBe(3);
    sticky.produced("t", 90, 4);
    expect(sticky.current("t", 2)).toBe(0);
    // The bytes of the partition left behind do not count for the new one.
    sticky.produced("t", 90, 2);
    expect(sticky.current("t", 2)).toBe(0);
    expect(run(new StickyPartitioner(10, { random: Math.random }), 5, 20, 1)).toEqual([0, 0, 0, 0, 0]);
  });

  describe("when a partition has no leader (KIP-794: Cluster.availablePartitionsForTopic)", () => {
    // Partition 1 of 3 has no leader (its broker is down).
    const leaders = [1, -1, 3];

    test("a stick starts and moves on only among the partitions with a leader, each as likely", () => {
      const seen = new Set<string>();
      for (const r of [0, 0.3, 0.49, 0.5, 0.7, 0.99]) {
        const sticky = new StickyPartitioner(1, { random: sequence(r, r) });
        const first = sticky.current("t", 3, leaders);
        sticky.produced("t", 10, 3, leaders);
        seen.add(`${first}->${sticky.current("t", 3, leaders)}`);
      }
      expect([...seen].sort()).toEqual(["0->2", "2->0"]);
    });

    test("a stick whose partition lost its leader moves at the next send, its bytes starting again", () => {
      const sticky = new StickyPartitioner(100, { random: sequence(0.5, 0.9, 0) });
      expect(sticky.current("t", 3, [1, 2, 3])).toBe(1);
      sticky.produced("t", 90, 3, [1, 2, 3]);
      // floor(0.9 * 2) = 1: the second of partitions 0 and 2.
      expect(sticky.current("t", 3, leaders)).toBe(2);
      sticky.produced("t", 90, 3, leaders);
      expect(sticky.current("t", 3, leaders)).toBe(2);
    });

    test("the only partition with a leader keeps the stick; with none, every partition is picked as before", () => {
      const only = new StickyPartitioner(1, { random: sequence(0.9) });
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        out.push(only.current("t", 3, [-1, 5, -1]));
        only.produced("t", 10, 3, [-1, 5, -1]);
      }
      expect(out).toEqual([1, 1, 1]);
      const none = new StickyPartitioner(1, { random: sequence(0.9, 0, 0) });
      const all: number[] = [];
      for (let i = 0; i < 3; i++) {
        all.push(none.current("t", 3, [-1, -1, -1]));
        none.produced("t", 10, 3, [-1, -1, -1]);
      }
      expect(all).toEqual([2, 0, 1]);
    });
  });

  describe("adaptive partitioning (partitioner.adaptive.partitioning.enable, KIP-794)", () => {
    /** A pipeline's view: `queues` batches queued per partition of topic t, `down` brokers unavailable. */
    const load = (queues: number[], down: number[] = []): PartitionLoad => ({
      queuedBatches: (_topic, partition) => queues[partition]!,
      leaderUnavailable: (node) => down.includes(node),
    });
    /** How often each partition is picked as the first stick over `draws` evenly spread random numbers. */
    function firstPicks(options: { adaptive?: boolean; load: PartitionLoad }, leaders: number[], draws: number) {
      const picks = leaders.map(() => 0);
      for (let d = 0; d < draws; d++) {
        const sticky = new StickyPartitioner(100, { ...options, random: () => (d + 0.5) / draws });
        picks[sticky.current("t", leaders.length, leaders)]!++;
      }
      return picks;
    }

    test("a partition is picked with weight (longest queue + 1 - its queue): a longer queue gets fewer new records", () => {
      // Weights 5, 1, 5 of 11.
      expect(firstPicks({ load: load([0, 4, 0]) }, [1, 2, 3], 11)).toEqual([5, 1, 5]);
      // Equal queues: each as likely.
      expect(firstPicks({ load: load([2, 2, 2]) }, [1, 2, 3], 9)).toEqual([3, 3, 3]);
    });

    test("switched off, the queues do not count", () => {
      expect(firstPicks({ adaptive: false, load: load([0, 4, 0]) }, [1, 2, 3], 9)).toEqual([3, 3, 3]);
    });

    test("a move is weighed among the other partitions", () => {
      // From partition 0: partitions 1 and 2 weigh 1 and 4 (queues 3 and 0); 0.3 * 5 = 1.5 falls on partition 2.
      const sticky = new StickyPartitioner(1, { random: sequence(0, 0.3, 0.1), load: load([0, 3, 0]) });
      expect(sticky.current("t", 3, [1, 2, 3])).toBe(0);
      sticky.produced("t", 10, 3, [1, 2, 3]);
      expect(sticky.current("t", 3, [1, 2, 3])).toBe(2);
      // From partition 2: partitions 0 and 1 weigh 4 and 1; 0.1 * 5 = 0.5 falls on partition 0.
      sticky.produced("t", 10, 3, [1, 2, 3]);
      expect(sticky.current("t", 3, [1, 2, 3])).toBe(0);
    });

    test("partitions with queued batches on an unavailable broker (partitioner.availability.timeout.ms) are left out; all of them: uniform among the led ones", () => {
      expect(firstPicks({ load: load([0, 1, 0], [2]) }, [1, 2, 3], 10)).toEqual([5, 0, 5]);
      // Every one left out: each as likely (Java's partitioner without load stats), not weighed by the queues.
      expect(firstPicks({ load: load([1, 3, 1], [1, 2, 3]) }, [1, 2, 3], 9)).toEqual([3, 3, 3]);
      expect(firstPicks({ load: load([1, 1, 0], [1, 2]) }, [1, 2, -1], 10)).toEqual([5, 5, 0]);
      // Switched off, so is the timeout (as Java's).
      expect(firstPicks({ adaptive: false, load: load([0, 1, 0], [2]) }, [1, 2, 3], 9)).toEqual([3, 3, 3]);
    });

    test("a partition of an unavailable broker with nothing queued (its batches expired) is a candidate again (Java's partitionReady)", () => {
      // The broker stalled, its partition's batches expired: nothing queued, so it is not left out for ever.
      expect(firstPicks({ load: load([0, 0, 0], [2]) }, [1, 2, 3], 9)).toEqual([3, 3, 3]);
    });
  });

  test("a record counts its framing besides its value, key and headers: records without a value move on too", () => {
    const record: ProducerRecord = {
      topic: "t",
      partition: null,
      key: null,
      value: null,
      headers: [{ key: "abc", value: new Uint8Array(5) }],
      timestamp: null,
    };
    expect(recordBytes(record)).toBe(RECORD_OVERHEAD_BYTES + 3 + 5);
    expect(recordBytes({ ...record, headers: [] })).toBe(RECORD_OVERHEAD_BYTES);
  });
});
