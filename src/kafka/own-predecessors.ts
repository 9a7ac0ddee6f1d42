/**
 * Which group members a consumer about to join removes (ConsumerOptions' `predecessors`): those
 * this gateway's earlier consumers of the same task were given and that are still there with its
 * client id, its own incarnations killed without leaving. A live member of another gateway with the
 * same client id (a sink connector of the same name) was never given to this one, so it stays.
 * Used by both adapters' fencing before a join (kafkajs/join-preparation.ts, platformatic/group-entry.ts),
 * and by the worker's sweep of the ids no current task fences (runtime/orphan-members.ts).
 */
import type { DescribedMember, KafkaAdmin, PredecessorMembers } from "./kafka-port.ts";

export type { DescribedMember };

/** The group calls fencing makes, on the adapter's admin client. */
export interface FencedGroup {
  members(): Promise<readonly DescribedMember[]>;
  remove(memberIds: readonly string[]): Promise<void>;
}

/** `groupId` through an admin client of the port (the worker's orphan sweep, orphan-members.ts). */
export function adminGroup(admin: KafkaAdmin, groupId: string): FencedGroup {
  return {
    members: () => admin.groupMembers(groupId),
    remove: (memberIds) => admin.removeGroupMembers(groupId, memberIds),
  };
}

/**
 * Removes the remembered members still in the group with `clientId`, then forgets every id
 * remembered: those not removed are gone already. Asks the group nothing when none is remembered.
 */
export async function fenceOwnPredecessors(
  predecessors: PredecessorMembers,
  clientId: string,
  group: FencedGroup,
): Promise<void> {
  const remembered = predecessors.remembered();
  if (remembered.length === 0) return;
  const own = new Set(remembered);
  const zombies = (await group.members())
    .filter((m) => m.clientId === clientId && own.has(m.memberId))
    .map((m) => m.memberId);
  if (zombies.length > 0) await group.remove(zombies);
  predecessors.gone(remembered);
}
