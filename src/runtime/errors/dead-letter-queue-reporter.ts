/**
 * DeadLetterQueueReporter (errors.deadletterqueue.*): writes the original consumed record
 * (key, value and headers as bytes, untouched) to the DLQ topic. With context headers enabled it
 * adds Connect's `__connect.errors.*` headers, in Connect's order. Sink connectors only, as in Connect.
 *
 * `start` runs when the task starts, before its first poll (Connect's createAndSetup, called from
 * WorkerTask.doStart): the topic is created with 1 partition and the configured replication factor
 * unless it exists; any other failure fails the task. Nothing retries it later, as in Connect.
 *
 * Asynchronous, as Connect's: `report` hands the record to the producer and returns without
 * waiting for Kafka's acknowledgement, so a batch with many bad records is not slowed to one
 * round trip each. Order is kept (the port writes sends in call order). `flush` resolves once every
 * record reported so far is acknowledged (or failed, logged and counted): the sink task calls it
 * before committing offsets, so an offset is never committed past a record whose DLQ copy is not
 * in Kafka; `close` flushes first.
 */
import { ConnectError, javaClassOf, messageOf, traceOf } from "../../errors.ts";
import type { KafkaAdmin, KafkaHeader, KafkaProducer } from "../../kafka/kafka-port.ts";
import type { Logger } from "../../util/logger.ts";
import type { TaskMetrics } from "../task-metrics.ts";
import type { ErrorReporter, ProcessingContext } from "./processing-context.ts";

export const ERROR_HEADER_PREFIX = "__connect.errors.";

export interface DeadLetterQueueConfig {
  readonly topic: string;
  readonly replicationFactor: number;
  readonly contextHeaders: boolean;
}

const encoder = new TextEncoder();
const utf8 = (s: string) => encoder.encode(s);

export function errorContextHeaders(c: ProcessingContext): KafkaHeader[] {
  const headers: [string, string][] = [];
  if (c.consumed) {
    headers.push(
      ["topic", c.consumed.topic],
      ["partition", String(c.consumed.partition)],
      ["offset", String(c.consumed.offset)],
    );
  }
  headers.push(
    ["connector.name", c.connector],
    ["task.id", String(c.task)],
    ["stage", c.stage],
    ["class.name", c.executingClass],
  );
  if (c.error !== undefined) {
    headers.push(
      ["exception.class.name", javaClassOf(c.error)],
      ["exception.message", messageOf(c.error)],
      ["exception.stacktrace", traceOf(c.error)],
    );
    // Errors may add details of their own (an HTTP sink: the status code and a response excerpt).
    const extra = (c.error as { errorContext?: unknown } | null)?.errorContext;
    if (extra && typeof extra === "object") {
      for (const [k, v] of Object.entries(extra)) if (typeof v === "string") headers.push([k, v]);
    }
  }
  return headers.map(([k, v]) => ({ key: `${ERROR_HEADER_PREFIX}${k}`, value: utf8(v) }));
}

export class DeadLetterQueueReporter implements ErrorReporter {
  private producer: KafkaProducer | undefined;
  private connecting: Promise<KafkaProducer> | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly config: DeadLetterQueueConfig,
    private readonly admin: () => Promise<KafkaAdmin>,
    private readonly createProducer: () => Promise<KafkaProducer>,
    private readonly log: Logger,
    private readonly metrics: TaskMetrics,
  ) {}

  /** Creates the DLQ topic unless it exists (another task may create it meanwhile: that is fine too). */
  async start(): Promise<void> {
    const { topic, replicationFactor } = this.config;
    try {
      const admin = await this.admin();
      try {
        if (!(await admin.listTopics()).includes(topic)) {
          // Connect's words and level.
          this.log.error(`Topic ${topic} doesn't exist. Will attempt to create topic.`);
          await admin.createTopic({ topic, partitions: 1, replicationFactor });
        }
      } finally {
        await admin.close().catch(() => undefined);
      }
    } catch (error) {
      throw new ConnectError(`Could not initialize dead letter queue with topic=${topic}`, { cause: error });
    }
  }

  async report(c: ProcessingContext): Promise<void> {
    if (!c.consumed) return;
    this.metrics.deadLetterQueueProduceRequests++;
    const headers = [...c.consumed.headers, ...(this.config.contextHeaders ? errorContextHeaders(c) : [])];
    let producer: KafkaProducer;
    try {
      producer = await this.connect();
    } catch (error) {
      this.failed(error);
      return;
    }
    const sent: Promise<void> = producer
      .send([
        {
          topic: this.config.topic,
          partition: null,
          key: c.consumed.key,
          value: c.consumed.value,
          headers,
          timestamp: c.consumed.timestamp,
        },
      ])
      .then(
        () => undefined,
        (error) => {
          this.failed(error);
          // A failed producer rejects every later send (the port's contract): replace it.
          if (this.producer === producer && producer.failed !== false) {
            this.producer = undefined;
            producer.close().catch(() => undefined);
          }
        },
      )
      .finally(() => this.pending.delete(sent));
    this.pending.add(sent);
  }

  /** The producer, created once however many reports wait for it (single flight). */
  private connect(): Promise<KafkaProducer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= this.createProducer()
      .then((producer) => {
        this.producer = producer;
        return producer;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /** As in Connect, a record that cannot reach the DLQ is logged and counted, not fatal. */
  private failed(error: unknown): void {
    this.metrics.deadLetterQueueProduceFailures++;
    this.log.error(`Could not produce message to dead letter queue. topic=${this.config.topic}`, error);
  }

  /** Resolves once every record reported so far has been acknowledged by Kafka (or failed). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.producer?.close().catch(() => undefined);
  }
}
