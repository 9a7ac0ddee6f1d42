/**
 * The producer side of the @platformatic/kafka adapter. Partitions are chosen here, so each
 * record's offset is known (base offset of its partition's batch + its position there): keyed
 * records by Java's murmur2 (`(murmur2(key) & 0x7fffffff) % partitions`, as Kafka's default
 * partitioner), records without a key all go to one partition per send, round robin across sends
 * (batching like Java's sticky partitioner). Partition counts come from the client's metadata,
 * refreshed when a topic is first seen and after a failed send.
 *
 * Sends run one after another: the idempotent producer keeps one request in flight per broker
 * anyway, and this keeps call order = write order, as the port promises.
 */
import { murmur2, Producer } from "@platformatic/kafka";
import { connectionSettings, producerSettings } from "../client-config.ts";
import type { ClientProperties, KafkaProducer, ProducedMetadata, ProducerRecord } from "../kafka-port.ts";
import { baseOptions } from "./client-options.ts";
import { wrap } from "./errors.ts";

type Message = {
  topic: string;
  partition: number;
  key?: Buffer;
  value?: Buffer;
  headers?: Map<Buffer, Buffer>;
  timestamp?: bigint;
};

const EMPTY = Buffer.alloc(0);

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class PlatformaticProducer implements KafkaProducer {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  readonly maxInFlight = 1;
  private readonly partitionCounts = new Map<string, number>();
  private readonly nextUnkeyed = new Map<string, number>();

  constructor(
    private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>,
    private readonly acks: -1 | 0 | 1,
  ) {}

  send(records: readonly ProducerRecord[]): Promise<ProducedMetadata[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (records.length === 0) return Promise.resolve([]);
    const result = this.tail.then(() => {
      if (this.failure) throw this.failure;
      return this.sendNow(records).catch((error: Error) => {
        this.failure ??= error;
        throw error;
      });
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async partitionsOf(topics: Iterable<string>): Promise<void> {
    const missing = [...topics].filter((t) => !this.partitionCounts.has(t));
    if (missing.length === 0) return;
    const md = await this.producer.metadata({ topics: missing, autocreateTopics: true, forceUpdate: true });
    for (const t of missing) {
      const count = md.topics.get(t)?.partitionsCount ?? 0;
      if (count > 0) this.partitionCounts.set(t, count);
    }
  }

  private async sendNow(records: readonly ProducerRecord[]): Promise<ProducedMetadata[]> {
    const messages: Message[] = new Array(records.length);
    try {
      await this.partitionsOf(new Set(records.map((r) => r.topic)));
      const unkeyed = new Map<string, number>();
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        const count = this.partitionCounts.get(r.topic) ?? 1;
        let partition = r.partition;
        if (partition === null) {
          if (r.key !== null) partition = (murmur2(toBuffer(r.key)) & 0x7fffffff) % count;
          else {
            let sticky = unkeyed.get(r.topic);
            if (sticky === undefined) {
              sticky = (this.nextUnkeyed.get(r.topic) ?? 0) % count;
              this.nextUnkeyed.set(r.topic, sticky + 1);
              unkeyed.set(r.topic, sticky);
            }
            partition = sticky;
          }
        }
        const m: Message = { topic: r.topic, partition };
        if (r.key !== null) m.key = toBuffer(r.key);
        if (r.value !== null) m.value = toBuffer(r.value);
        if (r.headers.length > 0) {
          m.headers = new Map();
          // Buffer keys are distinct objects: repeated header keys survive, in order.
          for (const h of r.headers) m.headers.set(Buffer.from(h.key), h.value === null ? EMPTY : toBuffer(h.value));
        }
        if (r.timestamp !== null) m.timestamp = BigInt(r.timestamp);
        messages[i] = m;
      }
      const result = await this.producer.send({ messages, acks: this.acks });
      const base = new Map<string, number>();
      for (const o of result.offsets ?? []) base.set(`${o.topic}\u0000${o.partition}`, Number(o.offset));
      const position = new Map<string, number>();
      return records.map((r, i) => {
        const partition = messages[i]!.partition;
        const k = `${r.topic}\u0000${partition}`;
        const index = position.get(k) ?? 0;
        position.set(k, index + 1);
        const b = base.get(k);
        return { topic: r.topic, partition, offset: b === undefined ? -1 : b + index, timestamp: r.timestamp };
      });
    } catch (error) {
      this.partitionCounts.clear(); // partitions may have been added, or leaders moved
      throw wrap(error, "Failed to send records to Kafka");
    }
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

/** A connected producer from Kafka client properties (idempotent ones have their producer id). */
export async function connectPlatformaticProducer(properties: ClientProperties): Promise<KafkaProducer> {
  const p = producerSettings(properties);
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    ...baseOptions(connectionSettings(properties)),
    idempotent: p.idempotent,
    acks: p.acks,
    ...(p.compression === "gzip" ? { compression: "gzip" as const } : {}),
    autocreateTopics: true,
  });
  try {
    // Connects, authenticates and (idempotent) gets a producer id now, as kafkajs' connect() does.
    await producer.metadata({ topics: [] });
    if (p.idempotent) await producer.initIdempotentProducer({});
  } catch (error) {
    await producer.close().catch(() => undefined);
    throw wrap(error, "Failed to connect the producer");
  }
  return new PlatformaticProducer(producer, p.acks);
}
