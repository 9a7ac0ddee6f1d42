/**
 * Partitions added to a topic a sink consumes that stay empty for a while (explore13 F3), in the
 * whole gateway against the real broker: the rejoin assigns the task the new partitions, whose
 * positions (no committed offset, end offset 0) are looked up at once, and the old partitions go
 * on being delivered meanwhile; what is written to the new ones later is delivered too, and the task
 * stays RUNNING. The kafkajs client used to look the position up over a connection whose metadata
 * did not know the new partitions yet, so the task delivered nothing for 60 s and then FAILED.
 */
import { expect, test } from "bun:test";
import { AssignerProtocol } from "kafkajs";
import { startGateway } from "./support/gateway.ts";
import {
  awaitTopic,
  createTopicsOn,
  kafkaBroker,
  produce,
  producePerPartition,
  testClient,
  uniqueTopic,
} from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test.each(["platformatic", "kafkajs"] as const)(
  "kafka.client=%s: a sink goes on delivering while partitions added to its topic stay empty, then delivers theirs",
  async (client) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic(`sink-added-empty-partitions-${client}`);
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
        },
      });
      const name = uniqueTopic("growing-empty-sink");
      const created = await gw.rest.post("/connectors", {
        name,
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
      const assigned = async () => {
        const [group] = (await admin.describeGroups([`connect-${name}`])).groups;
        return (group?.members ?? []).flatMap((m) =>
          Object.values(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).flat(),
        ).length;
      };
      await waitFor(async () => (await assigned()) === 4, { what: "the task assigned the added partitions" });

      // The added partitions are still empty: the old ones are delivered all the same, well within
      // the 60 s after which a position not found fails the task.
      await producePerPartition(topic, 2, 3, (p, i) => `${p}:${i}`, 3);
      await waitFor(async () => (await count()) === 12, {
        what: "the old partitions' records while the added ones are empty",
      });
      await produce(
        topic,
        [2, 3].flatMap((p) => [0, 1, 2].map((i) => ({ value: `${p}:${i}`, partition: p }))),
      );
      await waitFor(async () => (await count()) === 18, { what: "the records of all four partitions" });
      expect(await written()).toEqual({
        "0": [0, 1, 2, 3, 4, 5],
        "1": [0, 1, 2, 3, 4, 5],
        "2": [0, 1, 2],
        "3": [0, 1, 2],
      });
      const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
      expect(`${status?.connector?.state}/${status?.tasks?.[0]?.state}`).toBe("RUNNING/RUNNING");
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  },
  120_000,
);
