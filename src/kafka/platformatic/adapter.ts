/**
 * The KafkaPort adapter over @platformatic/kafka 2.12: producer, admin and consumer groups. Only the
 * modules in this folder import the library (producer, admin, consumer with its partition fetcher;
 * client-options: Kafka client properties → the library's connection options; errors).
 */

import { type LogManager, logManager } from "../../util/logger.ts";
import { connectionSettings, consumerSettings } from "../client-config.ts";
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

/**
 * The library logs nothing itself (it emits events); its errors reach the runtime, which logs them.
 * The consumer logs its group steps and positions as Java's does (consumer-log.ts).
 * The producer's own retries (Kafka unreachable, leaders moving) are logged as warnings under
 * `org.apache.kafka.clients.producer`, as Java's producer does.
 */
export class PlatformaticPort implements KafkaPort {
  constructor(private readonly logs: LogManager = logManager) {}

  async admin(properties: ClientProperties, bound?: CallBound): Promise<KafkaAdmin> {
    const { connectPlatformaticAdmin } = await import("./admin.ts");
    return connectPlatformaticAdmin(properties, bound);
  }

  async consumer(options: ConsumerOptions): Promise<KafkaConsumer> {
    const connection = connectionSettings(options.properties);
    const settings = consumerSettings(options.properties);
    const { PlatformaticConsumer } = await import("./consumer.ts");
    const { clientId } = connection;
    const { groupId, logContext } = options;
    const log = new ConsumerLog(this.logs, {
      clientId,
      groupId,
      groupInstanceId: settings.groupInstanceId,
      logContext,
    });
    return new PlatformaticConsumer(options, connection, settings, log);
  }

  async producer(properties: ClientProperties, options?: ProducerOptions): Promise<KafkaProducer> {
    // Each part loads on first use (a gateway without source connectors needs no producer code).
    const { connectPlatformaticProducer } = await import("./producer-connection.ts");
    const { clientId } = connectionSettings(properties);
    const log = this.logs
      .get("org.apache.kafka.clients.producer")
      .withContext(`${options?.logContext ? `${options.logContext} ` : ""}[Producer clientId=${clientId}]`);
    const ignored = ignoredLz4Level(properties);
    if (ignored) log.warn(ignored);
    return connectPlatformaticProducer(properties, (message) => log.warn(message), options);
  }
}

/**
 * The warning for `compression.lz4.level` with `compression.type=lz4`: checked as Java's producer
 * checks it (1-17), but the bundled LZ4 encoder has one level (Java's default, 9, is LZ4 HC). Null
 * when the key is unset or another codec is in use.
 */
export function ignoredLz4Level(properties: ClientProperties): string | null {
  const level = properties["compression.lz4.level"]?.trim();
  if (!level || properties["compression.type"]?.trim() !== "lz4") return null;
  return (
    `compression.lz4.level=${level} is ignored: the LZ4 encoder of kafka.client=platformatic has one level ` +
    "(its fast one; Java's producer compresses with LZ4 HC at this level)"
  );
}
