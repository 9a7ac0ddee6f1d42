/**
 * metadata.max.age.ms on both producers against the real broker: partitions added to a topic while
 * a producer runs are used once its metadata of the topic is older than metadata.max.age.ms (Java's
 * producer refreshes it then, and its partitioner places keyed records over the new count). Earlier
 * releases' platformatic producer used them only after a send error made it ask again.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { createTopic, type KafkaInfo, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";

let info: KafkaInfo;
beforeAll(async () => {
  info = await kafkaBroker();
});

describe.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])("kafka.client=%s", (adapter) => {
  test("partitions added to a topic are used once its metadata is older than metadata.max.age.ms", async () => {
    const topic = uniqueTopic("metadata-max-age");
    await createTopic(topic, 1);
    const port = kafkaPorts[adapter](new LogManager({ sink: () => {} }));
    const producer = await port.producer({ "bootstrap.servers": info.bootstrap, "metadata.max.age.ms": "1" });
    const send = async (i: number) => {
      const record = { topic, partition: null, value: null, headers: [], timestamp: Date.now() };
      return (await producer.send([{ ...record, key: new TextEncoder().encode(`key-${i}`) }]))[0]!.partition;
    };
    try {
      expect(await send(0)).toBe(0);
      const admin = (await testClient()).admin();
      await admin.connect();
      try {
        await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      } finally {
        await admin.disconnect();
      }
      // The first send after the metadata aged may still go by the old count; the later ones, by
      // murmur2 of their keys over 4 partitions, reach the new ones (each key lands on 1-3 with 3/4).
      const partitions = new Set<number>();
      for (let i = 1; i <= 20; i++) partitions.add(await send(i));
      expect([...partitions].some((p) => p > 0)).toBe(true);
    } finally {
      await producer.close();
    }
  });
});
