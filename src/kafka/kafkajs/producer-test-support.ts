/**
 * Building blocks for KafkajsProducer's unit tests: the settings it sends with, the names of the kafkajs
 * instrumentation events it listens to, and records to send. Tests only.
 */
import type { ProducerRecord } from "../kafka-port.ts";

/** Java's producer defaults (acks=all, idempotent), no compression. */
export const SETTINGS = {
  acks: -1,
  compression: 0,
  requestTimeoutMs: 30_000,
  deliveryTimeoutMs: 120_000,
  idempotent: true,
};

/** kafkajs' producer instrumentation events KafkajsProducer counts Produce requests by. */
export const EVENTS = { REQUEST: "producer.network.request", REQUEST_TIMEOUT: "producer.network.request_timeout" };

/** A keyless one-byte record for `topic`, its partition the partitioner's. */
export const record = (topic: string): ProducerRecord => ({
  topic,
  partition: null,
  key: null,
  value: new Uint8Array([1]),
  headers: [],
  timestamp: null,
});
