/**
 * Java's consumer.position() for the kafkajs consumer, which keeps its fetch positions to itself:
 * where the partitions of an assignment start, asked as kafkajs' own offset manager asks when it
 * starts them (OffsetFetch from the group's coordinator; for a partition without a committed offset,
 * ListOffsets from the leaders for the end `auto.offset.reset` names, at the consumer's isolation
 * level), over one cluster connection kept from the first look-up until the consumer closes (a
 * look-up after that rejects: it would open one nothing closes; its metadata is refreshed when a
 * partition to look up is not in it, as after partitions were added to a topic). Asked
 * by the sink task as it is assigned partitions (Connect records their positions then).
 */
import type { Consumer, Kafka } from "kafkajs";
import { partitionMapKey as key, type TopicPartition, type TopicPartitionOffset } from "../../api/record.ts";
import { ConnectError, RetriableError } from "../../errors.ts";
import type { ConsumerSettings } from "../client-config.ts";
import { wrap } from "./errors.ts";
import { type ClusterLike, createCluster, groupByTopic } from "./protocol.ts";

type OffsetsAnswer = { topic: string; partitions: { partition: number; offset: string }[] }[];

/** Where a partition starts; `committed`: the group's committed offset (else the end auto.offset.reset names). */
type Start = { readonly offset: number; readonly committed: boolean };

/** The start of each partition of `partitions` (one missing when the broker named none). */
async function startOffsets(
  cluster: ClusterLike,
  groupId: string,
  settings: ConsumerSettings,
  partitions: readonly TopicPartition[],
): Promise<Map<string, Start>> {
  const found = new Map<string, Start>();
  const add = (answer: OffsetsAnswer, committed: boolean) => {
    for (const { topic, partitions: ps } of answer)
      for (const { partition, offset } of ps)
        if (Number(offset) >= 0) found.set(key({ topic, partition }), { offset: Number(offset), committed });
  };
  const topics = (list: readonly TopicPartition[]) =>
    [...groupByTopic(list)].map(([topic, tps]) => ({
      topic,
      partitions: tps.map(({ partition }) => ({ partition })),
    }));
  const coordinator = await cluster.findGroupCoordinator({ groupId });
  add(
    ((await coordinator.offsetFetch({ groupId, topics: topics(partitions) })) as { responses: OffsetsAnswer })
      .responses,
    true,
  );
  const unresolved = partitions.filter((tp) => !found.has(key(tp)));
  if (unresolved.length > 0) {
    await cluster.addMultipleTargetTopics([...groupByTopic(unresolved).keys()]);
    // kafkajs refreshes a cluster's metadata when a target topic is new, not when a known topic
    // grows; this cluster lives as long as the consumer, and fetchTopicsOffset silently leaves out a
    // partition its metadata lacks (explore13 F3: partitions added to a consumed topic). One refresh
    // per look-up; a partition still unknown after it is asked again at the caller's next look-up.
    // One without a leader (its broker down) is left out too, where kafkajs would fail the whole
    // look-up: the others are answered, as Java's consumer resolves each partition's position on its
    // own, and it is asked again, with fresh metadata, at the next look-up.
    const led = (tp: TopicPartition) =>
      cluster.findTopicPartitionMetadata(tp.topic).some((p) => p.partitionId === tp.partition && p.leader >= 0);
    if (!unresolved.every(led)) await cluster.refreshMetadata();
    const fromBeginning = settings.fromBeginning;
    const lookedUp = unresolved.filter(led);
    if (lookedUp.length > 0)
      add(await cluster.fetchTopicsOffset(topics(lookedUp).map((t) => ({ ...t, fromBeginning }))), false);
  }
  return found;
}

/**
 * The positions of one consumer's assignments, looked up once per assignment. kafkajs starts a
 * partition on its own look-up, made when it first fetches it. One it placed is answered where it did:
 * where the first batch handed over started, or where an out-of-range reset put it. One with a committed
 * offset is answered there and not sought: kafkajs starts it there too (a new offset manager at every
 * sync looks it up from the group, where nothing else commits in the generation but this member, after a
 * batch it placed), and a seek would undo a reset out of range under way, not logged yet (flake190: sought
 * back past the log end, its next fetch was reset again to the end as it was then, skipping the records
 * produced since the first reset to latest). One without is sought to the end answered (the end kafkajs
 * looks up at its first fetch may be later; what it fetched from before the seek is dropped as stale).
 */
export class StartPositions {
  private asked: { assignment: number; offsets: Promise<Map<string, Start>> } | undefined;
  /** Where kafkajs placed each partition first under the assignment numbered `firstOf` (see `placed`). */
  private readonly first = new Map<string, number>();
  private firstOf = -1;
  private cluster: Promise<ClusterLike> | undefined;
  /** Set by `close`: a look-up after it would open a connection nothing closes. */
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly settings: ConsumerSettings,
    private readonly consumer: Consumer,
  ) {}

  /** The cluster connection of the look-ups, opened at the first and kept until `close`. */
  private connected(): Promise<ClusterLike> {
    if (!this.cluster) {
      // kafkajs' isolation levels: 0 read_uncommitted, 1 read_committed. Its clusters ask the brokers to
      // create a topic they lack unless told not to: a deleted topic came back through a look-up.
      const cluster = createCluster(this.kafka, {
        isolationLevel: this.settings.readUncommitted ? 0 : 1,
        allowAutoTopicCreation: this.settings.allowAutoTopicCreation,
      });
      const connecting = cluster.connect().then(() => cluster);
      this.cluster = connecting;
      connecting.catch(() => {
        if (this.cluster === connecting) this.cluster = undefined;
      });
    }
    return this.cluster;
  }

  private forget(offsets: Promise<Map<string, Start>>): void {
    if (this.asked?.offsets === offsets) this.asked = undefined;
  }

  /** The consumer closed: the look-ups' connection too. */
  async close(): Promise<void> {
    this.closed = true;
    const cluster = this.cluster;
    this.cluster = undefined;
    this.asked = undefined;
    await cluster?.then((c) => c.disconnect()).catch(() => undefined);
  }

  /**
   * kafkajs placed a partition at `from` under the assignment numbered `assignment`: a batch starting there goes to
   * the handler, or a fetch out of range reset its position there (auto.offset.reset). The first one counts.
   */
  placed(from: TopicPartitionOffset, assignment: number): void {
    if (this.firstOf !== assignment) this.first.clear();
    this.firstOf = assignment;
    if (!this.first.has(key(from))) this.first.set(key(from), from.offset);
  }

  /**
   * The position of `tp`, one of `assigned`: the partitions of the assignment numbered `assignment`.
   * `current` numbers the consumer's assignment at the answer: one given up meanwhile (a join since)
   * is not sought (a retriable error). kafkajs keeps a seek until it next fetches the partition, even
   * in a later generation: that one would start the partition again at this answer, before what its
   * owners delivered and committed since (Java's consumer drops an unassigned partition's position).
   */
  async of(
    tp: TopicPartition,
    assigned: readonly TopicPartition[],
    assignment: number,
    current: () => number,
  ): Promise<number> {
    if (this.closed)
      throw new ConnectError(`Cannot look up the position of ${tp.topic}-${tp.partition}: the consumer was closed`);
    if (!assigned.some((a) => key(a) === key(tp)))
      throw new ConnectError(`No current assignment for partition ${tp.topic}-${tp.partition}`);
    if (this.asked?.assignment !== assignment) {
      const offsets = this.connected().then((c) => startOffsets(c, this.groupId, this.settings, assigned));
      this.asked = { assignment, offsets };
      // A failed look-up is made again at the next call.
      offsets.catch(() => this.forget(offsets));
    }
    const asked = this.asked.offsets;
    const offsets = await asked.catch((error) => {
      throw wrap(error, `Failed to look up the position of ${tp.topic}-${tp.partition}`);
    });
    // Retriable: a caller still owning the partition under the next assignment asks again.
    if (current() !== assignment)
      throw new RetriableError(
        `The assignment of ${tp.topic}-${tp.partition} changed while its position was looked up`,
      );
    const start = offsets.get(key(tp));
    const first = this.firstOf === assignment ? this.first.get(key(tp)) : undefined;
    if (first !== undefined) return first;
    if (start === undefined) {
      // Asked again at the next call, as Java's position() asks until default.api.timeout.ms.
      this.forget(asked);
      throw new RetriableError(`The position of ${tp.topic}-${tp.partition} is not known yet`);
    }
    if (start.committed) return start.offset;
    try {
      this.consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(start.offset) });
    } catch (error) {
      // kafkajs refuses a seek between its stop and its next run: the subscription watch restarts it
      // (subscription-watch.ts) while a join kafkajs began before is answered (explore13 F1). That
      // run's join gives the partition up; until then it is asked again, as a rebalance under way.
      if (!/consumer#run must be called first/.test(String((error as Error)?.message))) throw error;
      this.forget(asked);
      throw new RetriableError(
        `The position of ${tp.topic}-${tp.partition} is not known yet: the consumer is rejoining its group`,
        { cause: error },
      );
    }
    return start.offset;
  }
}
