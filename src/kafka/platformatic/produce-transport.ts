/**
 * The ProduceTransport of the @platformatic/kafka adapter's producer: metadata and producer ids
 * through a library client (which handles bootstrap, SASL, TLS, retries), Produce requests (v9:
 * Kafka 2.8+ through 4.x) framed around the adapter's own record batches (produce-frame.ts: one
 * buffer a request, the library's Connection writes it as it is, see scripts/patch-dependencies.mjs)
 * and sent on connections of the library's ConnectionPool, in the order they are made (a broker
 * answers the requests of one connection in order); answers are read straight into
 * PartitionAnswers. Used by PlatformaticProducer; the interface is what ProducePipeline needs (its
 * unit tests fake it).
 */
import {
  type Connection,
  type ConnectionOptions,
  ConnectionPool,
  type Producer,
  type Writer,
} from "@platformatic/kafka";
import { frameProduceRequest, PRODUCE_API_KEY, readProduceAnswers } from "./produce-frame.ts";
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
  /** An encoded RecordBatch; its CRC-32C is written (sealed) as the request is framed. */
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

/** The first flexible version; requests and answers as v10/v11 apart from tagged fields. */
const PRODUCE_VERSION = 9;

export class PlatformaticTransport implements ProduceTransport {
  private brokers = new Map<number, { host: string; port: number }>();
  private readonly connections = new Map<number, Connection>();
  private readonly pool: ConnectionPool;

  constructor(
    /** A library client used for metadata and InitProducerId only. */
    private readonly client: Producer<Buffer, Buffer, Buffer, Buffer>,
    private readonly clientId: string,
    connection: ConnectionOptions,
    private readonly acks: -1 | 0 | 1,
    private readonly timeoutMs: number,
  ) {
    this.pool = new ConnectionPool(clientId, connection);
  }

  async leaders(topics: readonly string[], refresh: boolean): Promise<Map<string, readonly number[]>> {
    const md = await this.client.metadata({ topics: [...topics], autocreateTopics: true, forceUpdate: refresh });
    this.brokers = md.brokers;
    this.connections.clear(); // a node may have moved
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

  produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null> {
    // Connected already: sent now, so requests go on the wire in the order of these calls.
    const known = this.connections.get(node);
    if (known?.isConnected()) return this.send(known, batches);
    return this.connectAndSend(node, batches);
  }

  /** Through the pool (which connects, or waits for a connection under way); kept while connected. */
  private async connectAndSend(
    node: number,
    batches: readonly OutgoingBatch[],
  ): Promise<readonly PartitionAnswer[] | null> {
    const broker = this.brokers.get(node);
    if (!broker) throw new Error(`Broker ${node} is not in the cluster metadata`);
    const connection = await this.pool.get(broker);
    this.connections.set(node, connection);
    return this.send(connection, batches);
  }

  private send(connection: Connection, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null> {
    return new Promise((resolve, reject) => {
      // What the patched Connection.send takes instead of a Writer: the whole request, its
      // correlation id written in place.
      const payload = {
        frame: frameProduceRequest(this.clientId, PRODUCE_VERSION, this.acks, this.timeoutMs, batches),
        context: { noResponse: this.acks === 0 },
      };
      connection.send(
        PRODUCE_API_KEY,
        PRODUCE_VERSION,
        () => payload as unknown as Writer,
        readProduceAnswers,
        true,
        true,
        // acks=0: the library answers `true` once written (no response to wait for).
        (error, value) => (error ? reject(error) : resolve(Array.isArray(value) ? value : null)),
      );
    });
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
