/**
 * partitioner.ignore.keys against the real broker (Java's built-in partitioner, KIP-794): with true,
 * keyed records are placed as keyless ones are (sticky: one send's records of a topic to one
 * partition); with false, the default, by murmur2 of the key. Earlier releases accepted the key and
 * hashed keys regardless.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { createTopic, type KafkaInfo, kafkaBroker, readAll, uniqueTopic } from "./support/kafka.ts";

let info: KafkaInfo;
beforeAll(async () => {
  info = await kafkaBroker();
});

/** The partitions a send of 30 records with distinct keys landed on, as the broker answered and as it holds them. */
async function partitionsOfKeyedSend(extra: Record<string, string>): Promise<{ answered: number[]; held: number[] }> {
  const topic = uniqueTopic("ignore-keys");
  await createTopic(topic, 3);
  const port = kafkaPorts.platformatic(new LogManager({ sink: () => {} }));
  const producer = await port.producer({ "bootstrap.servers": info.bootstrap, ...extra });
  try {
    const records = Array.from({ length: 30 }, (_, i) => ({
      topic,
      partition: null,
      key: new TextEncoder().encode(`key-${i}`),
      value: new TextEncoder().encode(`value-${i}`),
      headers: [],
      timestamp: Date.now(),
    }));
    const answered = [...new Set((await producer.send(records)).map((m) => m.partition))].sort();
    const held = [...new Set((await readAll(topic)).map((r) => r.partition))].sort();
    return { answered, held };
  } finally {
    await producer.close();
  }
}

describe("partitioner.ignore.keys (platformatic producer, real broker)", () => {
  test("true: keyed records stick to one partition, as keyless ones", async () => {
    const { answered, held } = await partitionsOfKeyedSend({ "partitioner.ignore.keys": "true" });
    expect(answered).toHaveLength(1);
    expect(held).toEqual(answered);
  });

  test("false (the default): by the key's hash, over several partitions", async () => {
    const { answered, held } = await partitionsOfKeyedSend({ "partitioner.ignore.keys": "false" });
    expect(answered.length).toBeGreaterThan(1);
    expect(held).toEqual(answered);
  });
});
