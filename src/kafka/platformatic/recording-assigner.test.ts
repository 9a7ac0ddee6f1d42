import { describe, expect, test } from "bun:test";
import type { ClusterMetadata, ExtendedGroupProtocolSubscription, GroupAssignment } from "@platformatic/kafka";
import { type AssignerUse, countsAssigned, recordingAssigner } from "./recording-assigner.ts";

const metadata = {
  topics: new Map([
    ["a", { partitionsCount: 3 }],
    ["b", { partitionsCount: 1 }],
  ]),
} as unknown as ClusterMetadata;
const members = new Map([
  ["m1", { memberId: "m1", topics: ["a", "b"] }],
  ["m2", { memberId: "m2", topics: ["a", "b"] }],
]) as unknown as Map<string, ExtendedGroupProtocolSubscription>;

/** Each member's partitions as `topic-partition` strings. */
const byMember = (assigned: ReturnType<ReturnType<typeof recordingAssigner>>) =>
  Object.fromEntries(
    assigned.map((m) => [
      m.memberId,
      [...m.assignments.values()].flatMap((a) => a.partitions.map((p) => `${a.topic}-${p}`)),
    ]),
  );

describe("recordingAssigner", () => {
  test("assigns round-robin as Java's RoundRobinAssignor and keeps the partition count of each topic it assigned", () => {
    const use: AssignerUse = {};
    const assigned = recordingAssigner(use)("m1", members, new Set(["a", "b"]), metadata);
    expect(byMember(assigned)).toEqual({ m1: ["a-0", "a-2"], m2: ["a-1", "b-0"] });
    expect(use.counts).toEqual(
      new Map([
        ["a", 3],
        ["b", 1],
      ]),
    );
  });

  // review-mixproto P1: the library hands the assigner only the leader's topics; it dealt them to every member.
  test("a member is given only partitions of topics it subscribed to, and every member's topics are assigned", () => {
    const use: AssignerUse = {};
    const apart = new Map([
      ["m1", { memberId: "m1", topics: ["a"] }],
      ["m2", { memberId: "m2", topics: ["b"] }],
    ]) as unknown as Map<string, ExtendedGroupProtocolSubscription>;
    const assigned = recordingAssigner(use)("m1", apart, new Set(["a"]), metadata);
    expect(byMember(assigned)).toEqual({ m1: ["a-0", "a-1", "a-2"], m2: ["b-0"] });
    expect(use.counts).toEqual(
      new Map([
        ["a", 3],
        ["b", 1],
      ]),
    );
  });

  test("a topic without metadata counts 0 and is skipped; the others are assigned", () => {
    const use: AssignerUse = {};
    const assigned = recordingAssigner(use)("m1", members, new Set(["gone", "b"]), metadata);
    expect(use.counts?.get("gone")).toBe(0);
    expect(byMember(assigned)).toEqual({ m1: ["a-0", "a-2"], m2: ["a-1", "b-0"] });
  });
});

describe("countsAssigned", () => {
  test("a leader alone in its group: the partitions of each topic it was given", () => {
    const own = [
      { topic: "a", partitions: [0, 1, 2] },
      { topic: "b", partitions: [0] },
    ] as GroupAssignment[];
    expect(countsAssigned(own)).toEqual(
      new Map([
        ["a", 3],
        ["b", 1],
      ]),
    );
  });
});
