/**
 * The KafkaPort adapter over @platformatic/kafka 2.12 for the data path's hot half: the producer
 * (what every source connector and ingest request goes through). Admin calls and consumer groups
 * are delegated to the kafkajs adapter, whose group handling (zombie fencing, topic readiness,
 * pause/resume/seek) the sink runtime is tested against; the sink path's limit is the runtime,
 * not the client (BENCHMARKS.md). Only the modules in this folder import @platformatic/kafka.
 */
import { Producer } from "@platformatic/kafka";
import type { LogManager } from "../../util/logger.ts";
import { logManager } from "../../util/logger.ts";
import { connectionSettings, producerSettings } from "../client-config.ts";
import type {
  ClientProperties,
  ConsumerOptions,
  KafkaAdmin,
  KafkaConsumer,
  KafkaPort,
  KafkaProducer,
} from "../kafka-port.ts";
import { KafkajsPort } from "../kafkajs/adapter.ts";
import { wrap } from "./errors.ts";
import { PlatformaticProducer } from "./producer.ts";

const SASL = { plain: "PLAIN", "scram-sha-256": "SCRAM-SHA-256", "scram-sha-512": "SCRAM-SHA-512" } as const;

export class PlatformaticPort implements KafkaPort {
  private readonly kafkajs: KafkajsPort;

  constructor(logs: LogManager = logManager) {
    this.kafkajs = new KafkajsPort(logs);
  }

  admin(properties: ClientProperties): Promise<KafkaAdmin> {
    return this.kafkajs.admin(properties);
  }

  consumer(options: ConsumerOptions): Promise<KafkaConsumer> {
    return this.kafkajs.consumer(options);
  }

  async producer(properties: ClientProperties): Promise<KafkaProducer> {
    const c = connectionSettings(properties);
    const p = producerSettings(properties);
    const t = c.tls;
    const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: c.clientId,
      bootstrapBrokers: c.brokers,
      connectTimeout: c.connectionTimeoutMs,
      requestTimeout: c.requestTimeoutMs,
      timeout: c.requestTimeoutMs,
      // Short: the runtime retries sends itself, with backoff, and reports them.
      retries: 3,
      retryDelay: c.retryBackoffMs,
      idempotent: p.idempotent,
      acks: p.acks,
      ...(p.compression === "gzip" ? { compression: "gzip" as const } : {}),
      autocreateTopics: true,
      ...(t
        ? {
            tls: {
              rejectUnauthorized: true,
              ...(t.ca ? { ca: t.ca } : {}),
              ...(t.cert && t.key ? { cert: t.cert, key: t.key } : {}),
              ...(t.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
              minVersion: t.protocols.minVersion,
              maxVersion: t.protocols.maxVersion,
              ciphers: t.protocols.ciphers,
            },
          }
        : {}),
      ...(c.sasl
        ? { sasl: { mechanism: SASL[c.sasl.mechanism], username: c.sasl.username, password: c.sasl.password } }
        : {}),
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
}
