/**
 * The Kafka adapters the gateway ships, by the name the worker key `kafka.client` takes. Only
 * `app.ts` (and the adapter tests, which run every one of them) pick from this list.
 *
 * Each adapter's module graph (its client library: ~35 MiB of RSS for @platformatic/kafka) is
 * loaded on the first call, so a gateway pays only for the client it uses.
 */
import type { LogManager } from "../util/logger.ts";
import { withCertificateRefusals } from "./certificate-refusals.ts";
import type {
  CallBound,
  ClientProperties,
  ConsumerOptions,
  KafkaAdmin,
  KafkaConsumer,
  KafkaPort,
  KafkaProducer,
  ProducerOptions,
} from "./kafka-port.ts";

class LazyPort implements KafkaPort {
  private port: Promise<KafkaPort> | undefined;

  constructor(private readonly load: () => Promise<KafkaPort>) {}

  private loaded(): Promise<KafkaPort> {
    this.port ??= this.load();
    return this.port;
  }

  async admin(properties: ClientProperties, bound?: CallBound): Promise<KafkaAdmin> {
    return (await this.loaded()).admin(properties, bound);
  }

  async producer(properties: ClientProperties, options?: ProducerOptions): Promise<KafkaProducer> {
    return (await this.loaded()).producer(properties, options);
  }

  async consumer(options: ConsumerOptions): Promise<KafkaConsumer> {
    return (await this.loaded()).consumer(options);
  }
}

/** Each adapter's clients say why a broker refused their certificate when their key store tells (certificate-refusals.ts). */
export const kafkaPorts = {
  kafkajs: (logs: LogManager): KafkaPort =>
    withCertificateRefusals(new LazyPort(async () => new (await import("./kafkajs/adapter.ts")).KafkajsPort(logs))),
  platformatic: (logs: LogManager): KafkaPort =>
    withCertificateRefusals(
      new LazyPort(async () => new (await import("./platformatic/adapter.ts")).PlatformaticPort(logs)),
    ),
} as const;

export type KafkaClientName = keyof typeof kafkaPorts;
