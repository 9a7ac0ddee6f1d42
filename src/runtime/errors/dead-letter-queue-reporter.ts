/**
 * DeadLetterQueueReporter (errors.deadletterqueue.*): writes the original consumed record
 * (key, value and headers as bytes, untouched) to the DLQ topic. With context headers enabled it
 * adds Connect's `__connect.errors.*` headers, in Connect's order. Sink connectors only, as in Connect.
 *
 * `start` runs when the task starts, before its first poll (Connect's createAndSetup, called from
 * WorkerTask.doStart): the topic is created with 1 partition and the configured replication factor
 * unless it exists. While the broker is unreachable this is retried for up to 60 s (Connect's admin
 * client retries until `default.api.timeout.ms`); any other failure fails the task. Nothing
 * retries it later, as in Connect. Then, as Connect constructs the DLQ's KafkaProducer there, the
 * producer's configuration (the worker's producer keys with the connector's producer.override.*)
 * is checked, which needs no broker: a mistake fails the task at start with the client's own
 * message (`Invalid value … for configuration …`), not every bad record later. The producer itself
 * connects on the first report (creating one talks to the broker); while the broker is unreachable
 * that is retried for up to MAX_BLOCK_MS, as Java's send waits max.block.ms for metadata, so a
 * broker restart neither loses a record's DLQ copy nor fails the task (the stop ends the wait).
 *
 * Asynchronous, as Connect's: `report` hands the record to the producer and returns without
 * waiting for Kafka's acknowledgement, so a batch with many bad records is not slowed to one
 * round trip each. Order is kept (the port writes sends in call order). `flush` resolves once every
 * record reported so far is acknowledged (or failed, logged and counted): the sink task calls it
 * before committing offsets, so an offset is never committed past a record whose DLQ copy is not
 * in Kafka; `close` waits for them too.
 *
 * A record a sink task reported through its errantRecordReporter (stage TASK_PUT) that the DLQ
 * cannot take fails the task, as Connect's WorkerErrantRecordReporter.awaitFutures does at the next
 * commit: from then on `flush` rejects with an ErrantRecordReportError, so no offset past the lost
 * record is committed (Connect's closing commit still commits it; the gateway's does not). A
 * conversion or transformation failure's record the DLQ cannot take is only logged and counted,
 * unless the task's stop ended the wait for the producer: Java's send would still block then and
 * commit nothing, so from then on `flush` rejects too and the closing commit is not made.
 *
 * Partitions the sink task lost (`cancel`, Connect's cancelFutures after closing them): their errant
 * records still on their way no longer concern the task. Connect tries to cancel each one, which its
 * future refuses (the producer's send cannot be called back): it logs that refusal, and the record
 * still reaches the DLQ. So here: the record is still written, but `flush` no longer waits for it
 * and its failure (or one met earlier and not yet thrown) fails no flush; it is logged and counted.
 */
import { partitionMapKey as key, type TopicPartition } from "../../api/record.ts";
import { ConnectError, JavaException, throwableText } from "../../errors.ts";
import { clientRetry, DEFAULT_API_TIMEOUT_MS, MAX_BLOCK_MS } from "../../kafka/client-retry.ts";
import { kafkaExceptionOf } from "../../kafka/kafka-exception-classes.ts";
import type { KafkaAdmin, KafkaProducer } from "../../kafka/kafka-port.ts";
import { ABORTED, abortable } from "../../util/async.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { TaskMetrics } from "../task-metrics.ts";
import { errorContextHeaders } from "./error-context-headers.ts";
import type { ErrorReporter, ProcessingContext } from "./processing-context.ts";

export interface DeadLetterQueueConfig {
  readonly topic: string;
  readonly replicationFactor: number;
  readonly contextHeaders: boolean;
  /**
   * Hides secrets in the context headers' error texts (message, stack trace, an error's own
   * details) as in log lines: the log manager's `redact`, whole tokens up to 8 characters (a topic
   * is everyone's, like the logs; a status trace also hides its task's own values from 4 characters
   * inside words). A record's own bytes and headers are copied untouched.
   */
  readonly redact?: (text: string) => string;
}

/**
 * An errant record (SinkTask's report) the DLQ could not take, as Connect's awaitFutures throws it:
 * `ConnectException: java.util.concurrent.ExecutionException: <the producer's error>`.
 */
export class ErrantRecordReportError extends ConnectError {
  override name = "ErrantRecordReportError";
  constructor(error: unknown) {
    // The producer's exception, as Java's send future holds it: Kafka's for a broker's refusal.
    const cause = kafkaExceptionOf(error) ?? error;
    const text = throwableText(cause);
    const execution = new JavaException("java.util.concurrent.ExecutionException", text);
    execution.cause = cause;
    super(`java.util.concurrent.ExecutionException: ${text}`, { cause: execution });
  }
}

/** The DLQ's producer: `check` validates its configuration without a broker; `create` connects one. */
export interface DeadLetterQueueProducerFactory {
  readonly check: () => void;
  readonly create: () => Promise<KafkaProducer>;
}

/** An errant record (stage TASK_PUT) on its way to the DLQ: `cancelled` once its partition is lost. */
interface ErrantReport {
  readonly partition: string;
  cancelled: boolean;
}

export class DeadLetterQueueReporter implements ErrorReporter {
  private producer: KafkaProducer | undefined;
  private connecting: Promise<KafkaProducer> | undefined;
  /** Reports not settled yet, with the errant report each belongs to (a cancelled one no flush waits for). */
  private readonly pending = new Map<Promise<void>, ErrantReport | undefined>();
  /** Errant reports not settled yet, per partition (Connect's futures of WorkerErrantRecordReporter). */
  private readonly errant = new Map<string, Set<ErrantReport>>();
  /** The first errant record per partition the DLQ could not take: fails every flush until the partition is lost. */
  private readonly errantFailures = new Map<string, ErrantRecordReportError>();
  /** The first report the task's stop cut short while the producer connected: fails every flush from then on. */
  private cutShort: ConnectError | undefined;
  /** The task's stop signal and clock, from `start`: the producer's creation retries on them. */
  private running: { readonly signal?: AbortSignal; readonly clock: Clock } = { clock: systemClock };

  constructor(
    private readonly config: DeadLetterQueueConfig,
    private readonly admin: () => Promise<KafkaAdmin>,
    private readonly producerFactory: DeadLetterQueueProducerFactory,
    private readonly log: Logger,
    private readonly metrics: TaskMetrics,
  ) {}

  /**
   * Creates the DLQ topic unless it exists (another task may create it meanwhile: that is fine too).
   * A retriable failure (the broker unreachable) is retried with backoff on `clock` for up to
   * DEFAULT_API_TIMEOUT_MS, as Connect's admin client retries its calls; any other failure, the
   * budget spent or `signal` aborted (the task stopping) rejects with Connect's message. Then the
   * producer's configuration is checked; a mistake rejects with the client's ConfigError as it is
   * (Connect's KafkaProducer constructor throws it unwrapped, after the topic is set up).
   */
  async start({ signal, clock }: { readonly signal: AbortSignal; readonly clock: Clock }): Promise<void> {
    this.running = { signal, clock };
    try {
      await clientRetry(() => this.setUp(signal), {
        timeoutMs: DEFAULT_API_TIMEOUT_MS,
        clock,
        signal,
        onRetry: (error, _attempt, delayMs) =>
          this.log.warn(
            `Could not set up dead letter queue topic ${this.config.topic}; retrying in ${delayMs} ms`,
            error,
          ),
      });
    } catch (error) {
      throw new ConnectError(`Could not initialize dead letter queue with topic=${this.config.topic}`, {
        cause: error,
      });
    }
    this.producerFactory.check();
  }

  /** One attempt on a new admin client, closed when done or as soon as `signal` aborts (a hung call ends then). */
  private async setUp(signal: AbortSignal): Promise<void> {
    const { topic, replicationFactor } = this.config;
    let admin: KafkaAdmin | undefined;
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= admin?.close().catch(() => undefined);
      return closing;
    };
    const work = (async () => {
      admin = await this.admin();
      try {
        if (signal.aborted) return;
        if (!(await admin.listTopics()).includes(topic) && !signal.aborted) {
          // Connect's words and level.
          this.log.error(`Topic ${topic} doesn't exist. Will attempt to create topic.`);
          await admin.createTopic({ topic, partitions: 1, replicationFactor });
        }
      } finally {
        await close();
      }
    })();
    if ((await abortable(work, signal)) === ABORTED) {
      work.catch(() => undefined);
      await close();
      throw signal.reason;
    }
  }

  /**
   * Resolves once the record is handed to the producer. Until then (the producer being connected)
   * it counts as pending too: a flush waits for it even when the caller did not await this.
   */
  report(c: ProcessingContext): Promise<void> {
    if (!c.consumed) return Promise.resolve();
    const errant = c.stage === "TASK_PUT" ? this.trackErrant(c.consumed) : undefined;
    const handed = this.handOver(c, c.consumed, errant).catch((error: unknown) => {
      // Not handed over (its headers could not be built): no send will settle it.
      this.settledErrant(errant);
      throw error;
    });
    this.pending.set(handed, errant);
    return handed.finally(() => this.pending.delete(handed));
  }

  private trackErrant(tp: TopicPartition): ErrantReport {
    const report = { partition: key(tp), cancelled: false };
    const reports = this.errant.get(report.partition) ?? new Set<ErrantReport>();
    reports.add(report);
    this.errant.set(report.partition, reports);
    return report;
  }

  private settledErrant(report: ErrantReport | undefined): void {
    if (!report || report.cancelled) return;
    const reports = this.errant.get(report.partition);
    reports?.delete(report);
    if (reports?.size === 0) this.errant.delete(report.partition);
  }

  private async handOver(
    c: ProcessingContext,
    consumed: NonNullable<ProcessingContext["consumed"]>,
    errant: ErrantReport | undefined,
  ): Promise<void> {
    this.metrics.deadLetterQueueProduceRequests++;
    const headers = [
      ...consumed.headers,
      ...(this.config.contextHeaders ? errorContextHeaders(c, this.config.redact) : []),
    ];
    let producer: KafkaProducer;
    try {
      producer = await this.connect();
    } catch (error) {
      this.settledErrant(errant);
      this.failed(error, errant);
      // Java's send would still block here, so nothing past the record is committed: neither here.
      if (this.running.signal?.aborted)
        this.cutShort ??= new ConnectError(
          `The task stopped before the dead letter queue copy of ${consumed.topic}-${consumed.partition}@${consumed.offset} was written`,
          { cause: error },
        );
      return;
    }
    const sent: Promise<void> = producer
      .send([
        {
          topic: this.config.topic,
          partition: null,
          key: consumed.key,
          value: consumed.value,
          headers,
          timestamp: consumed.timestamp,
        },
      ])
      .then(
        () => undefined,
        (error) => {
          this.failed(error, errant);
          // A failed producer rejects every later send (the port's contract): replace it.
          if (this.producer === producer && producer.failed !== false) {
            this.producer = undefined;
            producer.close().catch(() => undefined);
          }
        },
      )
      .finally(() => {
        this.pending.delete(sent);
        this.settledErrant(errant);
      });
    this.pending.set(sent, errant);
  }

  /**
   * The producer, created once however many reports wait for it (single flight). A retriable
   * failure (the broker unreachable) is retried for up to MAX_BLOCK_MS or until the task stops.
   */
  private connect(): Promise<KafkaProducer> {
    if (this.producer) return Promise.resolve(this.producer);
    const { signal, clock } = this.running;
    this.connecting ??= clientRetry(() => this.producerFactory.create(), {
      timeoutMs: MAX_BLOCK_MS,
      clock,
      ...(signal ? { signal } : {}),
      onRetry: (error, _attempt, delayMs) =>
        this.log.warn(`Could not connect the dead letter queue producer; retrying in ${delayMs} ms`, error),
    })
      .then((producer) => {
        this.producer = producer;
        return producer;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /**
   * As in Connect, a record that cannot reach the DLQ is logged and counted; an errant record's
   * (stage TASK_PUT) also fails the next flush, and every one after it, until its partition is lost.
   */
  private failed(error: unknown, errant: ErrantReport | undefined): void {
    this.metrics.deadLetterQueueProduceFailures++;
    this.log.error(`Could not produce message to dead letter queue. topic=${this.config.topic}`, error);
    if (!errant || errant.cancelled || this.errantFailures.has(errant.partition)) return;
    const failure = new ErrantRecordReportError(error);
    // Logged once, for the failure the flushes throw from then on (until its partition is lost).
    if (this.errantFailures.size === 0)
      this.log.error("Encountered an error while awaiting an errant record future's completion.", failure);
    this.errantFailures.set(errant.partition, failure);
  }

  /**
   * The sink task lost these partitions (Connect's cancelFutures, after closing them): their errant
   * records still on their way are written, but no flush waits for them, and their failures fail none.
   * Connect's attempt to cancel each one is refused by its future; it logs that, as here.
   */
  cancel(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      this.errantFailures.delete(key(tp));
      const reports = this.errant.get(key(tp));
      if (!reports) continue;
      this.errant.delete(key(tp));
      for (const report of reports) {
        report.cancelled = true;
        this.log.error(
          "Encountered an error while cancelling an errant record future",
          new JavaException(
            "java.lang.UnsupportedOperationException",
            "Reporting an errant record cannot be cancelled.",
          ),
        );
      }
    }
  }

  /**
   * Resolves once every record reported so far has been acknowledged by Kafka (or failed), but the
   * errant ones of lost partitions; rejects once an errant record of a partition not lost since
   * could not be written (the task fails, nothing past it is committed), or once a report was cut
   * short by the task's stop (the closing commit is not made).
   */
  async flush(): Promise<void> {
    await this.settled(false);
    for (const failure of this.errantFailures.values()) throw failure;
    if (this.cutShort) throw this.cutShort;
  }

  /** Waits for the pending reports, those of lost partitions too when `all` (close: the producer's own close would). */
  private async settled(all: boolean): Promise<void> {
    for (;;) {
      const awaited = [...this.pending].filter(([, errant]) => all || !errant?.cancelled).map(([sent]) => sent);
      if (awaited.length === 0) return;
      await Promise.all(awaited);
    }
  }

  async close(): Promise<void> {
    await this.settled(true);
    await this.producer?.close().catch(() => undefined);
  }
}
