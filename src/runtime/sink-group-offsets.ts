/**
 * The admin calls that change a STOPPED sink connector's offsets in its consumer group, with
 * Connect's answers when the broker refuses them (Worker.modifySinkConnectorOffsets,
 * alterSinkConnectorOffsets and resetSinkConnectorOffsets): an alter commits and deletes the given
 * partitions' offsets; a reset deletes the whole group. A group that still has members (a task of another worker that has not
 * stopped yet, a consumer outside Connect using the group) refuses both: the answer says so and that
 * the request may be retried. Every failure is logged at ERROR with the broker's reason, which the
 * REST answer (500) leaves out as Connect's does. Called by connector-offsets.ts.
 */
import type { TopicPartition } from "../api/record.ts";
import { ConnectError } from "../errors.ts";
import type { GroupOffset } from "../kafka/group-offset.ts";
import type { CallBound, KafkaAdmin } from "../kafka/kafka-port.ts";
import { kafkaErrorOf } from "../kafka/send-rejection.ts";
import type { Logger } from "../util/logger.ts";

/** The broker's answers to an alter while the group has members: OffsetCommit's, then OffsetDelete's. */
const ALTER_REFUSED_BY_MEMBERS = new Set(["UNKNOWN_MEMBER_ID", "GROUP_SUBSCRIBED_TO_TOPIC"]);

function zombieTasksMessage(name: string, verb: "alter" | "reset"): string {
  return `Failed to ${verb} consumer group offsets for connector ${name} either because its tasks haven't stopped completely yet or the connector was resumed before the request to ${verb} its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks.`;
}

function failure(log: Logger, message: string, cause: unknown): ConnectError {
  log.error(message, cause);
  return new ConnectError(message, { cause });
}

/** The partitions the connector's group has offsets of, which a reset gives the connector's alterOffsets. */
export async function sinkGroupPartitions(
  name: string,
  groupId: string,
  admin: KafkaAdmin,
  log: Logger,
  bound: CallBound = {},
): Promise<TopicPartition[]> {
  try {
    return (await admin.groupOffsets(groupId, bound)).map(({ topic, partition }) => ({ topic, partition }));
  } catch (error) {
    throw failure(log, `Failed to list offsets prior to resetting offsets for sink connector ${name}`, error);
  }
}

/** Commits `toCommit` and deletes the offsets of `toDelete` in the connector's group. */
export async function alterSinkGroupOffsets(
  name: string,
  groupId: string,
  admin: KafkaAdmin,
  toCommit: readonly GroupOffset[],
  toDelete: readonly TopicPartition[],
  log: Logger,
  bound: CallBound = {},
): Promise<void> {
  try {
    await admin.alterGroupOffsets(groupId, toCommit, bound);
    await admin.deleteGroupOffsets(groupId, toDelete, bound);
  } catch (error) {
    const refusedByMembers = ALTER_REFUSED_BY_MEMBERS.has(kafkaErrorOf(error) ?? "");
    throw failure(
      log,
      refusedByMembers
        ? zombieTasksMessage(name, "alter")
        : `Failed to alter consumer group offsets for connector ${name}`,
      error,
    );
  }
}

/** Deletes the connector's group; one already gone is reset (a reset may be sent again). */
export async function resetSinkGroupOffsets(
  name: string,
  groupId: string,
  admin: KafkaAdmin,
  log: Logger,
  bound: CallBound = {},
): Promise<void> {
  try {
    await admin.deleteGroup(groupId, bound);
  } catch (error) {
    const kafkaError = kafkaErrorOf(error);
    if (kafkaError === "GROUP_ID_NOT_FOUND") return;
    throw failure(
      log,
      kafkaError === "NON_EMPTY_GROUP"
        ? zombieTasksMessage(name, "reset")
        : `Failed to reset consumer group offsets for sink connector ${name}`,
      error,
    );
  }
}
