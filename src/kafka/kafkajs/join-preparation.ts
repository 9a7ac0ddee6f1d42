/**
 * What the kafkajs consumer (KafkajsConsumer, consumer.ts) asks of the cluster before it joins its
 * group: that its topics exist with their partitions, and that no dead incarnation of itself is still a member
 * (waiting out a group coordinator not ready, as the join does).
 */
import type { Kafka } from "kafkajs";
import { RetriableError } from "../../errors.ts";
import { retry } from "../../util/backoff.ts";
import { type CoordinatorWait, waitForCoordinator } from "../coordinator-wait-policy.ts";
import type { ConsumerOptions } from "../kafka-port.ts";
import { type FencedGroup, fenceOwnPredecessors, removeEach } from "../own-predecessors.ts";
import { coordinatorNotReady } from "./coordinator-wait.ts";
import { protocolErrorType, topicNotReady } from "./errors.ts";
import { createCluster } from "./protocol.ts";

/**
 * Waits until every topic exists with its partitions, asking for auto-creation where allowed (as the
 * Java consumer's metadata request does). kafkajs assigns partitions from the metadata it holds at
 * join time and refreshes it only every few minutes, so joining before the topic is ready would leave
 * the member with nothing to consume. Not for their leaders: as Java's consumer, a member joins with a
 * partition whose broker is down, fetches the others, and that one once it has a leader.
 */
export async function awaitTopics(
  kafka: Kafka,
  topics: readonly string[],
  allowAutoTopicCreation: boolean,
): Promise<void> {
  if (!(await topicsReady(kafka, topics, allowAutoTopicCreation)))
    throw new RetriableError(`Topics ${topics.join(", ")} do not exist or have no partitions yet`);
}

/**
 * Whether every topic exists with its partitions within ~5 s (asked every 100 ms, 51
 * times in all), asking for auto-creation where allowed: false when one did not come (brokers that
 * do not create topics, `auto.create.topics.enable=false`, answer as brokers that do while they
 * create it: UNKNOWN_TOPIC_OR_PARTITION, so only waiting tells them apart).
 */
export async function topicsReady(
  kafka: Kafka,
  topics: readonly string[],
  allowAutoTopicCreation: boolean,
): Promise<boolean> {
  const cluster = createCluster(kafka, { allowAutoTopicCreation });
  await cluster.connect();
  try {
    const notReady = new RetriableError("not ready");
    return await retry(
      async () => {
        let ready: boolean;
        try {
          await cluster.addMultipleTargetTopics([...topics]);
          await cluster.refreshMetadata();
          ready = topics.every((t) => cluster.findTopicPartitionMetadata(t).length > 0);
        } catch (error) {
          if (!topicNotReady(error)) throw error;
          ready = false;
        }
        if (!ready) throw notReady;
      },
      {
        policy: { initialMs: 100, maxMs: 100, jitter: 0 },
        maxAttempts: 51,
        classify: (error) => ({ retriable: error === notReady }),
      },
    ).then(
      () => true,
      (error) => {
        if (error !== notReady) throw error;
        return false;
      },
    );
  } finally {
    await cluster.disconnect();
  }
}

/**
 * Removes this consumer's own dead predecessors from the group (`predecessors`, own-predecessors.ts):
 * earlier incarnations of the same task that died without leaving (kill -9). Otherwise the new member
 * waits for their session to expire (45 s) before it gets partitions. kafkajs cannot use static
 * membership (KIP-345), which would solve this in the protocol. Its DescribeGroups is the start's
 * first request to the group coordinator, so it waits out one not ready (COORDINATOR_LOAD_IN_PROGRESS
 * on a broker loading __consumer_offsets) as the join does (`wait`, coordinator-wait-policy.ts),
 * rather than failing the start into its backoff.
 */
export async function fenceZombies(kafka: Kafka, options: ConsumerOptions, wait: CoordinatorWait): Promise<void> {
  const clientId = options.properties["client.id"]?.trim();
  const { predecessors, groupId } = options;
  if (!predecessors || !clientId) return;
  await waitForCoordinator(
    () => fenceOwnPredecessors(predecessors, clientId, kafkajsGroup(kafka, groupId)),
    wait,
    coordinatorNotReady,
  );
}

/**
 * The group's members through a kafkajs admin client; removed through LeaveGroup requests to its
 * coordinator (also KafkajsAdmin's groupMembers and removeGroupMembers).
 */
export function kafkajsGroup(kafka: Kafka, groupId: string): FencedGroup {
  return {
    async members() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups([groupId]);
        return groups[0]?.members ?? [];
      } finally {
        await admin.disconnect();
      }
    },
    async remove(memberIds) {
      const cluster = createCluster(kafka);
      await cluster.connect();
      try {
        const coordinator = await cluster.findGroupCoordinator({ groupId });
        await removeEach(
          memberIds,
          async (memberId) => void (await coordinator.leaveGroup({ groupId, memberId })),
          (error) => protocolErrorType(error) === "UNKNOWN_MEMBER_ID",
        );
      } finally {
        await cluster.disconnect();
      }
    },
  };
}
