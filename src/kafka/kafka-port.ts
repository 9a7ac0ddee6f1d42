/**
 * KafkaPort: the narrow interface the runtime uses to talk to Kafka. Only `app.ts` picks the
 * adapter (`platformatic/` or `kafkajs/` by the worker key `kafka.client`, `memory-kafka.ts` in unit
 * tests), so the client library can be swapped if measurements say so.
 *
 * Clients are configured with Kafka's own client properties (`bootstrap.servers`,
 * `security.protocol`, `sasl.jaas.config`, `ssl.truststore.location`, …) as Connect passes them;
 * the adapter maps them to its library.
 */
import type { TopicPartition, TopicPartitionOffset } from "../api/record.ts";

export type ClientProperties = Readonly<Record<string, string>>;

export interface KafkaHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

export interface ProducerRecord {
  readonly topic: string;
  readonly partition: number | null;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly KafkaHeader[];
  readonly timestamp: number | null;
}

export interface ProducedMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | null;
}

export interface KafkaProducer {
  /**
   * Sends the records; resolves once Kafka acknowledged every one (per the `acks` setting), with
   * their metadata in call order. Several sends may be in flight at once (a pipelining caller does
   * not await one before the next).
   *
   * Guarantees: the records of one partition are written in call order, across sends and across
   * the producer's own retries (with acks=all and idempotence: each exactly once). A send that
   * fails for good rejects only after none of its records can still be written by this producer,
   * and it fails the producer: every send made after it and not yet acknowledged that has records
   * for the same partitions rejects too (a record that cannot be written is never overtaken by a
   * later one), and every later call rejects at once. To go on, close it and create a new producer (a new
   * idempotent producer id), then send the failed records again.
   */
  send(records: readonly ProducerRecord[]): Promise<ProducedMetadata[]>;
  /**
   * Sends this producer writes concurrently, at most (its max.in.flight.requests.per.connection,
   * or 1 when it writes sends one after the other); more concurrent sends only queue. Absent: 1.
   */
  readonly maxInFlight?: number;
  /** Waits for the sends in flight (bounded by request.timeout.ms), then closes. */
  close(): Promise<void>;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: "CreateTime" | "LogAppendTime";
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly KafkaHeader[];
}

export interface ConsumerHandlers {
  /**
   * One partition's records, in offset order. The next batch of the same partition waits until
   * this one settles; batches of different partitions may be handed over concurrently (bounded).
   */
  onRecords(records: readonly ConsumedRecord[], heartbeat: () => Promise<void>): Promise<void>;
  /**
   * Java's `ConsumerRebalanceListener.onPartitionsRevoked`: the member is about to rejoin the group
   * (a rebalance started, or its subscription changed) and gives up every partition it owns (the
   * eager protocol, as Connect's sink consumers use by default). The adapter awaits this before it
   * sends JoinGroup, while the member's generation is still valid: offsets committed here are where
   * the next owner starts. From the call on, no new batch of these partitions goes to `onRecords`
   * (one already handed over may still settle).
   */
  onPartitionsRevoked(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * Java's `onPartitionsAssigned`: the partitions this member got in a completed join. None of them
   * is fetched before this settles (the handler may seek or pause them first).
   */
  onPartitionsAssigned(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * KIP-429's `onPartitionsLost`: the member lost its membership (session expired, fenced, its
   * generation gone) and with it these partitions, which another member may own already: they are
   * not to be committed. An adapter may rejoin without awaiting it.
   */
  onPartitionsLost(partitions: readonly TopicPartition[]): Promise<void>;
  /** The consumer stopped on an error it could not recover from. */
  onCrash(error: Error): void;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[] | RegExp;
  readonly properties: ClientProperties;
}

export interface KafkaConsumer {
  /** Joins the group and starts delivering records to `handlers`. */
  start(handlers: ConsumerHandlers): Promise<void>;
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  seek(offset: TopicPartitionOffset): void;
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  assignment(): TopicPartition[];
  close(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  /** -1: the broker's default. */
  readonly partitions: number;
  /** -1: the broker's default. */
  readonly replicationFactor: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  readonly topic: string;
  readonly partitions: number;
}

export interface KafkaAdmin {
  clusterId(): Promise<string>;
  /** Creates the topic; false when it existed already. */
  createTopic(spec: TopicSpec): Promise<boolean>;
  describeTopics(topics: readonly string[]): Promise<TopicDescription[]>;
  listTopics(): Promise<string[]>;
  /** Committed offsets of a consumer group (empty when the group has none). */
  groupOffsets(groupId: string): Promise<TopicPartitionOffset[]>;
  /** Commits offsets for a group that has no active members (OffsetCommit, generation -1). */
  alterGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Deletes committed offsets of an inactive group (OffsetDelete). */
  deleteGroupOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaPort {
  admin(properties: ClientProperties): Promise<KafkaAdmin>;
  producer(properties: ClientProperties): Promise<KafkaProducer>;
  consumer(options: ConsumerOptions): Promise<KafkaConsumer>;
}
