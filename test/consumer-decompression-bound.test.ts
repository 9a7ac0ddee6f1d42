/**
 * The bound on what one Fetch answer's batches decompress to, on both Kafka clients, against the
 * real broker: small gzip batches that each expand to 100 MiB, all in one answer (300 KiB on the
 * wire), are never held decompressed at once past the consumer's bound (the larger of
 * fetch.max.bytes and 256 MiB); the batches past it are fetched again after the ones before them
 * are delivered, so every record arrives, in order, and the consumer does not fail.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { CompressionTypes } from "kafkajs";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { createTopic, type KafkaInfo, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { waitFor } from "./support/wait-for.ts";

const BATCHES = 3;
const VALUE_BYTES = 100 * 1024 * 1024;
const BOUND = 256 * 1024 * 1024;
let info: KafkaInfo;
const topic = uniqueTopic("decompression-bound");

beforeAll(async () => {
  info = await kafkaBroker();
  await createTopic(topic);
  const producer = (await testClient()).producer();
  await producer.connect();
  try {
    // One batch per send: one record of 100 MiB of zeros, ~100 KiB gzipped.
    for (let i = 0; i < BATCHES; i++)
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: [{ key: `k${i}`, value: Buffer.alloc(VALUE_BYTES) }],
      });
  } finally {
    await producer.disconnect();
  }
}, 60_000);

describe.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])("kafka.client=%s", (adapter) => {
  test("an answer of batches that expand past the bound is read over several fetches, all of it", async () => {
    const port = kafkaPorts[adapter](new LogManager({ sink: () => {} }));
    const consumer = await port.consumer({
      groupId: uniqueTopic("decompression-bound-group"),
      topics: [topic],
      properties: { "bootstrap.servers": info.bootstrap, "auto.offset.reset": "earliest" },
    });
    // What each onRecords call held decompressed, and the offsets delivered (the values not kept).
    const held: number[] = [];
    const offsets: number[] = [];
    const crashes: Error[] = [];
    await consumer.start({
      onRecords: async (records) => {
        held.push(records.reduce((sum, r) => sum + (r.value?.length ?? 0), 0));
        offsets.push(...records.map((r) => r.offset));
      },
      onPartitionsRevoked: async () => {},
      onPartitionsAssigned: async () => {},
      onPartitionsLost: async () => {},
      onCrash: (e) => void crashes.push(e),
    });
    try {
      await waitFor(() => offsets.length === BATCHES || crashes.length > 0, {
        what: "every record",
        timeoutMs: 60_000,
      });
      expect(crashes).toEqual([]);
      expect(offsets).toEqual([0, 1, 2]);
      expect(held.length).toBeGreaterThan(1);
      for (const bytes of held) expect(bytes).toBeLessThanOrEqual(BOUND);
    } finally {
      await consumer.close().catch(() => undefined);
    }
  }, 90_000);
});
