/**
 * The admin side of the kafkajs adapter: cluster id, topics, consumer-group members (described, and
 * removed as join-preparation.ts fences them) and consumer-group offsets, including
 * OffsetCommit with generation -1 for an inactive group (what Java's alterConsumerGroupOffsets
 * sends; kafkajs' setOffsets joins the group with a throwaway consumer) and OffsetDelete.
 * A created topic is waited for here until every partition has a leader: kafkajs' own
 * `waitForLeaders` gives up at once when the broker answers UNKNOWN_TOPIC_OR_PARTITION, as it does
 * until its metadata cache has what its controller just created (longer on a loaded machine), and
 * then throws for a topic it created (a caller's retry would see it as existing already).
 */
import { type Admin, ConfigResourceTypes, type Kafka } from "kafkajs";
import type { TopicPartition } from "../../api/record.ts";
import { RetriableError } from "../../errors.ts";
import { retry } from "../../util/backoff.ts";
import { exactOffset, type GroupOffset } from "../group-offset.ts";
import type { DescribedMember, KafkaAdmin, TopicDescription, TopicSpec } from "../kafka-port.ts";
import type { ClosableSockets } from "./closable-sockets.ts";
import { wrap } from "./errors.ts";
import { kafkajsGroup } from "./join-preparation.ts";
import { type BrokerLike, type ClusterLike, createCluster, groupByTopic, offsetDeleteRequest } from "./protocol.ts";

export class KafkajsAdmin implements KafkaAdmin {
  private cluster: ClusterLike | undefined;
  /** A cluster whose metadata requests let the brokers create topics (kafkajs' admin never does). */
  private autoCreating: Promise<ClusterLike> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    /** Its client's connections: destroyed once closed (a frozen broker never completes kafkajs' half-close). */
    private readonly sockets?: ClosableSockets,
  ) {}

  /** kafkajs' cluster layer (a private factory on the Kafka object) for coordinator requests. */
  private async groupCoordinator(groupId: string): Promise<BrokerLike> {
    if (!this.cluster) {
      this.cluster = createCluster(this.kafka);
      await this.cluster.connect();
    }
    return this.cluster.findGroupCoordinator({ groupId });
  }

  async clusterId(): Promise<string> {
    try {
      return (await this.admin.describeCluster()).clusterId;
    } catch (error) {
      throw wrap(error, "Failed to describe the Kafka cluster");
    }
  }

  /** The broker's num.partitions and default.replication.factor (CreateTopics v3 cannot say "-1"). */
  private async brokerDefaults(): Promise<{ partitions: number; replicationFactor: number }> {
    const cluster = await this.admin.describeCluster();
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.BROKER,
          name: String(cluster.controller ?? cluster.brokers[0]?.nodeId ?? 1),
          configNames: ["num.partitions", "default.replication.factor"],
        },
      ],
    });
    const value = (name: string) =>
      Number(resources[0]?.configEntries.find((e) => e.configName === name)?.configValue ?? 1);
    return { partitions: value("num.partitions"), replicationFactor: value("default.replication.factor") };
  }

  async createTopic(spec: TopicSpec): Promise<boolean> {
    try {
      const defaults = spec.partitions < 0 || spec.replicationFactor < 0 ? await this.brokerDefaults() : undefined;
      const created = await this.admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic: spec.topic,
            numPartitions: spec.partitions < 0 ? defaults!.partitions : spec.partitions,
            replicationFactor: spec.replicationFactor < 0 ? defaults!.replicationFactor : spec.replicationFactor,
            configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      if (created) await this.awaitLeaders(spec.topic);
      return created;
    } catch (error) {
      throw wrap(error, `Failed to create topic ${spec.topic}`);
    }
  }

  /**
   * Until every partition of `topic` has a leader that serves it, whatever the broker answers
   * meanwhile (at most ~30 s). Metadata names a leader before that broker has made the partition's
   * log: until then it refuses a Produce with NOT_LEADER_OR_FOLLOWER (most first sends to a new
   * topic were refused so), and kafkajs retries the whole request, writing the partitions that took
   * it twice unless the producer is idempotent. ListOffsets, answered by the leader only, succeeds
   * once every partition is served.
   */
  private async awaitLeaders(topic: string): Promise<void> {
    const notReady = new RetriableError(`Topic ${topic} has no leaders yet`);
    await retry(
      async () => {
        let ready = false;
        try {
          const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
          const partitions = md.topics.find((t) => t.name === topic)?.partitions ?? [];
          ready = partitions.length > 0 && partitions.every((p) => p.leader >= 0);
          if (ready) await this.admin.fetchTopicOffsets(topic);
        } catch {
          ready = false;
        }
        if (!ready) throw notReady;
      },
      {
        policy: { initialMs: 50, maxMs: 200, jitter: 0 },
        maxAttempts: Number.POSITIVE_INFINITY,
        timeoutMs: 30_000,
        classify: (error) => ({ retriable: error === notReady }),
      },
    );
  }

  async describeTopics(
    topics: readonly string[],
    options?: { allowAutoTopicCreation?: boolean },
  ): Promise<TopicDescription[]> {
    try {
      if (options?.allowAutoTopicCreation === true) {
        this.autoCreating ??= this.connectAutoCreating();
        const md = await (await this.autoCreating).metadata({ topics: [...topics] });
        return md.topicMetadata.map((t) => ({ topic: t.topic, partitions: t.partitionMetadata.length }));
      }
      const md = await this.admin.fetchTopicMetadata({ topics: [...topics] });
      return md.topics.map((t) => ({ topic: t.name, partitions: t.partitions.length }));
    } catch (error) {
      // A topic the broker does not know fails the whole request: it has 0 partitions, the others are asked alone.
      if ((error as { type?: unknown })?.type === "UNKNOWN_TOPIC_OR_PARTITION")
        return topics.length === 1
          ? [{ topic: topics[0]!, partitions: 0 }]
          : (await Promise.all(topics.map((t) => this.describeTopics([t], options)))).flat();
      throw wrap(error, "Failed to describe topics");
    }
  }

  private async connectAutoCreating(): Promise<ClusterLike> {
    const cluster = createCluster(this.kafka, { allowAutoTopicCreation: true });
    try {
      await cluster.connect();
      return cluster;
    } catch (error) {
      this.autoCreating = undefined; // the next call connects again
      throw error;
    }
  }

  async listTopics(): Promise<string[]> {
    try {
      return await this.admin.listTopics();
    } catch (error) {
      throw wrap(error, "Failed to list topics");
    }
  }

  async groupOffsets(groupId: string): Promise<GroupOffset[]> {
    try {
      const result = await this.admin.fetchOffsets({ groupId });
      return result.flatMap((t) =>
        t.partitions
          .filter((p) => Number(p.offset) >= 0)
          .map((p) => ({ topic: t.topic, partition: p.partition, offset: exactOffset(BigInt(p.offset)) })),
      );
    } catch (error) {
      throw wrap(error, `Failed to fetch the committed offsets of consumer group ${groupId}`);
    }
  }

  async alterGroupOffsets(groupId: string, offsets: readonly GroupOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      const coordinator = await this.groupCoordinator(groupId);
      await coordinator.offsetCommit({
        groupId,
        groupGenerationId: -1,
        memberId: "",
        topics: [...groupByTopic(offsets)].map(([topic, ps]) => ({
          topic,
          partitions: ps.map((p) => ({ partition: p.partition, offset: String(p.offset) })),
        })),
      });
    } catch (error) {
      throw wrap(error, `Failed to alter the offsets of consumer group ${groupId}`);
    }
  }

  async deleteGroupOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    try {
      const coordinator = await this.groupCoordinator(groupId);
      await coordinator.connectionPool.send(offsetDeleteRequest(groupId, partitions));
    } catch (error) {
      throw wrap(error, `Failed to delete the offsets of consumer group ${groupId}`);
    }
  }

  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (error) {
      // kafkajs' KafkaJSDeleteGroupsError holds the broker's answer per group, not as its cause.
      const refused = (error as { groups?: { error?: unknown }[] }).groups?.[0]?.error;
      throw wrap(refused ?? error, `Failed to delete consumer group ${groupId}`);
    }
  }

  async groupMembers(groupId: string): Promise<DescribedMember[]> {
    try {
      return (await kafkajsGroup(this.kafka, groupId).members()).map(({ memberId, clientId }) => ({
        memberId,
        clientId,
      }));
    } catch (error) {
      throw wrap(error, `Failed to describe consumer group ${groupId}`);
    }
  }

  async removeGroupMembers(groupId: string, memberIds: readonly string[]): Promise<void> {
    if (memberIds.length === 0) return;
    try {
      await kafkajsGroup(this.kafka, groupId).remove(memberIds);
    } catch (error) {
      throw wrap(error, `Failed to remove members from consumer group ${groupId}`);
    }
  }

  async close(): Promise<void> {
    await this.cluster?.disconnect();
    await (await this.autoCreating?.catch(() => undefined))?.disconnect();
    await this.admin.disconnect();
    this.sockets?.close();
  }
}
