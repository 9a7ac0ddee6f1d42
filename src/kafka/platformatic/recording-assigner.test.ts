import { describe, expect, test } from "bun:test";
import {
  type ClusterMetadata,
  type ExtendedGroupProtocolSubscription,
  type GroupAssignment,
  roundRobinAssigner,
} from "@platformatic/kafka";
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

describe("recordingAssigner", () => {
  test("assigns as the library's round-robin assigner and keeps the partition count of each topic it assigned", () => {
    const use: AssignerUse = {};
    const topics = new Set(["a", "b"]);
    const assigned = recordingAssigner(use)("m1", members, topics, metadata);
    expect(assigned).toEqual(roundRobinAssigner("m1", members, topics, metadata));
    expect(use.counts).toEqual(
      new Map([
        ["a", 3],
        ["b", 1],
      ]),
    );
  });

  test("a topic without metadata counts 0, kept before the library's assigner (which needs it) runs", () => {
    const use: AssignerUse = {};
    const none = { topics: new Map() } as unknown as ClusterMetadata;
    expect(() => recordingAssigner(use)("m1", members, new Set(["gone"]), none)).toThrow();
    expect(use.counts).toEqual(new Map([["gone", 0]]));
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
