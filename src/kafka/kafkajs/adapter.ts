/**
 * The KafkaPort adapter over kafkajs 2.2.4. Only the modules in this folder import the client
 * library (adapter: clients from Kafka properties; producer, admin, consumer: the port's parts;
 * protocol: what kafkajs lacks, built on its own protocol layer).
 *
 * kafkajs negotiates min(its max, the broker's max) per API; its highest versions (Produce 7,
 * Fetch 11, OffsetCommit 5, …) are still accepted by Kafka 4.x after KIP-896, which the test
 * suite proves against a real 4.x broker.
 */
import { Kafka, type KafkaConfig, logLevel } from "kafkajs";
import defaultSocketFactory from "kafkajs/src/network/socketFactory";
import { ABORTED, abortable } from "../../util/async.ts";
import { systemClock } from "../../util/clock.ts";
import { type Logger, type LogManager, logManager } from "../../util/logger.ts";
import { batchChecks } from "../batch-integrity.ts";
import {
  CLIENT_RETRIES,
  type ConnectionSettings,
  connectionSettings,
  consumerSettings,
  invalidProperty,
  kafkaTlsOptions,
  producerSettings,
} from "../client-config.ts";
import { ConsumerLog } from "../consumer-log.ts";
import type {
  CallBound,
  ClientProperties,
  ConsumerOptions,
  KafkaAdmin,
  KafkaConsumer,
  KafkaPort,
  KafkaProducer,
  ProducerOptions,
} from "../kafka-port.ts";
import { KafkajsAdmin } from "./admin.ts";
import { clientLog, clientLogLimiter, type OutOfRangeReset } from "./client-log.ts";
import { ADMIN_CLOSE, ClosableSockets, PRODUCER_FORCE_CLOSE } from "./closable-sockets.ts";
import { kafkajsCompression } from "./codecs.ts";
import { KafkajsConsumer } from "./consumer.ts";
import { wrap } from "./errors.ts";
import { withFetchChecks } from "./fetch-checks.ts";
import { InvalidBatchHold } from "./invalid-batch-hold.ts";
import { pinningPartitioner } from "./partitioner.ts";
import { KafkajsProducer } from "./producer.ts";
import "./protocol.ts";
import { tlsRefusedSockets } from "./tls-refused-sockets.ts";

declare module "kafkajs" {
  interface RetryOptions {
    /** retry.backoff.max.ms: the longest wait between metadata requests while a partition has no leader (dependency patch 12). */
    leaderlessMaxRetryTime?: number;
    /** A producer's retries of a send nothing of which may have been written yet (dependency patch 20). */
    unwrittenRetries?: number;
  }
  interface ProducerConfig {
    /** metadata.max.idle.ms: a topic not sent to this long is no longer asked for (dependency patch 22). */
    metadataMaxIdle?: number;
  }
}

/** How a client's kafkajs instance is made besides its properties. */
interface ClientOptions {
  /** A task's `[connector|task-N]`, before each of its log lines. */
  readonly logContext?: string | undefined;
  readonly sockets?: ClosableSockets;
  /** retry.backoff.max.ms (producer and consumer settings; kafkajs' admin keeps Java's default, 1000). */
  readonly retryBackoffMaxMs?: number;
  /** kafkajs' retries of a request (its client's): CLIENT_RETRIES unless fewer. */
  readonly retries?: number;
  /** A consumer's: told of each partition its fetch found out of range, with the position reset to. */
  readonly outOfRange?: OutOfRangeReset;
}

export class KafkajsPort implements KafkaPort {
  /** One limiter for all of this gateway's clients: an outage makes each of them log the same lines. */
  private readonly logLimiter = clientLogLimiter(systemClock);

  constructor(private readonly logs: LogManager = logManager) {}

  /** A kafkajs client. */
  private kafka(
    props: ClientProperties,
    { logContext, sockets, retryBackoffMaxMs, retries = CLIENT_RETRIES, outOfRange }: ClientOptions = {},
  ): { kafka: Kafka; settings: ConnectionSettings; log: Logger } {
    const settings = connectionSettings(props);
    const clients = this.logs.get("org.apache.kafka.clients");
    const log = logContext ? clients.withContext(logContext) : clients;
    const config: KafkaConfig = {
      brokers: settings.brokers,
      clientId: settings.clientId,
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      retry: {
        initialRetryTime: settings.retryBackoffMs,
        retries,
        maxRetryTime: 5000,
        leaderlessMaxRetryTime: retryBackoffMaxMs,
      },
      logLevel: logLevel.WARN,
      // kafkajs logs every retried protocol error as ERROR; the caller decides what is fatal.
      logCreator: () => clientLog(log, this.logLimiter, sockets ? () => sockets.closed : undefined, outOfRange),
    };
    if (settings.tls) {
      config.ssl = kafkaTlsOptions(settings.tls);
    }
    if (settings.sasl) config.sasl = settings.sasl as KafkaConfig["sasl"];
    const factory = sockets?.factory ?? defaultSocketFactory();
    config.socketFactory = settings.tls ? tlsRefusedSockets(factory) : factory;
    return { kafka: new Kafka(config), settings, log };
  }

  /**
   * A connected admin client. Given `bound.oneTry` (a probe of one broker, clusterIdAt), its client makes no retries;
   * `bound.signal` abandons the connect. A connect that failed or was abandoned leaves no connection open.
   */
  async admin(properties: ClientProperties, bound?: CallBound): Promise<KafkaAdmin> {
    const sockets = new ClosableSockets(ADMIN_CLOSE);
    const { kafka } = this.kafka(properties, { sockets, retries: bound?.oneTry ? 0 : CLIENT_RETRIES });
    const admin = kafka.admin();
    const signal = bound?.signal;
    try {
      const connected = admin.connect();
      if (signal && (await abortable(connected, signal)) === ABORTED) throw signal.reason;
      await connected;
    } catch (error) {
      sockets.close();
      await admin.disconnect().catch(() => undefined);
      throw signal?.aborted ? error : wrap(error, "Failed to connect the admin client");
    }
    return new KafkajsAdmin(kafka, admin, sockets);
  }

  async producer(properties: ClientProperties, options?: ProducerOptions): Promise<KafkaProducer> {
    // Its own client's connections: none is made again after the producer's forced close or a send's delivery timeout.
    // Unit-tested only (the factory: closable-sockets.test.ts; forceClose and the delivery timeout calling it:
    // producer.test.ts), no real-broker test of the wiring.
    const sockets = new ClosableSockets(PRODUCER_FORCE_CLOSE);
    const settings = producerSettings(properties);
    const { retryBackoffMaxMs } = settings;
    const { kafka, log } = this.kafka(properties, { logContext: options?.logContext, sockets, retryBackoffMaxMs });
    const { type, level } = settings.compression;
    if (level !== undefined) {
      const key = `compression.${type}.level`;
      invalidProperty(key, properties[key], "not supported by kafka.client=kafkajs (use kafka.client=platformatic)");
    }
    const producer = kafka.producer({
      idempotent: settings.idempotent,
      // The adapter writes one send at a time (producer.ts); kafkajs' idempotent producer needs 1.
      maxInFlightRequests: settings.idempotent ? 1 : settings.maxInFlight,
      allowAutoTopicCreation: true,
      metadataMaxAge: settings.metadataMaxAgeMs, // partitions added to a topic are used once older
      // A topic not sent to this long is no longer asked for, allowing auto-creation: deleted, it is not created again.
      metadataMaxIdle: settings.metadataMaxIdleMs,
      createPartitioner: pinningPartitioner,
      // A send a Produce request of which may have been written is retried with its sequences (producer.ts) up to Java's
      // `retries` (its default, 2^31-1, as kafkajs' unbounded count), until delivery.timeout.ms: given up after the
      // client's retries and sent again on a new producer, such a batch was written twice (explore31 F1). One nothing of
      // which may be written is given up after the client's retries, as before: the runtime sends it again and says why.
      retry: {
        retries: settings.retries >= 2_147_483_647 ? Number.MAX_SAFE_INTEGER : settings.retries,
        unwrittenRetries: CLIENT_RETRIES,
        maxRetryTime: retryBackoffMaxMs,
      },
    });
    try {
      await producer.connect();
    } catch (error) {
      throw wrap(error, "Failed to connect the producer");
    }
    const { acks, requestTimeoutMs, deliveryTimeoutMs, idempotent } = settings;
    const compression = kafkajsCompression(settings.compression.type);
    const send = { acks, compression, requestTimeoutMs, deliveryTimeoutMs, idempotent };
    return new KafkajsProducer(producer, send, () => sockets.close(), log);
  }

  async consumer(options: ConsumerOptions): Promise<KafkaConsumer> {
    const settings = consumerSettings(options.properties);
    const { kafka, settings: connection } = this.kafka(options.properties, {
      logContext: options.logContext,
      retryBackoffMaxMs: settings.retryBackoffMaxMs,
      // Java's INFO pair per partition (its log and the consumer are made below, before kafkajs fetches anything)
      outOfRange: (tp, position, reset, leader) => {
        log.outOfRange(tp, position, leader);
        log.resetPosition(tp, reset, leader);
        consumer.outOfRangeReset(tp, reset);
      },
    });
    if (settings.groupInstanceId !== null) {
      invalidProperty(
        "group.instance.id",
        settings.groupInstanceId,
        "static membership is not supported by kafka.client=kafkajs (use kafka.client=platformatic)",
      );
    }
    const { groupId, logContext } = options;
    const log = new ConsumerLog(this.logs, { clientId: connection.clientId, groupId, logContext });
    // Each fetched batch checked before kafkajs reads it (check.crcs, decompressed size): fetch-checks.ts;
    // one that fails them is reported while the member is still in its group (invalid-batch-hold.ts).
    const hold = new InvalidBatchHold();
    const checked = withFetchChecks(kafka, batchChecks(settings), hold, (failure, before) =>
      log.invalidBatchAnswered(failure.tp, before),
    );
    const { requestTimeoutMs, retryBackoffMs } = connection;
    const consumer = new KafkajsConsumer(checked, options, settings, { requestTimeoutMs, retryBackoffMs }, log, hold);
    return consumer;
  }
}
