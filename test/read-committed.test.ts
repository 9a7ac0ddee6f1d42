/**
 * isolation.level=read_committed against the real broker, for every KafkaPort adapter: records of an
 * aborted transaction are never handed to the consumer, also when a Fetch answer ends before the
 * transaction's abort marker (an aborted transaction larger than max.partition.fetch.bytes; here the
 * limit is 1 byte, so each answer holds one batch). The platformatic adapter used to deliver them
 * (the library filters an aborted transaction only when its marker is in the same answer).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Producer, stringSerializers } from "@platformatic/kafka";
import type { ConsumedRecord } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { createTopic, kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { waitFor } from "./support/wait-for.ts";

let topic: string;

beforeAll(async () => {
  const info = await kafkaBroker();
  topic = uniqueTopic("read-committed");
  await createTopic(topic);
  const producer = new Producer({
    clientId: "read-committed-test",
    bootstrapBrokers: [info.bootstrap],
    idempotent: true,
    transactionalId: `${topic}-tx`,
    serializers: stringSerializers,
  });
  try {
    await producer.send({ messages: [{ topic, partition: 0, value: "before" }] });
    const aborted = await producer.beginTransaction();
    // One batch each: the 1-byte fetch limit then cuts every answer before the abort marker.
    for (let i = 0; i < 3; i++) await aborted.send({ messages: [{ topic, partition: 0, value: `aborted-${i}` }] });
    await aborted.abort();
    const committed = await producer.beginTransaction();
    await committed.send({ messages: [{ topic, partition: 0, value: "committed" }] });
    await committed.commit();
  } finally {
    await producer.close();
  }
});

describe.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])(
  "KafkaPort adapter %s, read_committed",
  (adapter) => {
    const port = kafkaPorts[adapter](new LogManager({ sink: () => {} }));
    let close: (() => Promise<void>) | undefined;
    afterAll(async () => {
      await close?.();
    });

    test("an aborted transaction whose marker is beyond the fetch answer is skipped; committed records come in order", async () => {
      const info = await kafkaBroker();
      const consumer = await port.consumer({
        groupId: `group-${topic}-${adapter}`,
        topics: [topic],
        properties: {
          "bootstrap.servers": info.bootstrap,
          "isolation.level": "read_committed",
          "auto.offset.reset": "earliest",
          "max.partition.fetch.bytes": "1",
          "fetch.max.wait.ms": "100",
          "heartbeat.interval.ms": "300",
        },
      });
      close = () => consumer.close();
      const received: ConsumedRecord[] = [];
      let crashed: unknown;
      await consumer.start({
        onRecords: async (records) => void received.push(...records),
        onPartitionsRevoked: async () => {},
        onPartitionsLost: async () => {},
        onPartitionsAssigned: async () => {},
        onCrash: (error) => {
          crashed = error;
        },
      });
      const values = () => received.map((r) => Buffer.from(r.value!).toString("utf8"));
      await waitFor(() => crashed !== undefined || values().includes("committed"), { what: "the committed record" });
      expect(crashed).toBeUndefined();
      expect(values()).toEqual(["before", "committed"]);
      // before, three aborted batches, their abort marker, then the committed record.
      expect(received.map((r) => r.offset)).toEqual([0, 5]);
    });
  },
);
