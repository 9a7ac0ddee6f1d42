/**
 * The platformatic consumer's partition assigner (PlatformaticConsumer, as the group's leader): the
 * library's round-robin assigner, its default, unchanged, keeping the partition count of each topic
 * it assigned from, the leader's assignment snapshot its subscription watch compares against
 * (subscription-change.ts). The library assigns a leader alone in its group without it.
 */
import { type GroupAssignment, type GroupPartitionsAssigner, roundRobinAssigner } from "@platformatic/kafka";
import type { PartitionCounts } from "../subscription-change.ts";

/** Where the assigner of a start's library consumer leaves the partition counts it assigned from. */
export interface AssignerUse {
  counts?: PartitionCounts;
}

/** The library's round-robin assigner (its default), keeping the partition count of each topic it assigned from. */
export function recordingAssigner(use: AssignerUse): GroupPartitionsAssigner {
  return (current, members, topics, metadata) => {
    use.counts = new Map([...topics].map((t) => [t, metadata.topics.get(t)?.partitionsCount ?? 0]));
    return roundRobinAssigner(current, members, topics, metadata);
  };
}

/** The partition count of each topic of a leader's own assignment when it was alone in its group (every partition). */
export function countsAssigned(assignments: readonly GroupAssignment[]): PartitionCounts {
  return new Map(assignments.map((a) => [a.topic, a.partitions.length]));
}
