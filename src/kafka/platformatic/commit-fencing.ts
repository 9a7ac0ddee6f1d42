/**
 * A static member's offset commit answered FENCED_INSTANCE_ID: fatal or not, as Java's
 * ConsumerCoordinator decides it (OffsetCommitResponseHandler); consumer.ts commits through it.
 *
 * The commit keeps the generation and member id it was made under for every retry
 * (scripts/patch-dependencies.mjs), and the patched library hands a FENCED_INSTANCE_ID answer back as it
 * is, without its rejoin. About the member's current generation and member id the answer is fatal
 * (FencedInstanceIdException: another process took the `group.instance.id` over). About older ones it
 * answers a retry sent after the member rejoined under a new member id (its session expired while the
 * commit timed out): the instance id is the member's own, the commit fails retriably, as Java's
 * (RebalanceInProgressException while the member rejoins, else CommitFailedException). That is why
 * fenced-instance.ts does not watch OffsetCommit answers.
 */
import { type Consumer, findErrorBy } from "@platformatic/kafka";
import type { TopicPartitionOffset } from "../../api/record.ts";
import { ConnectError, RetriableError } from "../../errors.ts";
import { wrap } from "./errors.ts";
import { FENCED_INSTANCE_ID } from "./fenced-instance.ts";
import { commitEntries } from "./partition-state.ts";

/** Java's CommitFailedException (its default message) for a commit of a member the group no longer knows. */
export const COMMIT_FAILED =
  "Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member. This means that the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms, which typically implies that the poll loop is spending too much time message processing. You can address this either by increasing max.poll.interval.ms or by reducing the maximum size of batches returned in poll() with max.poll.records.";

/** Java's RebalanceInProgressException for a commit of a generation left, answered FENCED_INSTANCE_ID, during a rejoin. */
export const OLD_GENERATION_FENCED =
  "Offset commit cannot be completed since the consumer member's old generation is fenced by its group instance id, it is possible that this consumer has already participated another rebalance and got a new generation";

export interface CommitFencing {
  readonly groupId: string;
  /** The member rejoins its group now (Java's PREPARING_REBALANCE). */
  readonly rejoining: () => boolean;
  /** The member is fenced: the consumer fails for good. */
  readonly fenced: () => void;
}

/**
 * Commits `offsets` under the member's generation and member id now. Rejects with the failure wrapped
 * (errors.ts); answered FENCED_INSTANCE_ID about them, it calls `fenced` and rejects with a
 * non-retriable error.
 */
export async function commitOffsets(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  offsets: readonly TopicPartitionOffset[],
  on: CommitFencing,
): Promise<void> {
  const generationId = consumer.generationId;
  const memberId = consumer.memberId;
  const what = `Failed to commit offsets of consumer group ${on.groupId}`;
  try {
    await consumer.commit({ offsets: commitEntries(offsets) });
  } catch (error) {
    if (!(error instanceof Error) || !findErrorBy(error, "apiId", "FENCED_INSTANCE_ID")) throw wrap(error, what);
    if (generationId === consumer.generationId && memberId === consumer.memberId) {
      on.fenced();
      throw new ConnectError(`${what}: ${FENCED_INSTANCE_ID}`, { cause: error });
    }
    throw new RetriableError(`${what}: ${on.rejoining() ? OLD_GENERATION_FENCED : COMMIT_FAILED}`, { cause: error });
  }
}
