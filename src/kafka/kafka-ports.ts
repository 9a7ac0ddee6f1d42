/**
 * The Kafka adapters the gateway ships, by the name the worker key `kafka.client` takes. Only
 * `app.ts` (and the adapter tests, which run every one of them) pick from this list.
 */
import type { LogManager } from "../util/logger.ts";
import type { KafkaPort } from "./kafka-port.ts";
import { KafkajsPort } from "./kafkajs/adapter.ts";
import { PlatformaticPort } from "./platformatic/adapter.ts";

export const kafkaPorts = {
  kafkajs: (logs: LogManager): KafkaPort => new KafkajsPort(logs),
  platformatic: (logs: LogManager): KafkaPort => new PlatformaticPort(logs),
} as const;

export type KafkaClientName = keyof typeof kafkaPorts;
