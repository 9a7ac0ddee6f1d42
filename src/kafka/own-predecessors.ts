/**
 * Which group members a consumer about to join removes (ConsumerOptions' `predecessors`): those
 * this gateway's earlier consumers of the same task were given and that are still there with its
 * client id, its own incarnations killed without leaving. A live member of another gateway with the
 * same client id (a sink connector of the same name) was never given to this one, so it stays.
 * Used by both adapters' fencing before a join (kafkajs/join-preparation.ts, platformatic/group-entry.ts),
 * and by the worker's sweep of the ids no current task fences (runtime/orphan-members.ts).
 */
import type { DescribedMember, KafkaAdmin, PredecessorMembers } from "./kafka-port.ts";

/** The group calls fencing makes, on the adapter's admin client. */
export interface FencedGroup {
  members(): Promise<readonly DescribedMember[]>;
  remove(memberIds: readonly string[]): Promise<void>;
}

/**
 * Removes each member with `leave`, one LeaveGroup each: one the coordinator answers UNKNOWN_MEMBER_ID
 * for (`unknownMember`) is gone already (it left, its session expired, another fencing removed it), as
 * removed as the caller wants it; any other failure throws.
 */
export async function removeEach(
  memberIds: readonly string[],
  leave: (memberId: string) => Promise<void>,
  unknownMember: (error: unknown) => boolean,
): Promise<void> {
  for (const memberId of memberIds) {
    try {
      await leave(memberId);
    } catch (error) {
      if (!unknownMember(error)) throw error;
    }
  }
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
 * Returns the ids it removed.
 */
export async function fenceOwnPredecessors(
  predecessors: PredecessorMembers,
  clientId: string,
  group: FencedGroup,
): Promise<readonly string[]> {
  const remembered = predecessors.remembered();
  if (remembered.length === 0) return [];
  const own = new Set(remembered);
  const zombies = (await group.members())
    .filter((m) => m.clientId === clientId && own.has(m.memberId))
    .map((m) => m.memberId);
  if (zombies.length > 0) await group.remove(zombies);
  predecessors.gone(remembered);
  return zombies;
}
