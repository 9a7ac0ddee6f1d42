/**
 * The platformatic consumer's partition assigner (PlatformaticConsumer, as the group's leader): Java's
 * RoundRobinAssignor, keeping the partition count of each topic it assigned from, the leader's
 * assignment snapshot its subscription watch compares against (subscription-change.ts). Every topic
 * any member subscribed to is assigned (the library hands its assigner only the leader's own topics,
 * though it fetched metadata for all of them), each partition, in topic then partition order, to the
 * next member in member-id order that subscribed to its topic: a member of another connector in the
 * group (consumer.override.group.id, gateways running connectors of one name, a kafkajs member)
 * gets only partitions of its own topics, and its topics are consumed. A topic without metadata is
 * skipped (counted 0), as Java's assignors skip it. The library assigns a leader alone in its group
 * without it.
 */
import type { GroupAssignment, GroupPartitionsAssigner } from "@platformatic/kafka";
import type { PartitionCounts } from "../subscription-change.ts";

/** Where the assigner of a start's library consumer leaves the partition counts it assigned from. */
export interface AssignerUse {
  counts?: PartitionCounts;
}

/** Java's RoundRobinAssignor over every member's subscription, keeping the partition count of each topic. */
export function recordingAssigner(use: AssignerUse): GroupPartitionsAssigner {
  return (_current, members, own, metadata) => {
    const subscribed = new Set(own);
    for (const m of members.values()) for (const t of m.topics ?? []) subscribed.add(t);
    const topics = [...subscribed].sort();
    use.counts = new Map(topics.map((t) => [t, metadata.topics.get(t)?.partitionsCount ?? 0]));
    const ids = [...members.keys()].sort();
    const assignments = new Map(ids.map((id) => [id, new Map<string, GroupAssignment>()]));
    let next = 0;
    for (const topic of topics) {
      for (let partition = 0; partition < use.counts.get(topic)!; partition++) {
        for (let k = 0; k < ids.length; k++) {
          const id = ids[(next + k) % ids.length]!;
          if (!(members.get(id)!.topics ?? []).includes(topic)) continue;
          const mine = assignments.get(id)!;
          const entry = mine.get(topic) ?? { topic, partitions: [] };
          entry.partitions.push(partition);
          mine.set(topic, entry);
          next = (next + k + 1) % ids.length;
          break;
        }
      }
    }
    return ids.map((memberId) => ({ memberId, assignments: assignments.get(memberId)! }));
  };
}

/** The partition count of each topic of a leader's own assignment when it was alone in its group (every partition). */
export function countsAssigned(assignments: readonly GroupAssignment[]): PartitionCounts {
  return new Map(assignments.map((a) => [a.topic, a.partitions.length]));
}
