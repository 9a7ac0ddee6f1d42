import { describe, expect, test } from "bun:test";
import { othersAssigned, type PartitionCounts, rejoinNeeded, watchIntervalMs } from "./subscription-change.ts";

const counts = (entries: Record<string, number>): PartitionCounts => new Map(Object.entries(entries));
const topics = (...names: string[]) => new Set(names);

describe("rejoinNeeded", () => {
  describe("any member, as Java's rejoins when its subscription matches other topics", () => {
    test.each([
      ["the same topics", ["a"], { a: 2 }, false],
      ["a topic matched since", ["a"], { a: 2, b: 1 }, true],
      ["a topic no longer matched", ["a", "b"], { a: 2 }, true],
      ["one topic swapped for another", ["a"], { b: 2 }, true],
    ] as [string, string[], Record<string, number>, boolean][])("%s", (_, joined, now, rejoin) => {
      expect(rejoinNeeded({ topics: new Set(joined), assigned: undefined }, counts(now))).toBe(rejoin);
      expect(rejoinNeeded({ topics: new Set(joined), assigned: counts(now) }, counts(now))).toBe(rejoin);
    });
  });

  // review-partfix P3: with tasks.max>1 every member rejoined for one change, two rebalances in a row.
  test("a partition count changed is not a member's business when it did not lead the join", () => {
    expect(rejoinNeeded({ topics: topics("a"), assigned: undefined }, counts({ a: 4 }))).toBe(false);
  });

  describe("the leader, against the metadata its assignment used (Java's assignmentSnapshot)", () => {
    test.each([
      ["the counts it assigned from", { a: 2 }, { a: 2 }, false],
      // review-partfix P2: the look-up (kafkajs: an admin client, maybe another broker) saw 4 partitions
      // while the leader's own metadata still had 2; the group got 2, and the next look-up rejoins.
      ["the look-up sees 4 where its assignment used 2", { a: 2 }, { a: 4 }, true],
      ["the look-up before the join saw 2, the assignment used 4", { a: 4 }, { a: 4 }, false],
      ["a topic assigned without metadata and still without", {}, { a: 0 }, false],
      ["a topic assigned without metadata that has partitions now", {}, { a: 2 }, true],
    ] as [string, Record<string, number>, Record<string, number>, boolean][])("%s", (_, assigned, now, rejoin) => {
      expect(rejoinNeeded({ topics: topics(...Object.keys(now)), assigned: counts(assigned) }, counts(now))).toBe(
        rejoin,
      );
    });
  });
});

// review-partfix2 P2: a follower leaves counts to the leader, so the leader compares the other
// members' topics of its assignment snapshot too (Java's leader tracks the group's subscription).
describe("the leader, over the other members' topics of its assignment snapshot", () => {
  const joined = { topics: topics("a"), assigned: counts({ a: 2, b: 1 }) };
  test.each([
    ["the others' counts it assigned from", { b: 1 }, false],
    ["a topic only a follower subscribes to grew", { b: 3 }, true],
    ["a topic only a follower subscribes to is gone (no metadata)", {}, true],
    ["the others' topics could not be asked this time", undefined, false],
  ] as [string, Record<string, number> | undefined, boolean][])("%s", (_, others, rejoin) => {
    expect(rejoinNeeded(joined, counts({ a: 2 }), others && counts(others))).toBe(rejoin);
  });

  test("the others' topics are those of the snapshot it did not join with; none on another member", () => {
    expect(othersAssigned(joined)).toEqual(["b"]);
    expect(othersAssigned({ topics: topics("a"), assigned: undefined })).toEqual([]);
  });
});

describe("watchIntervalMs", () => {
  test.each([
    [300_000, 300_000],
    [200, 200],
    [0, 100],
    // Long.MAX (refreshes off) and anything past a timer's 2^31-1 ms limit, which would fire at once.
    [Number.MAX_SAFE_INTEGER, 2 ** 31 - 1],
    [2 ** 31, 2 ** 31 - 1],
  ])("metadata.max.age.ms=%p is asked every %p ms", (maxAge, interval) => {
    expect(watchIntervalMs(maxAge)).toBe(interval);
  });
});
