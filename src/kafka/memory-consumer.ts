/**
 * MemoryConsumer: the consumer of MemoryKafka (memory-kafka.ts), for unit tests of the runtime. It
 * gets every partition of its topics from their committed offsets and hands out batches only when
 * the test calls MemoryKafka's `deliver()`; `rebalance()` revokes (or loses) and assigns them again.
 */
import { partitionMapKey as key, type TopicPartition, type TopicPartitionOffset } from "../api/record.ts";
import type { ConsumerHandlers, ConsumerOptions, KafkaConsumer } from "./kafka-port.ts";
import type { MemoryKafka } from "./memory-kafka.ts";

export class MemoryConsumer implements KafkaConsumer {
  private handlers: ConsumerHandlers | undefined;
  private readonly positions = new Map<string, number>();
  private readonly paused = new Set<string>();
  private assigned: TopicPartition[] = [];

  constructor(
    private readonly kafka: MemoryKafka,
    private readonly options: ConsumerOptions,
    /** Called with true at start (a consumer started again after a close gets batches again), false at close. */
    private readonly registered: (open: boolean) => void,
  ) {}

  /** Where a partition resumes: its committed offset (a fake log never reaches past a number's exact range). */
  private committedPosition(tp: TopicPartition): number {
    return Number(this.kafka.committed(this.options.groupId, tp) ?? 0);
  }

  async start(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    this.registered(true);
    const topics = this.options.topics;
    const names = topics instanceof RegExp ? [...this.kafka.topics.keys()].filter((t) => topics.test(t)) : [...topics];
    for (const t of names) this.kafka.createTopic(t);
    this.assigned = names.flatMap((topic) =>
      this.kafka.topics.get(topic)!.map((_, partition) => ({ topic, partition })),
    );
    for (const tp of this.assigned) {
      this.positions.set(key(tp), this.committedPosition(tp));
    }
    await handlers.onPartitionsAssigned(this.assigned);
  }

  /**
   * A rebalance as the adapters run it: revoked (awaited, commits allowed) or lost, then the same
   * partitions assigned again from their committed offsets (records not committed come again),
   * not paused (as Java's consumer, a partition given up forgets its pause).
   */
  async rejoin(lost: boolean): Promise<void> {
    const handlers = this.handlers;
    if (!handlers) return;
    const owned = this.assigned;
    this.assigned = [];
    for (const tp of owned) this.paused.delete(key(tp));
    if (lost) await handlers.onPartitionsLost(owned);
    else await handlers.onPartitionsRevoked(owned);
    this.assigned = owned;
    for (const tp of owned) this.positions.set(key(tp), this.committedPosition(tp));
    await handlers.onPartitionsAssigned(owned);
  }

  async deliverPending(concurrently: boolean): Promise<void> {
    const handlers = this.handlers;
    if (!handlers) return;
    const deliveries: Promise<void>[] = [];
    for (const tp of this.assigned) {
      if (this.paused.has(key(tp))) continue;
      const from = this.positions.get(key(tp)) ?? 0;
      const batch = this.kafka.topics.get(tp.topic)![tp.partition]!.slice(from);
      if (batch.length === 0) continue;
      this.positions.set(key(tp), from + batch.length);
      const delivery = handlers.onRecords(batch, async () => {});
      if (concurrently) deliveries.push(delivery);
      else await delivery;
    }
    await Promise.all(deliveries);
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.kafka.commit(this.options.groupId, offsets);
  }

  seek(offset: TopicPartitionOffset): void {
    this.positions.set(key(offset), offset.offset);
  }

  async position(tp: TopicPartition): Promise<number> {
    return this.positions.get(key(tp)) ?? 0;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.paused.add(key(p));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.paused.delete(key(p));
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  async close(): Promise<void> {
    this.registered(false);
  }
}
