/**
 * A topic the gateway creates itself (a dead letter queue, a source task's topic.creation.*) takes
 * its first records at once, exactly once. Leftover (session 13): the adapters' createTopic
 * returned once Metadata named a leader for every partition, but a broker names the leader before
 * it has made the partition's log and refuses a Produce with NOT_LEADER_OR_FOLLOWER until then. On
 * this machine 13 of 15 first sends right after createTopic were refused; the platformatic producer
 * retried them with a warning, and the kafkajs adapter's non-idempotent producer (acks=1 or
 * enable.idempotence=false) retried the whole request and wrote the partitions that had taken it
 * twice (8 of 10 new 4-partition topics got duplicates). createTopic now returns once every
 * partition's leader answers ListOffsets (0 of 20 refused, 0 duplicates).
 */
import { expect, test } from "bun:test";
import type { ProducerRecord } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";

const PARTITIONS = 4;
const TOPICS = 3;

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: the first sends to topics createTopic made are taken at once, each record written once",
  async (client) => {
    const { bootstrap } = await kafkaBroker();
    const warnings: string[] = [];
    const logs = new LogManager({ sink: (line) => void (/ (WARN|ERROR) /.test(line) && warnings.push(line)) });
    const port = kafkaPorts[client](logs);
    const admin = await port.admin({ "bootstrap.servers": bootstrap });
    const producer = await port.producer({ "bootstrap.servers": bootstrap, "enable.idempotence": "false" });
    const k = await testClient();
    // Not idempotent: a refused partition makes kafkajs send the whole request again, and the
    // partitions that had taken it get their record twice.
    const plain = k.producer();
    const reader = k.admin();
    await plain.connect();
    await reader.connect();
    try {
      for (let i = 0; i < TOPICS; i++) {
        const topic = uniqueTopic(`created-first-send-${client}`);
        expect(await admin.createTopic({ topic, partitions: PARTITIONS, replicationFactor: 1 })).toBe(true);
        const partitions = Array.from({ length: PARTITIONS }, (_, p) => p);
        await plain.send({ topic, acks: -1, messages: partitions.map((partition) => ({ partition, value: "a" })) });
        const records: ProducerRecord[] = partitions.map((partition) => ({
          topic,
          partition,
          key: null,
          value: Buffer.from("b"),
          headers: [],
          timestamp: null,
        }));
        await producer.send(records);
        const ends = await reader.fetchTopicOffsets(topic);
        expect(ends.map((o) => [o.partition, o.high]).sort()).toEqual(partitions.map((p) => [p, "2"]));
      }
      expect(warnings).toEqual([]);
    } finally {
      await plain.disconnect();
      await reader.disconnect();
      await producer.close();
      await admin.close();
    }
  },
  60_000,
);
