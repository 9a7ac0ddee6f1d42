/**
 * The kafkajs consumer's partition assigner (consumer.ts): kafkajs' RoundRobinAssigner, under a
 * protocol name of group-protocols.ts (one assigner per name), except that a member is given only
 * partitions of topics it subscribed to, as Java's RoundRobinAssignor. kafkajs' leader hands the
 * partitions of its own topics round-robin to every member, whatever they subscribed to: a member of
 * another connector in the group (consumer.override.group.id, or gateways running connectors of one
 * name against one cluster) got partitions of topics it never asked for and delivered their records.
 * The leader assigns the topics every member subscribed to, its own first in its order, then the
 * others sorted; members subscribed alike get exactly kafkajs' assignment. A topic of the others'
 * whose metadata the leader cannot get (deleted, not authorized to it) is skipped, as Java's
 * assignors skip a topic without metadata: the rest of the group is still assigned. The partition
 * count of each topic it assigned is told to `onAssigned` (Java's leader keeps it as its
 * assignmentSnapshot, subscription-change.ts).
 * The leader assigns from metadata it asked for itself: kafkajs refreshes just before `assign`, but
 * its refresh is shared with one already in flight, whose answer may predate a topic deleted and
 * re-created with fewer partitions; a partition of the old topic assigned from it crashed the member
 * given it in kafkajs' own offset code (explore13 F1). Java's leader likewise assigns only from the
 * metadata it has when it assigns, never partitions the cluster no longer has.
 */
import {
  AssignerProtocol,
  type Cluster,
  type MemberAssignment,
  type MemberMetadata,
  type PartitionAssigner,
} from "kafkajs";
import { GROUP_PROTOCOLS } from "../group-protocols.ts";
import type { PartitionCounts } from "../subscription-change.ts";

const VERSION = 0;
/** Without user data, as kafkajs' own assigner encodes them (its types require the field). */
type NoUserData<T> = Omit<T, "userData">;
const metadata = (m: NoUserData<MemberMetadata>) => AssignerProtocol.MemberMetadata.encode(m as MemberMetadata);
const memberAssignment = (a: NoUserData<MemberAssignment>) =>
  AssignerProtocol.MemberAssignment.encode(a as MemberAssignment);

/** The errors for which kafkajs' Cluster drops the topics it was asked to add (the topic's own). */
const TOPIC_ERRORS = new Set(["UNKNOWN_TOPIC_OR_PARTITION", "TOPIC_AUTHORIZATION_FAILED", "INVALID_TOPIC_EXCEPTION"]);

/** Those of `topics` whose metadata the leader now has: one at a time when one of them fails. */
async function withMetadata(cluster: Cluster, topics: readonly string[]): Promise<string[]> {
  if (topics.length === 0) return [];
  try {
    await cluster.addMultipleTargetTopics([...topics]);
    return [...topics];
  } catch (error) {
    if (!TOPIC_ERRORS.has((error as { type?: string }).type ?? "")) throw error;
    if (topics.length === 1) return [];
  }
  const known: string[] = [];
  for (const topic of topics) known.push(...(await withMetadata(cluster, [topic])));
  return known;
}

export const subscribedRoundRobin =
  (onAssigned: (counts: PartitionCounts) => void = () => {}, name: string = GROUP_PROTOCOLS[0]): PartitionAssigner =>
  ({ cluster }) => ({
    name,
    version: VERSION,
    async assign({ members, topics }) {
      await cluster.refreshMetadata();
      const subscribed = new Map(
        members.map((m) => [m.memberId, new Set(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics)]),
      );
      const wanted = [...new Set([...subscribed.values()].flatMap((s) => [...s]))].filter((t) => !topics.includes(t));
      const others = await withMetadata(cluster, wanted);
      const circle = [...subscribed.keys()].sort();
      const assignment: Record<string, Record<string, number[]>> = {};
      let next = 0;
      const counts = new Map<string, number>();
      for (const topic of [...topics, ...others.sort()]) {
        const partitions = cluster.findTopicPartitionMetadata(topic);
        counts.set(topic, partitions.length);
        for (const { partitionId } of partitions) {
          // The next member round the circle that subscribed to the topic.
          for (let k = 0; k < circle.length; k++) {
            const memberId = circle[(next + k) % circle.length]!;
            if (!subscribed.get(memberId)!.has(topic)) continue;
            const owned = assignment[memberId] ?? (Object.create(null) as Record<string, number[]>);
            owned[topic] ??= [];
            owned[topic].push(partitionId); // not copied per partition: a topic may have thousands
            assignment[memberId] = owned;
            next = (next + k + 1) % circle.length;
            break;
          }
        }
      }
      onAssigned(counts);
      return Object.keys(assignment).map((memberId) => ({
        memberId,
        memberAssignment: memberAssignment({ version: VERSION, assignment: assignment[memberId]! }),
      }));
    },
    protocol({ topics }) {
      return { name, metadata: metadata({ version: VERSION, topics }) };
    },
  });
