/**
 * The KafkaPort adapter over @platformatic/kafka 2.12 for the data path's hot half: the producer
 * (what every source connector and ingest request goes through). Admin calls and consumer groups
 * are delegated to the kafkajs adapter, whose group handling (zombie fencing, topic readiness,
 * pause/resume/seek) the sink runtime is tested against; the sink path's limit is the runtime,
 * not the client (BENCHMARKS.md). Only the modules in this folder import @platformatic/kafka.
 */
import type { LogManager } from "../../util/logger.ts";
import { logManager } from "../../util/logger.ts";
import type {
  ClientProperties,
  ConsumerOptions,
  KafkaAdmin,
  KafkaConsumer,
  KafkaPort,
  KafkaProducer,
} from "../kafka-port.ts";
import { KafkajsPort } from "../kafkajs/adapter.ts";

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
    // Loaded on first use: the library's module graph costs ~35 MiB of RSS, which a gateway
    // without source connectors need not pay.
    const { connectPlatformaticProducer } = await import("./producer.ts");
    return connectPlatformaticProducer(properties);
  }
}
