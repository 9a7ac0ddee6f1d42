/**
 * Partitions added to a topic a sink consumes, in the whole gateway against the real broker
 * (explore11 F1): as Connect's consumer does at its next metadata refresh, the task's consumer
 * rejoins its group within `metadata.max.age.ms` and is assigned the new partitions, without a task
 * restart. Apache's FileStreamSink commits only when it gives its partitions up (no periodic commit
 * here), so the rejoin's revocation is what commits: the old partitions resume after what was
 * written, and every record reaches the file exactly once.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import {
  awaitTopic,
  createTopicsOn,
  kafkaBroker,
  producePerPartition,
  testClient,
  uniqueTopic,
} from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: a sink consumes partitions added to its topic while it runs, each record once",
  async (client) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic(`sink-added-partitions-${client}`);
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
      await producePerPartition(topic, 2, 3, (p, i) => `${p}:${i}`);

      const file = dir.file("sink.txt");
      /** The file's lines `p:i` grouped by partition, in the order written. */
      const written = async () => {
        const lines = (await Bun.file(file).exists()) ? (await Bun.file(file).text()).split("\n") : [];
        const byPartition: Record<string, number[]> = {};
        for (const line of lines.filter((l) => l !== "")) {
          const [p, i] = line.split(":") as [string, string];
          byPartition[p] = [...(byPartition[p] ?? []), Number(i)];
        }
        return byPartition;
      };
      const count = async () => Object.values(await written()).flat().length;

      await using gw = await startGateway({
        dir: dir.path,
        worker: {
          "bootstrap.servers": kafka.bootstrap,
          "data.dir": dir.file("data"),
          "kafka.client": client,
          // Nothing is committed on a timer: only at revocation (and at stop).
          "offset.flush.interval.ms": "3600000",
        },
      });
      const created = await gw.rest.post("/connectors", {
        name: uniqueTopic("growing-sink"),
        config: {
          "connector.class": "FileStreamSink",
          topics: topic,
          file,
          "consumer.override.metadata.max.age.ms": "200",
          "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        },
      });
      expect(created.status).toBe(201);
      await waitFor(async () => (await count()) === 6, { what: "the records of the first two partitions" });

      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      await awaitTopic(topic);
      await waitFor(
        async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length === 4,
        {
          what: `${topic} with 4 partitions`,
        },
      );
      // Values 3..5 on every partition: the added ones' first records too.
      await producePerPartition(topic, 4, 3, (p, i) => `${p}:${i}`, 3);
      await waitFor(async () => (await count()) === 18, { what: "the records of all four partitions" });
      expect(await written()).toEqual({
        "0": [0, 1, 2, 3, 4, 5],
        "1": [0, 1, 2, 3, 4, 5],
        "2": [3, 4, 5],
        "3": [3, 4, 5],
      });
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  },
  120_000,
);
