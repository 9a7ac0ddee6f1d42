/**
 * The KafkaPort adapter over kafkajs 2.2.4 — the only module that imports the client library.
 *
 * kafkajs negotiates min(its max, the broker's max) per API; its highest versions (Produce 7,
 * Fetch 11, OffsetCommit 5, …) are still accepted by Kafka 4.x after KIP-896, which the test
 * suite proves against a real 4.x broker. Two gaps are closed here, against kafkajs' own
 * protocol layer: OffsetCommit for an inactive group (generation -1, as Java's
 * `alterConsumerGroupOffsets`; kafkajs' `setOffsets` joins the group with a throwaway consumer)
 * and OffsetDelete (API 47, which kafkajs lacks), both sent to the group coordinator.
 *
 * Per-record offsets: kafkajs reports one base offset per partition, so a wrapping partitioner
 * notes which partition each record went to; offset = base + position within that partition.
 */
import { type Admin, type Consumer, Kafka, type KafkaConfig, logLevel, Partitioners, type Producer } from "kafkajs";
import RequestQueue from "kafkajs/src/network/requestQueue";
import Decoder from "kafkajs/src/protocol/decoder";
// kafkajs' protocol building blocks, used for the two group requests it does not expose.
import Encoder from "kafkajs/src/protocol/encoder";
import { createErrorFromCode, failure } from "kafkajs/src/protocol/error";
import type { TopicPartition, TopicPartitionOffset } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import { type LogManager, logManager } from "../util/logger.ts";
import { type ConnectionSettings, connectionSettings, consumerSettings, producerSettings } from "./client-config.ts";
import type {
  ClientProperties,
  ConsumedRecord,
  ConsumerHandlers,
  ConsumerOptions,
  KafkaAdmin,
  KafkaConsumer,
  KafkaHeader,
  KafkaPort,
  KafkaProducer,
  ProducedMetadata,
  ProducerRecord,
  TopicDescription,
  TopicSpec,
} from "./kafka-port.ts";

// kafkajs 2.2.4 re-arms its pending-request check with `throttledUntil - now` even when nothing is
// pending and nothing is throttled: a negative timeout, which Bun reports as TimeoutNegativeWarning
// on stderr. That check would find nothing to do, so skip scheduling it.
const scheduleCheck = RequestQueue.prototype.scheduleCheckPendingRequests;
RequestQueue.prototype.scheduleCheckPendingRequests = function (this: { pending: unknown[]; throttledUntil: number }) {
  if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
  scheduleCheck.call(this);
};

const PARTITION = Symbol("assigned partition");
const OFFSET_DELETE_API_KEY = 47;

type KafkajsMessage = {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | Buffer[]>;
  partition?: number;
  timestamp?: string;
  [PARTITION]?: number;
};

export class KafkajsPort implements KafkaPort {
  constructor(private readonly logs: LogManager = logManager) {}

  private kafka(props: ClientProperties): { kafka: Kafka; settings: ConnectionSettings } {
    const settings = connectionSettings(props);
    const log = this.logs.get("org.apache.kafka.clients");
    const config: KafkaConfig = {
      brokers: settings.brokers,
      clientId: settings.clientId,
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      retry: { initialRetryTime: settings.retryBackoffMs, retries: 8 },
      logLevel: logLevel.WARN,
      // kafkajs logs every retried protocol error as ERROR; the caller decides what is fatal.
      logCreator: () => (entry) => {
        const { message, ...rest } = entry.log;
        const text = `${entry.namespace ? `[${entry.namespace}] ` : ""}${message} ${JSON.stringify(rest)}`;
        // The source task retries sends itself, so kafkajs' own retry budget is bounded on purpose.
        const expected = message.startsWith("Limiting retries for the idempotent producer");
        if (entry.level <= logLevel.WARN && !expected) log.warn(text);
        else log.debug(text);
      },
    };
    if (settings.tls) {
      const t = settings.tls;
      config.ssl = {
        rejectUnauthorized: true,
        ...(t.ca ? { ca: t.ca } : {}),
        ...(t.cert && t.key ? { cert: t.cert, key: t.key } : {}),
        ...(t.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
        ...(t.minVersion ? { minVersion: t.minVersion } : {}),
        ...(t.ciphers ? { ciphers: t.ciphers } : {}),
      };
    }
    if (settings.sasl) config.sasl = settings.sasl as KafkaConfig["sasl"];
    return { kafka: new Kafka(config), settings };
  }

  async admin(properties: ClientProperties): Promise<KafkaAdmin> {
    const { kafka } = this.kafka(properties);
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      throw wrap(error, "Failed to connect the admin client");
    }
    return new KafkajsAdmin(kafka, admin);
  }

  async producer(properties: ClientProperties): Promise<KafkaProducer> {
    const { kafka } = this.kafka(properties);
    const settings = producerSettings(properties);
    const inner = Partitioners.DefaultPartitioner();
    const producer = kafka.producer({
      idempotent: settings.idempotent,
      maxInFlightRequests: settings.maxInFlight,
      allowAutoTopicCreation: true,
      // Java-compatible murmur2 partitioning; the chosen partition is kept on the message so
      // per-record offsets can be derived and retries reuse the same partition.
      createPartitioner: () => (args) => {
        const message = args.message as unknown as KafkajsMessage;
        message[PARTITION] ??= inner(args);
        return message[PARTITION];
      },
    });
    try {
      await producer.connect();
    } catch (error) {
      throw wrap(error, "Failed to connect the producer");
    }
    return new KafkajsProducer(
      producer,
      settings.acks,
      settings.compression === "gzip" ? 1 : 0,
      settings.requestTimeoutMs,
    );
  }

  async consumer(options: ConsumerOptions): Promise<KafkaConsumer> {
    const { kafka } = this.kafka(options.properties);
    return new KafkajsConsumer(kafka, options);
  }
}

function toBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toKafkajsHeaders(headers: readonly KafkaHeader[]): Record<string, Buffer | Buffer[]> | undefined {
  if (headers.length === 0) return undefined;
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const h of headers) {
    const value = toBuffer(h.value) ?? Buffer.alloc(0);
    const existing = out[h.key];
    out[h.key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

function fromKafkajsHeaders(headers: Record<string, unknown> | undefined): KafkaHeader[] {
  if (!headers) return [];
  const out: KafkaHeader[] = [];
  for (const [key, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) out.push({ key, value: v === undefined || v === null ? null : toBuffer(v as Uint8Array) });
  }
  return out;
}

/**
 * kafkajs errors that a retry may cure carry `retriable: true`. When kafkajs runs out of its own
 * retries it wraps the last error as non-retriable; what counts is that error, so an unreachable
 * broker stays retriable for the runtime (which keeps retrying) however long the outage lasts.
 */
function retriable(error: unknown): boolean {
  const e = error as { retriable?: boolean; name?: string; cause?: unknown } | undefined;
  if (e?.name === "KafkaJSNumberOfRetriesExceeded") return retriable(e.cause);
  return e?.retriable === true;
}

function wrap(error: unknown, what: string): Error {
  if (error instanceof ConnectError) return error;
  const message = `${what}: ${(error as { message?: string })?.message ?? String(error)}`;
  return retriable(error) ? new RetriableError(message, { cause: error }) : new ConnectError(message, { cause: error });
}

class KafkajsProducer implements KafkaProducer {
  constructor(
    private readonly producer: Producer,
    private readonly acks: number,
    private readonly compression: number,
    private readonly timeout: number,
  ) {}

  async send(records: readonly ProducerRecord[]): Promise<ProducedMetadata[]> {
    if (records.length === 0) return [];
    const byTopic = new Map<string, KafkajsMessage[]>();
    const messages: KafkajsMessage[] = records.map((r) => {
      const m: KafkajsMessage = { key: toBuffer(r.key), value: toBuffer(r.value) };
      const headers = toKafkajsHeaders(r.headers);
      if (headers) m.headers = headers;
      if (r.partition !== null) m.partition = r.partition;
      if (r.timestamp !== null) m.timestamp = String(r.timestamp);
      const list = byTopic.get(r.topic) ?? [];
      list.push(m);
      byTopic.set(r.topic, list);
      return m;
    });
    let results: Awaited<ReturnType<Producer["sendBatch"]>>;
    try {
      results = await this.producer.sendBatch({
        acks: this.acks,
        compression: this.compression,
        timeout: this.timeout,
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs as never })),
      });
    } catch (error) {
      throw wrap(error, "Failed to send records to Kafka");
    }
    const base = new Map<string, { offset: number; appendTime: number | null }>();
    for (const r of results) {
      const appendTime = r.logAppendTime && r.logAppendTime !== "-1" ? Number(r.logAppendTime) : null;
      base.set(`${r.topicName}\u0000${r.partition}`, { offset: Number(r.baseOffset ?? -1), appendTime });
    }
    const position = new Map<string, number>();
    return records.map((r, i) => {
      const partition = messages[i]![PARTITION] ?? r.partition ?? -1;
      const k = `${r.topic}\u0000${partition}`;
      const index = position.get(k) ?? 0;
      position.set(k, index + 1);
      const b = base.get(k);
      const offset = b && b.offset >= 0 ? b.offset + index : -1;
      return { topic: r.topic, partition, offset, timestamp: b?.appendTime ?? r.timestamp };
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

type ClusterLike = {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(args: { groupId: string }): Promise<BrokerLike>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { leader: number }[];
};

/** kafkajs' cluster layer, through the private factory on the Kafka object (pinned kafkajs 2.2.4). */
function createCluster(kafka: Kafka, options: { allowAutoTopicCreation?: boolean } = {}): ClusterLike {
  const factory = Object.getOwnPropertySymbols(kafka).find((sym) => sym.description === "private:Kafka:createCluster");
  if (!factory) throw new ConnectError("kafkajs internals changed: cluster factory not found");
  return (kafka as unknown as Record<symbol, (o: object) => ClusterLike>)[factory]!(options);
}
type BrokerLike = {
  offsetCommit(args: unknown): Promise<unknown>;
  leaveGroup(args: { groupId: string; memberId: string }): Promise<unknown>;
  connectionPool: { send(args: { request: unknown; response: unknown }): Promise<unknown> };
};

function groupByTopic<T extends TopicPartition>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.topic, [...(out.get(item.topic) ?? []), item]);
  return out;
}

/** OffsetDelete v0 (KIP-496): group_id [topics: name [partitions: partition_index]]. */
function offsetDeleteRequest(groupId: string, partitions: readonly TopicPartition[]) {
  const topics = [...groupByTopic(partitions)];
  return {
    request: {
      apiKey: OFFSET_DELETE_API_KEY,
      apiVersion: 0,
      apiName: "OffsetDelete",
      encode: async () =>
        new Encoder()
          .writeString(groupId)
          .writeArray(
            topics.map(([topic, tps]) =>
              new Encoder().writeString(topic).writeArray(tps.map((tp) => new Encoder().writeInt32(tp.partition))),
            ),
          ),
    },
    response: {
      decode: async (raw: Buffer) => {
        const d = new Decoder(raw);
        const errorCode = d.readInt16();
        const throttleTime = d.readInt32();
        const topicResults = d.readArray((t: typeof d) => ({
          topic: t.readString(),
          partitions: t.readArray((p: typeof d) => ({ partition: p.readInt32(), errorCode: p.readInt16() })),
        }));
        return { errorCode, throttleTime, topicResults };
      },
      parse: async (data: { errorCode: number; topicResults: { partitions: { errorCode: number }[] }[] }) => {
        if (failure(data.errorCode)) throw createErrorFromCode(data.errorCode);
        for (const t of data.topicResults) {
          for (const p of t.partitions) if (failure(p.errorCode)) throw createErrorFromCode(p.errorCode);
        }
        return data;
      },
    },
  };
}

class KafkajsAdmin implements KafkaAdmin {
  private cluster: ClusterLike | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
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

  async createTopic(spec: TopicSpec): Promise<boolean> {
    try {
      return await this.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: spec.topic,
            numPartitions: spec.partitions,
            replicationFactor: spec.replicationFactor,
            configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
      });
    } catch (error) {
      throw wrap(error, `Failed to create topic ${spec.topic}`);
    }
  }

  async describeTopics(topics: readonly string[]): Promise<TopicDescription[]> {
    try {
      const md = await this.admin.fetchTopicMetadata({ topics: [...topics] });
      return md.topics.map((t) => ({ topic: t.name, partitions: t.partitions.length }));
    } catch (error) {
      throw wrap(error, "Failed to describe topics");
    }
  }

  async listTopics(): Promise<string[]> {
    try {
      return await this.admin.listTopics();
    } catch (error) {
      throw wrap(error, "Failed to list topics");
    }
  }

  async groupOffsets(groupId: string): Promise<TopicPartitionOffset[]> {
    try {
      const result = await this.admin.fetchOffsets({ groupId });
      return result.flatMap((t) =>
        t.partitions
          .filter((p) => Number(p.offset) >= 0)
          .map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })),
      );
    } catch (error) {
      throw wrap(error, `Failed to fetch the committed offsets of consumer group ${groupId}`);
    }
  }

  async alterGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
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
      const e = error as { type?: string };
      // A group that never committed has nothing to delete.
      if (e?.type === "GROUP_ID_NOT_FOUND") return;
      throw wrap(error, `Failed to delete the offsets of consumer group ${groupId}`);
    }
  }

  async close(): Promise<void> {
    await this.cluster?.disconnect();
    await this.admin.disconnect();
  }
}

class KafkajsConsumer implements KafkaConsumer {
  private consumer: Consumer | undefined;
  private assigned: TopicPartition[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
  ) {}

  async start(handlers: ConsumerHandlers): Promise<void> {
    const s = consumerSettings(this.options.properties);
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      rebalanceTimeout: s.rebalanceTimeoutMs,
      maxWaitTimeInMs: s.maxWaitMs,
      minBytes: s.minBytes,
      maxBytes: s.maxBytes,
      maxBytesPerPartition: s.maxBytesPerPartition,
      readUncommitted: s.readUncommitted,
      allowAutoTopicCreation: s.allowAutoTopicCreation,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const next = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
        (partitions as number[]).map((partition) => ({ topic, partition })),
      );
      const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;
      const nextKeys = new Set(next.map(key));
      const prevKeys = new Set(this.assigned.map(key));
      const revoked = this.assigned.filter((tp) => !nextKeys.has(key(tp)));
      const added = next.filter((tp) => !prevKeys.has(key(tp)));
      this.assigned = next;
      handlers.onAssignment(added, revoked).catch((error) => handlers.onCrash(error as Error));
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) handlers.onCrash(event.payload.error);
    });
    try {
      const topics = this.options.topics;
      if (!(topics instanceof RegExp)) await this.awaitTopics(topics, s.allowAutoTopicCreation);
      await this.fenceZombies();
      await consumer.connect();
      await consumer.subscribe({
        topics: topics instanceof RegExp ? [topics] : [...topics],
        fromBeginning: s.fromBeginning,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          const tsType = batch.messages[0] && (batch as { isLogAppendTime?: () => boolean }).isLogAppendTime?.();
          const records: ConsumedRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(m.offset),
            timestamp: Number(m.timestamp),
            timestampType: tsType ? "LogAppendTime" : "CreateTime",
            key: m.key,
            value: m.value,
            headers: fromKafkajsHeaders(m.headers),
          }));
          await handlers.onRecords(records, heartbeat);
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      this.consumer = undefined;
      throw wrap(error, `Failed to start the consumer of group ${this.options.groupId}`);
    }
  }

  /**
   * Removes members of the group that carry this consumer's client id: earlier incarnations of the
   * same task that died without leaving (kill -9). Otherwise the new member waits for their session
   * to expire (45 s) before it gets partitions. kafkajs cannot use static membership (KIP-345),
   * which would solve this in the protocol; client ids are per worker, connector and task.
   */
  private async fenceZombies(): Promise<void> {
    const clientId = this.options.properties["client.id"];
    if (!clientId) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([this.options.groupId]);
      const zombies = (groups[0]?.members ?? []).filter((m) => m.clientId === clientId);
      if (zombies.length === 0) return;
      const cluster = createCluster(this.kafka);
      await cluster.connect();
      try {
        const coordinator = await cluster.findGroupCoordinator({ groupId: this.options.groupId });
        for (const z of zombies) await coordinator.leaveGroup({ groupId: this.options.groupId, memberId: z.memberId });
      } finally {
        await cluster.disconnect();
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Waits until every topic exists with a leader for each partition, asking for auto-creation where
   * allowed (as the Java consumer's metadata request does). kafkajs assigns partitions from the
   * metadata it holds at join time and refreshes it only every few minutes, so joining before the
   * topic is ready would leave the member with nothing to consume.
   */
  private async awaitTopics(topics: readonly string[], allowAutoTopicCreation: boolean): Promise<void> {
    const cluster = createCluster(this.kafka, { allowAutoTopicCreation });
    await cluster.connect();
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await cluster.addMultipleTargetTopics([...topics]);
          await cluster.refreshMetadata();
          const ready = topics.every((t) => {
            const partitions = cluster.findTopicPartitionMetadata(t);
            return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
          });
          if (ready) return;
        } catch (error) {
          const type = (error as { type?: string }).type;
          if (type !== "UNKNOWN_TOPIC_OR_PARTITION" && type !== "LEADER_NOT_AVAILABLE") throw error;
        }
        if (attempt >= 50) throw new RetriableError(`Topics ${topics.join(", ")} do not exist or have no leaders yet`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await cluster.disconnect();
    }
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (!this.consumer || offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
      );
    } catch (error) {
      throw wrap(error, `Failed to commit offsets of consumer group ${this.options.groupId}`);
    }
  }

  seek(offset: TopicPartitionOffset): void {
    this.consumer?.seek({ topic: offset.topic, partition: offset.partition, offset: String(offset.offset) });
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const [topic, tps] of groupByTopic(partitions))
      this.consumer?.pause([{ topic, partitions: tps.map((t) => t.partition) }]);
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const [topic, tps] of groupByTopic(partitions))
      this.consumer?.resume([{ topic, partitions: tps.map((t) => t.partition) }]);
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}
