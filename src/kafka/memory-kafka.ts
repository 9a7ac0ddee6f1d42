/**
 * MemoryKafka: an in-memory KafkaPort for unit tests of the runtime only (whole-gateway tests use
 * the real broker). Topics are arrays of records per partition; consumers get every partition of
 * their topics and receive batches only when the test calls `deliver()`, so tests are
 * deterministic. `holdAcks()` keeps produce calls pending until `releaseAcks()` (all) or
 * `releaseAck(i)` / `failAck(i, error)` (one held send, in any order, to test out-of-order
 * acknowledgements), and `failSends()` makes the next sends throw, to test what the runtime does
 * before and after Kafka acknowledges. A held send's records are appended when it is released.
 * As the port demands, a producer whose send failed rejects every later send (`pipelining` sets
 * how many sends the runtime may have in flight on it). Its consumers are MemoryConsumers
 * (memory-consumer.ts).
 */
import type { TopicPartition } from "../api/record.ts";
import { ConnectError } from "../errors.ts";
import { deferred } from "../util/async.ts";
import type { GroupOffset } from "./group-offset.ts";
import type {
  ConsumedRecord,
  ConsumerOptions,
  DescribedMember,
  KafkaAdmin,
  KafkaConsumer,
  KafkaPort,
  KafkaProducer,
  ProducedMetadata,
  ProducerRecord,
  TopicSpec,
} from "./kafka-port.ts";
import { MemoryConsumer } from "./memory-consumer.ts";
import { withKafkaError } from "./send-rejection.ts";

/** The broker's answer for a group that does not exist (it never committed, or was deleted). */
function groupNotFound(what: string): ConnectError {
  return withKafkaError(new ConnectError(`${what}: GROUP_ID_NOT_FOUND`), "GROUP_ID_NOT_FOUND");
}

export class MemoryKafka implements KafkaPort {
  readonly topics = new Map<string, ConsumedRecord[][]>();
  /** Each group's committed offsets by topic and partition (a bigint beyond a number's exact range). */
  readonly groups = new Map<string, Map<string, number | bigint>>();
  /** The members DescribeGroups names per group (its consumers do not join one: a test sets them). */
  readonly groupMembers = new Map<string, DescribedMember[]>();
  private readonly consumers = new Set<MemoryConsumer>();
  private held: { settle: (error?: Error) => void; settled: boolean }[] | undefined;
  private sendFailures: Error[] = [];
  private rejection: { test: (r: ProducerRecord) => boolean; error: () => Error } | undefined;
  sends = 0;
  /** The producers' `maxInFlight` (1: the runtime sends one request at a time). */
  pipelining = 1;
  /** The producers' `idempotent` (false: a connector that keeps order gets one request in flight). */
  idempotent = true;
  /** Records per produce call, in call order (failed calls included). */
  readonly sendSizes: number[] = [];

  constructor(readonly clusterIdValue = "memory-cluster") {}

  createTopic(topic: string, partitions = 1): void {
    if (!this.topics.has(topic))
      this.topics.set(
        topic,
        Array.from({ length: partitions }, () => []),
      );
  }

  records(topic: string): ConsumedRecord[] {
    return (this.topics.get(topic) ?? []).flat();
  }

  /** Produce calls stay pending (not acknowledged) until `releaseAcks`. */
  holdAcks(): void {
    this.held = [];
  }

  releaseAcks(): void {
    const pending = this.held ?? [];
    this.held = undefined;
    for (const send of pending) if (!send.settled) send.settle();
  }

  /** Sends held so far (settled or not), in the order they were made. */
  get heldSends(): number {
    return this.held?.length ?? 0;
  }

  /** Acknowledges the `index`-th held send (0-based, in send order). */
  releaseAck(index: number): void {
    this.heldSend(index).settle();
  }

  /** Fails the `index`-th held send with `error` (nothing of it is appended). */
  failAck(index: number, error: Error): void {
    this.heldSend(index).settle(error);
  }

  private heldSend(index: number) {
    const send = this.held?.[index];
    if (!send || send.settled) throw new Error(`no pending held send #${index}`);
    return send;
  }

  /** The next sends throw these errors, one each. */
  failSends(...errors: Error[]): void {
    this.sendFailures.push(...errors);
  }

  /** Any send that contains a record matching `test` fails as a whole (like an oversized record). */
  rejectRecords(test: (r: ProducerRecord) => boolean, error: () => Error): void {
    this.rejection = { test, error };
  }

  /**
   * Hands every consumer the records it has not seen yet, one batch per partition: one partition
   * after the other, or (`concurrently`) every partition's batch at once, as a consumer fetching
   * several partitions does.
   */
  async deliver(options: { concurrently?: boolean } = {}): Promise<void> {
    for (const c of this.consumers) await c.deliverPending(options.concurrently ?? false);
  }

  /**
   * Every consumer goes through a rebalance and gets its partitions back at their committed offsets:
   * revoked first (a rebalance; `lost`: the membership was lost, nothing may be committed).
   */
  async rebalance(options: { lost?: boolean } = {}): Promise<void> {
    for (const c of this.consumers) await c.rejoin(options.lost ?? false);
  }

  append(record: ProducerRecord): ProducedMetadata {
    this.createTopic(record.topic);
    const partitions = this.topics.get(record.topic)!;
    const partition = record.partition ?? 0;
    const log = partitions[partition]!;
    const consumed: ConsumedRecord = {
      topic: record.topic,
      partition,
      offset: log.length,
      timestamp: record.timestamp ?? Date.now(),
      timestampType: "CreateTime",
      key: record.key,
      value: record.value,
      headers: record.headers,
    };
    log.push(consumed);
    return { topic: record.topic, partition, offset: consumed.offset, timestamp: consumed.timestamp };
  }

  /** A producer that, as the port demands, rejects every later send once one failed. */
  async producer(): Promise<KafkaProducer> {
    let failed: { error: Error; call: number } | undefined;
    let calls = 0;
    const fail = (error: Error, call: number) => {
      if (!failed || call < failed.call) failed = { error, call };
    };
    // Sends made after a failed one reject, as the port demands; earlier ones may still succeed.
    const check = (call: number) => {
      if (failed && failed.call < call) throw failed.error;
    };
    const send = async (records: readonly ProducerRecord[], call: number): Promise<ProducedMetadata[]> => {
      this.sends++;
      this.sendSizes.push(records.length);
      check(call);
      const failure = this.sendFailures.shift();
      if (failure) throw failure;
      if (this.rejection && records.some(this.rejection.test)) throw this.rejection.error();
      if (this.held) {
        const gate = deferred<void>();
        const held = {
          settled: false,
          settle: (error?: Error) => {
            held.settled = true;
            if (error) {
              fail(error, call);
              gate.reject(error);
            } else gate.resolve();
          },
        };
        this.held.push(held);
        await gate.promise;
        check(call);
      }
      return records.map((r) => this.append(r));
    };
    return {
      send: (records) => {
        const call = calls++;
        return send(records, call).catch((error: Error) => {
          fail(error, call);
          throw error;
        });
      },
      maxInFlight: this.pipelining,
      idempotent: this.idempotent,
      close: async () => {},
    };
  }

  async consumer(options: ConsumerOptions): Promise<KafkaConsumer> {
    const consumer = new MemoryConsumer(this, options, (open) =>
      open ? this.consumers.add(consumer) : this.consumers.delete(consumer),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  async admin(): Promise<KafkaAdmin> {
    return {
      clusterId: async () => this.clusterIdValue,
      createTopic: async (spec: TopicSpec) => {
        const existed = this.topics.has(spec.topic);
        this.createTopic(spec.topic, spec.partitions);
        return !existed;
      },
      // The fake brokers do not create topics a metadata request names (allowAutoTopicCreation).
      describeTopics: async (topics) =>
        topics.map((topic) => ({ topic, partitions: this.topics.get(topic)?.length ?? 0 })),
      listTopics: async () => [...this.topics.keys()],
      groupOffsets: async (groupId) =>
        [...(this.groups.get(groupId) ?? new Map<string, number | bigint>())].map(([k, offset]) => {
          const [topic, partition] = k.split("\u0000");
          return { topic: topic!, partition: Number(partition), offset };
        }),
      // Kept as given: an offset beyond a number's exact range stays the bigint, as the broker keeps it.
      alterGroupOffsets: async (groupId, offsets) => this.commit(groupId, offsets),
      deleteGroupOffsets: async (groupId, partitions) => {
        if (partitions.length === 0) return;
        const group = this.groups.get(groupId);
        if (!group) throw groupNotFound(`Failed to delete the offsets of consumer group ${groupId}`);
        for (const p of partitions) group.delete(`${p.topic}\u0000${p.partition}`);
      },
      deleteGroup: async (groupId) => {
        if (!this.groups.delete(groupId)) throw groupNotFound(`Failed to delete consumer group ${groupId}`);
      },
      groupMembers: async (groupId) => [...(this.groupMembers.get(groupId) ?? [])],
      // A member id the group does not hold counts as removed, as both adapters' (UNKNOWN_MEMBER_ID).
      removeGroupMembers: async (groupId, memberIds) => {
        const members = this.groupMembers.get(groupId) ?? [];
        this.groupMembers.set(
          groupId,
          members.filter((m) => !memberIds.includes(m.memberId)),
        );
      },
      close: async () => {},
    };
  }

  commit(groupId: string, offsets: readonly GroupOffset[]): void {
    const group = this.groups.get(groupId) ?? new Map<string, number | bigint>();
    for (const o of offsets) group.set(`${o.topic}\u0000${o.partition}`, o.offset);
    this.groups.set(groupId, group);
  }

  committed(groupId: string, tp: TopicPartition): number | bigint | undefined {
    return this.groups.get(groupId)?.get(`${tp.topic}\u0000${tp.partition}`);
  }
}
