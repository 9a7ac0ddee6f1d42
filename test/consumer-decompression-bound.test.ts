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
/** Two partitions of FAIR_BATCHES such batches each: one answer holds two of them decompressed. */
const fairTopic = uniqueTopic("decompression-bound-fair");
const FAIR_BATCHES = 4;

beforeAll(async () => {
  info = await kafkaBroker();
  await createTopic(topic);
  await createTopic(fairTopic, 2);
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
    for (let i = 0; i < 2 * FAIR_BATCHES; i++)
      await producer.send({
        topic: fairTopic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: [{ partition: i % 2, value: Buffer.alloc(VALUE_BYTES) }],
      });
  } finally {
    await producer.disconnect();
  }
}, 60_000);

/** A consumer of `topics` whose deliveries are kept: what each held decompressed, and the records (no values). */
async function consume(adapter: keyof typeof kafkaPorts, topics: string[]) {
  const port = kafkaPorts[adapter](new LogManager({ sink: () => {} }));
  const consumer = await port.consumer({
    groupId: uniqueTopic("decompression-bound-group"),
    topics,
    properties: { "bootstrap.servers": info.bootstrap, "auto.offset.reset": "earliest" },
  });
  const held: number[] = [];
  const delivered: { partition: number; offset: number }[] = [];
  const crashes: Error[] = [];
  await consumer.start({
    onRecords: async (records) => {
      held.push(records.reduce((sum, r) => sum + (r.value?.length ?? 0), 0));
      delivered.push(...records.map((r) => ({ partition: r.partition, offset: r.offset })));
    },
    onPartitionsRevoked: async () => {},
    onPartitionsAssigned: async () => {},
    onPartitionsLost: async () => {},
    onCrash: (e) => void crashes.push(e),
  });
  return { consumer, held, delivered, crashes };
}

describe.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])("kafka.client=%s", (adapter) => {
  test("an answer of batches that expand past the bound is read over several fetches, all of it", async () => {
    const { consumer, held, delivered, crashes } = await consume(adapter, [topic]);
    try {
      await waitFor(() => delivered.length === BATCHES || crashes.length > 0, {
        what: "every record",
        timeoutMs: 60_000,
      });
      expect(crashes).toEqual([]);
      expect(delivered.map((r) => r.offset)).toEqual([0, 1, 2]);
      expect(held.length).toBeGreaterThan(1);
      for (const bytes of held) expect(bytes).toBeLessThanOrEqual(BOUND);
    } finally {
      await consumer.close().catch(() => undefined);
    }
  }, 90_000);
});

// The default client (kafkajs' fetch requests are its own: README, known limitations).
test("kafka.client=platformatic: a partition held back is read before the others' backlog is (no starvation)", async () => {
  const { consumer, held, delivered, crashes } = await consume("platformatic", [fairTopic]);
  try {
    await waitFor(() => delivered.length === 2 * FAIR_BATCHES || crashes.length > 0, {
      what: "every record",
      timeoutMs: 90_000,
    });
    expect(crashes).toEqual([]);
    for (const bytes of held) expect(bytes).toBeLessThanOrEqual(BOUND);
    // Each partition's first record comes before the other's last: the one whose batch was held back
    // while the other had more (a fetch session serves the partitions in the same order) waits not.
    const order = delivered.map((r) => r.partition);
    for (const p of [0, 1]) expect(order.indexOf(p)).toBeLessThan(order.lastIndexOf(1 - p));
  } finally {
    await consumer.close().catch(() => undefined);
  }
}, 120_000);
