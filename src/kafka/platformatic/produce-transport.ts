/**
 * The ProduceTransport of the @platformatic/kafka adapter's producer: metadata and producer ids
 * through a library client (which handles bootstrap, SASL, TLS, retries), Produce requests (v9:
 * Kafka 2.8+ through 4.x) framed around the adapter's own record batches (produce-frame.ts: one
 * buffer a request, the library's Connection writes it as it is, see scripts/patch-dependencies.mjs)
 * and sent on connections of the library's ConnectionPool, in the order they are made (a broker
 * answers the requests of one connection in order; requests made while a node's connection is
 * under way wait for it in a queue and go first, in order); answers are read straight into
 * PartitionAnswers. Used by PlatformaticProducer; the interface is what ProducePipeline needs (its
 * unit tests fake it).
 */
import { Connection, type ConnectionOptions, ConnectionPool, type Producer, type Writer } from "@platformatic/kafka";
import { ConnectError, RetriableError } from "../../errors.ts";
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
  /**
   * One Produce request; null for acks=0. Rejects when the request as a whole failed (network, timeout), with an error
   * marked requestNotWritten (`markRequestNotWritten`) when none of it went out.
   */
  produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null>;
  initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }>;
  /** Writes producer id, epoch and base sequence into an encoded batch. */
  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void;
  /** A connection to broker `node` is up (partitioner.availability.timeout.ms counts a broker without one as idle). */
  connected(node: number): boolean;
  /** Broker `node`'s host:port as the metadata gives it, when known (a request it does not answer names it). */
  address?(node: number): string | undefined;
}

/**
 * Whether the library's Connection.send writes a request framed whole as it is, the patch of
 * scripts/patch-dependencies.mjs (its source reads the payload's `frame`; comments do not survive
 * Bun's transpiler, so the patch's marker is not what is looked for). Without it every Produce
 * request fails inside the library (a TypeError in its DynamicBuffer) and is retried until
 * delivery.timeout.ms runs out.
 */
export function sendsFramedRequests(send: (...args: never[]) => unknown = Connection.prototype.send): boolean {
  return /\bpayload\.frame\b/.test(Function.prototype.toString.call(send));
}

/** Fails, not retriably, when the installed library lacks the patch (see sendsFramedRequests). */
export function requireFramedSend(send?: (...args: never[]) => unknown): void {
  if (sendsFramedRequests(send)) return;
  throw new ConnectError(
    "@platformatic/kafka is installed without the gateway's dependency patches (npm ran with " +
      "--ignore-scripts, or node_modules was copied from elsewhere): its connections cannot send the " +
      "producer's Produce requests. Run `node scripts/patch-dependencies.mjs` in the gateway's directory.",
  );
}

/** Marks the failure of a request none of which was written to a connection (see requestNotWritten). */
const NOT_WRITTEN: unique symbol = Symbol("requestNotWritten");

/**
 * True when a Produce request failed before any of it was written to a connection: the connection to its broker never
 * came up (refused, unreachable, TLS or SASL failed), or the broker is not in the metadata. No broker can have its
 * batches, so this attempt wrote none of their records (ProducePipeline: a batch all of whose attempts failed so is
 * never sent, the port's neverSent). Anything else a request fails with may come after its bytes went out.
 */
export function requestNotWritten(error: unknown): boolean {
  return (error as { [NOT_WRITTEN]?: true } | null | undefined)?.[NOT_WRITTEN] === true;
}

/** `error` marked as requestNotWritten (one shared by the requests that waited for a connection marks them all). */
export function markRequestNotWritten(error: unknown): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  return Object.assign(failure, { [NOT_WRITTEN]: true as const });
}

/** The first flexible version; requests and answers as v10/v11 apart from tagged fields. */
const PRODUCE_VERSION = 9;

type Answered = (answers: readonly PartitionAnswer[] | null) => void;
type Failed = (error: unknown) => void;

/** A request waiting for its node's connection. */
interface WaitingRequest {
  readonly batches: readonly OutgoingBatch[];
  readonly resolve: Answered;
  readonly reject: Failed;
}

/** The part of the library's ConnectionPool the transport uses (its unit tests fake it). */
export type ConnectionSource = Pick<
  ConnectionPool,
  "get" | "getEstablishedConnection" | "close" | "on" | typeof Symbol.iterator
>;

export class PlatformaticTransport implements ProduceTransport {
  private brokers = new Map<number, { host: string; port: number }>();
  private readonly connections = new Map<number, Connection>();
  /** Per node whose connection is under way, the requests waiting for it, in call order. */
  private readonly waiting = new Map<number, WaitingRequest[]>();
  private readonly pool: ConnectionSource;
  /** `close` began: the connections it closes are not reported lost (onDisconnect). */
  private closing = false;

  constructor(
    /** A library client used for metadata and InitProducerId only. */
    private readonly client: Producer<Buffer, Buffer, Buffer, Buffer>,
    private readonly clientId: string,
    connection: ConnectionOptions,
    private readonly acks: -1 | 0 | 1,
    private readonly timeoutMs: number,
    pool?: ConnectionSource,
  ) {
    this.pool = pool ?? new ConnectionPool(clientId, connection);
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

  /**
   * `lost` learns each broker whose connection closed, idle or not (it stopped, the network dropped it), or that a
   * connection to could not be made (the pool's `failed`), not those the transport's own close ends. Java's
   * NetworkClient asks for metadata on any disconnection, a failed connect included: a partition whose leader stopped is
   * then known leaderless before a request to it fails, so keyless records stop going to it.
   */
  onDisconnect(lost: (node: number) => void): void {
    const report = ({ broker }: { broker: { host: string; port: number } }) => {
      if (this.closing) return;
      for (const [node, known] of this.brokers)
        if (known.host === broker.host && known.port === broker.port) lost(node);
    };
    this.pool.on("disconnect", report);
    this.pool.on("failed", report);
  }

  async initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }> {
    const info = await this.client.initIdempotentProducer({});
    return { producerId: info.producerId, producerEpoch: info.producerEpoch };
  }

  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void {
    stampRecordBatch(records, producerId, epoch, sequence);
  }

  /** From the pool, not `connections` (cleared by every metadata answer): under way or closed is not up. */
  connected(node: number): boolean {
    const broker = this.brokers.get(node);
    return broker !== undefined && this.pool.getEstablishedConnection(broker)?.isConnected() === true;
  }

  address(node: number): string | undefined {
    const broker = this.brokers.get(node);
    return broker && `${broker.host}:${broker.port}`;
  }

  produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null> {
    // A connection under way: the request waits behind those before it.
    const waiting = this.waiting.get(node);
    if (waiting) return new Promise((resolve, reject) => waiting.push({ batches, resolve, reject }));
    // Connected already: sent now, so requests go on the wire in the order of these calls.
    const known = this.connections.get(node);
    if (known?.isConnected()) return this.send(known, batches);
    const broker = this.brokers.get(node);
    if (!broker)
      return Promise.reject(markRequestNotWritten(new Error(`Broker ${node} is not in the cluster metadata`)));
    const queue: WaitingRequest[] = [];
    this.waiting.set(node, queue);
    const sent = new Promise<readonly PartitionAnswer[] | null>((resolve, reject) =>
      queue.push({ batches, resolve, reject }),
    );
    this.connect(node, broker, queue);
    return sent;
  }

  /**
   * Through the pool (which connects, or waits for a connection under way); kept while connected.
   * Once connected, the requests that waited are sent at once, in call order, and the node's queue
   * goes in the same step: a later request never overtakes one that waited.
   */
  private connect(node: number, broker: { host: string; port: number }, queue: WaitingRequest[]): void {
    let connecting: Promise<Connection>;
    try {
      connecting = this.pool.get(broker);
    } catch (error) {
      // Thrown, not rejected: the waiting requests fail (retried), and the node's queue goes with them.
      connecting = Promise.reject(error);
    }
    connecting.then(
      (connection) => {
        this.waiting.delete(node);
        this.connections.set(node, connection);
        for (const w of queue) this.write(connection, w.batches, w.resolve, w.reject);
      },
      (error: unknown) => {
        this.waiting.delete(node);
        // None of them went out: they wait in `queue` until the connection is up.
        const failure = markRequestNotWritten(error);
        for (const w of queue) w.reject(failure);
      },
    );
  }

  private send(connection: Connection, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null> {
    return new Promise((resolve, reject) => this.write(connection, batches, resolve, reject));
  }

  /**
   * Writes one request; `resolve` or `reject` is called from the connection's callback itself, for
   * a request that waited for its connection as for one sent at once, so the answers of one read
   * reach the pipeline in the order the broker sent them (a `.then` more on one path handled a
   * later answer first).
   */
  private write(connection: Connection, batches: readonly OutgoingBatch[], resolve: Answered, reject: Failed): void {
    try {
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
        (error, value) => {
          if (error) reject(error);
          // acks=0: the library answers `true` once written (no response to wait for).
          else if (this.acks === 0) resolve(null);
          else if (Array.isArray(value)) resolve(value);
          // With acks, only the broker's answers say a record was written: anything else fails the
          // request as a whole (its batches are retried), never settles them as written.
          else reject(new RetriableError("The broker's Produce answer could not be read"));
        },
      );
    } catch (error) {
      reject(error);
    }
  }

  /**
   * Closes the connections once what was written is flushed, within `graceMs` (request.timeout.ms);
   * then they are destroyed. A broker that stopped reading would otherwise keep the close waiting,
   * and the socket open, for ever: acks=0 requests have no timeout that would end the connection.
   */
  async close(graceMs: number = this.timeoutMs): Promise<void> {
    this.closing = true;
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
