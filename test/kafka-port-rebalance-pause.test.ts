/**
 * Pauses across rebalances, through the consumer port of every adapter against the real broker.
 * Java's consumer forgets the pause of a partition when it is unassigned: a partition the member
 * gives up paused and gets back later starts unpaused, and the sink task pauses it again only if it
 * still wants it paused (Connect's retainAll in WorkerSinkTask.HandleRebalance). kafkajs keeps its
 * pause set across the rebalances of one run(), so without the adapter forgetting it the partition
 * was never fetched again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TopicPartition } from "../src/api/record.ts";
import type { ConsumedRecord, KafkaAdmin, KafkaConsumer, KafkaPort } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { awaitTopic, type KafkaInfo, kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { waitFor } from "./support/wait-for.ts";

let info: KafkaInfo;

beforeAll(async () => {
  info = await kafkaBroker();
});

describe.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])("KafkaPort adapter %s", (adapter) => {
  let port: KafkaPort;
  let admin: KafkaAdmin;
  beforeAll(async () => {
    port = kafkaPorts[adapter](new LogManager({ sink: () => {} }));
    admin = await port.admin({ "bootstrap.servers": info.bootstrap });
  });
  afterAll(async () => {
    await admin.close();
  });

  async function produceOne(topic: string, partition: number): Promise<void> {
    await awaitTopic(topic);
    const producer = await port.producer({ "bootstrap.servers": info.bootstrap });
    try {
      const value = new TextEncoder().encode(`${partition}`);
      await producer.send([{ topic, partition, key: null, value, headers: [], timestamp: null }]);
    } finally {
      await producer.close();
    }
  }

  async function member(groupId: string, topic: string, received: ConsumedRecord[]): Promise<KafkaConsumer> {
    const consumer = await port.consumer({
      groupId,
      topics: [topic],
      properties: { "bootstrap.servers": info.bootstrap, "fetch.max.wait.ms": "100", "heartbeat.interval.ms": "300" },
    });
    await consumer.start({
      onRecords: async (records) => void received.push(...records),
      onPartitionsRevoked: async () => {},
      onPartitionsAssigned: async () => {},
      onPartitionsLost: async () => {},
      onCrash: (error) => {
        throw error;
      },
    });
    return consumer;
  }

  const partitions = (tps: readonly TopicPartition[]) => tps.map((tp) => tp.partition).sort();

  test("a partition given up paused and assigned again is fetched (its pause is forgotten with its assignment)", async () => {
    const topic = uniqueTopic("pause-rebalance");
    const groupId = `group-${topic}`;
    await admin.createTopic({ topic, partitions: 2, replicationFactor: 1 });
    const receivedA: ConsumedRecord[] = [];
    const receivedB: ConsumedRecord[] = [];
    const a = await member(groupId, topic, receivedA);
    await waitFor(() => a.assignment().length === 2, { what: "A owning both partitions" });
    a.pause(a.assignment());
    const b = await member(groupId, topic, receivedB);
    await waitFor(() => a.assignment().length === 1 && b.assignment().length === 1, {
      what: "one partition each",
      timeoutMs: 30_000,
    });
    // What A still owns it resumes; the partition B took was paused when A gave it up.
    a.resume(a.assignment());
    await b.close();
    await waitFor(() => a.assignment().length === 2, { what: "both partitions back with A", timeoutMs: 30_000 });
    await produceOne(topic, 0);
    await produceOne(topic, 1);
    await waitFor(() => receivedA.length === 2, { what: "A reading a record of each partition", timeoutMs: 30_000 });
    expect(partitions(receivedA)).toEqual([0, 1]);
    expect(receivedB).toEqual([]);
    await a.close();
  }, 90_000);
});
