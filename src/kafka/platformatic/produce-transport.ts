/**
 * The ProduceTransport of the @platformatic/kafka adapter's producer: metadata and producer ids
 * through a library client (which handles bootstrap, SASL, TLS, retries), Produce requests (v9:
 * Kafka 2.8+ through 4.x) encoded here around the adapter's own record batches and sent on
 * connections of the library's ConnectionPool, in the order they are made (a broker answers the
 * requests of one connection in order). Used by PlatformaticProducer; the interface is what
 * ProducePipeline needs (its unit tests fake it).
 */
import {
  type ConnectionOptions,
  ConnectionPool,
  type Producer,
  produceV11,
  type Reader,
  ResponseError,
  Writer,
} from "@platformatic/kafka";
import { stampRecordBatch } from "./record-batch.ts";

/** The broker's answer for one partition of a Produce request. */
export interface PartitionAnswer {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset: number;
  readonly errorMessage?: string | null;
}

export interface OutgoingBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: Buffer;
}

export interface ProduceTransport {
  /** Leader node of each partition of each topic (-1: none now); `refresh` asks the cluster again. */
  leaders(topics: readonly string[], refresh: boolean): Promise<Map<string, readonly number[]>>;
  /** One Produce request; null for acks=0. Rejects when the request as a whole failed (network, timeout). */
  produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null>;
  initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }>;
  /** Writes producer id, epoch and base sequence into an encoded batch. */
  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void;
}

const PRODUCE = 0;
/** The first flexible version; requests and answers as v10/v11 apart from tagged fields. */
const PRODUCE_VERSION = 9;

type ProduceResponse = produceV11.ProduceResponse;

/** The library's parser throws on any partition error; the pipeline wants every answer. */
function parseAnswers(correlationId: number, apiKey: number, apiVersion: number, reader: Reader): ProduceResponse {
  try {
    return produceV11.parseResponse(correlationId, apiKey, apiVersion, reader);
  } catch (error) {
    const response = (error as { response?: ProduceResponse }).response;
    if (error instanceof ResponseError && response?.responses) return response;
    throw error;
  }
}

export class PlatformaticTransport implements ProduceTransport {
  private brokers = new Map<number, { host: string; port: number }>();
  private readonly pool: ConnectionPool;

  constructor(
    /** A library client used for metadata and InitProducerId only. */
    private readonly client: Producer<Buffer, Buffer, Buffer, Buffer>,
    clientId: string,
    connection: ConnectionOptions,
    private readonly acks: -1 | 0 | 1,
    private readonly timeoutMs: number,
  ) {
    this.pool = new ConnectionPool(clientId, connection);
  }

  async leaders(topics: readonly string[], refresh: boolean): Promise<Map<string, readonly number[]>> {
    const md = await this.client.metadata({ topics: [...topics], autocreateTopics: true, forceUpdate: refresh });
    this.brokers = md.brokers;
    const out = new Map<string, readonly number[]>();
    for (const topic of topics) {
      const t = md.topics.get(topic);
      if (t)
        out.set(
          topic,
          Array.from({ length: t.partitionsCount }, (_, p) => t.partitions[p]?.leader ?? -1),
        );
    }
    return out;
  }

  async initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }> {
    const info = await this.client.initIdempotentProducer({});
    return { producerId: info.producerId, producerEpoch: info.producerEpoch };
  }

  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void {
    stampRecordBatch(records, producerId, epoch, sequence);
  }

  async produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null> {
    const broker = this.brokers.get(node);
    if (!broker) throw new Error(`Broker ${node} is not in the cluster metadata`);
    const connection = await this.pool.get(broker);
    const payload = this.request(batches);
    const response = await new Promise<ProduceResponse | boolean>((resolve, reject) => {
      connection.send(
        PRODUCE,
        PRODUCE_VERSION,
        () => payload,
        parseAnswers,
        true,
        true,
        (error, value) => (error ? reject(error) : resolve(value as ProduceResponse | boolean)),
      );
    });
    if (this.acks === 0 || typeof response === "boolean") return null;
    const answers: PartitionAnswer[] = [];
    for (const t of response.responses) {
      for (const p of t.partitionResponses) {
        answers.push({
          topic: t.name,
          partition: p.index,
          errorCode: p.errorCode,
          baseOffset: Number(p.baseOffset),
          errorMessage: p.errorMessage ?? p.recordErrors[0]?.batchIndexErrorMessage ?? null,
        });
      }
    }
    return answers;
  }

  /** Produce v9: transactional_id acks timeout_ms [topic_data [partition_data]], compact and tagged. */
  private request(batches: readonly OutgoingBatch[]): Writer {
    const byTopic = new Map<string, OutgoingBatch[]>();
    for (const b of batches) {
      const list = byTopic.get(b.topic);
      if (list) list.push(b);
      else byTopic.set(b.topic, [b]);
    }
    const w = Writer.create().appendString(null).appendInt16(this.acks).appendInt32(this.timeoutMs);
    w.appendUnsignedVarInt(byTopic.size + 1);
    for (const [topic, list] of byTopic) {
      w.appendString(topic).appendUnsignedVarInt(list.length + 1);
      for (const b of list) {
        w.appendInt32(b.partition)
          .appendUnsignedVarInt(b.records.length + 1)
          .append(b.records)
          .appendTaggedFields();
      }
      w.appendTaggedFields();
    }
    w.appendTaggedFields();
    if (this.acks === 0) w.context.noResponse = true;
    return w;
  }

  /**
   * Closes the connections once what was written is flushed, within `graceMs` (request.timeout.ms);
   * then they are destroyed. A broker that stopped reading would otherwise keep the close waiting,
   * and the socket open, for ever: acks=0 requests have no timeout that would end the connection.
   */
  async close(graceMs: number = this.timeoutMs): Promise<void> {
    const open = [...this.pool].map(([, connection]) => connection);
    const closed = this.pool.close().then(() => true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flushed = await Promise.race([
      closed,
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (flushed) return;
    for (const connection of open) connection.socket?.destroy();
    await closed;
  }
}
