import { describe, expect, test } from "bun:test";
import {
  AssignerProtocol,
  type Cluster,
  type GroupMember,
  KafkaJSProtocolError,
  type MemberMetadata,
  type PartitionAssigner,
  PartitionAssigners,
} from "kafkajs";
import { subscribedRoundRobin } from "./subscribed-round-robin.ts";

/**
 * A cluster whose metadata has topics a (4 partitions) and b (2); as kafkajs' Cluster, adding a
 * topic it does not have (deleted, say) fails the whole call with the broker's error. A refresh
 * replaces the metadata with `fresh` (the cluster as it is now), if given.
 */
function cluster(fresh?: Record<string, number>) {
  let partitions: Record<string, number> = { a: 4, b: 2 };
  const targets: string[][] = [];
  const c = {
    refreshMetadata: async () => {
      if (fresh) partitions = { ...fresh };
    },
    addMultipleTargetTopics: async (topics: string[]) => {
      if (topics.some((t) => partitions[t] === undefined))
        throw new KafkaJSProtocolError(
          Object.assign(new Error("This server does not host this topic-partition"), {
            type: "UNKNOWN_TOPIC_OR_PARTITION",
            code: 3,
            retriable: true,
          }),
        );
      targets.push(topics);
    },
    findTopicPartitionMetadata: (topic: string) =>
      Array.from({ length: partitions[topic] ?? 0 }, (_, partitionId) => ({ partitionId })),
  } as unknown as Cluster;
  return { cluster: c, targets };
}

const member = (memberId: string, topics: string[]): GroupMember => ({
  memberId,
  memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics } as MemberMetadata),
});

/** Each member's assignment, decoded. */
async function assigned(
  assigner: PartitionAssigner,
  c: Cluster,
  members: GroupMember[],
  topics: string[],
): Promise<Record<string, unknown>> {
  const answer = await assigner({ cluster: c, groupId: "g", logger: undefined as never }).assign({ members, topics });
  return Object.fromEntries(
    answer.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment]),
  );
}

describe("subscribedRoundRobin", () => {
  test("members subscribed alike get kafkajs' RoundRobinAssigner's assignment", async () => {
    const { cluster: c } = cluster();
    const members = [member("m2", ["a", "b"]), member("m1", ["a", "b"]), member("m3", ["a", "b"])];
    const ours = await assigned(subscribedRoundRobin(), c, members, ["a", "b"]);
    expect(ours).toEqual(await assigned(PartitionAssigners.roundRobin, c, members, ["a", "b"]));
    expect(ours).toEqual({ m1: { a: [0, 3] }, m2: { a: [1], b: [0] }, m3: { a: [2], b: [1] } });
  });

  // rebalflake: kafkajs' leader gave its own topics' partitions to a member of another connector in the group.
  test("a member gets only partitions of the topics it subscribed to, the others' topics included", async () => {
    const { cluster: c, targets } = cluster();
    const members = [member("m1", ["a"]), member("m2", ["b"]), member("m3", ["a"])];
    expect(await assigned(subscribedRoundRobin(), c, members, ["a"])).toEqual({
      m1: { a: [0, 2] },
      m3: { a: [1, 3] },
      m2: { b: [0, 1] },
    });
    expect(targets).toEqual([["b"]]);
  });

  // review56: the leader looks up the metadata of the others' topics; one it cannot get (deleted,
  // not authorized to it) failed the leader's assignment at every join, so no member of the group
  // got anything. Java's assignors skip a topic without metadata and assign the rest.
  test("a topic of another member the leader has no metadata for is skipped; the rest is assigned", async () => {
    const { cluster: c, targets } = cluster();
    const members = [member("m1", ["a"]), member("m2", ["b", "gone"]), member("m3", ["gone"])];
    expect(await assigned(subscribedRoundRobin(), c, members, ["a"])).toEqual({
      m1: { a: [0, 1, 2, 3] },
      m2: { b: [0, 1] },
    });
    expect(targets).toEqual([["b"]]);
  });

  // review-partfix P2: the leader's watch compares the metadata now with the one its assignment used.
  test("the partition count of each topic assigned is told, as Java's leader keeps its assignmentSnapshot", async () => {
    const { cluster: c } = cluster();
    const told: Map<string, number>[] = [];
    const members = [member("m1", ["a"]), member("m2", ["b", "gone"])];
    await assigned(
      subscribedRoundRobin((counts) => told.push(new Map(counts))),
      c,
      members,
      ["a"],
    );
    expect(told).toEqual([
      new Map([
        ["a", 4],
        ["b", 2],
      ]),
    ]);
  });

  // explore13 F1: a topic deleted and re-created with fewer partitions; the metadata kafkajs refreshed
  // before assigning could predate it, and the partition of the old topic assigned from it crashed
  // the member given it in kafkajs' offset code (indexedTopicOffsets[topic][partition]).
  test("assigns from the metadata it refreshed itself, never a partition the cluster no longer has", async () => {
    const { cluster: c } = cluster({ a: 1, b: 2 });
    const members = [member("m1", ["a", "b"]), member("m2", ["a", "b"])];
    expect(await assigned(subscribedRoundRobin(), c, members, ["a", "b"])).toEqual({
      m1: { a: [0], b: [1] },
      m2: { b: [0] },
    });
  });
});
