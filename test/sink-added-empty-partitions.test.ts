/**
 * Partitions added to a topic a sink consumes that stay empty for a while (explore13 F3), in the
 * whole gateway against the real broker: the rejoin assigns the task the new partitions, whose
 * positions (no committed offset, end offset 0) are looked up at once, and the old partitions go
 * on being delivered meanwhile; what is written to the new ones later is delivered too, and the task
 * stays RUNNING. The kafkajs client used to look the position up over a connection whose metadata
 * did not know the new partitions yet, so the task delivered nothing for 60 s and then FAILED.
 */
import { expect, test } from "bun:test";
import { awaitTopic, produce, producePerPartition, testClient, uniqueTopic } from "./support/kafka.ts";
import { assignedPerMember, startTwoPartitionSink } from "./support/partitioned-file-sink.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test.each(["platformatic", "kafkajs"] as const)(
  "kafka.client=%s: a sink goes on delivering while partitions added to its topic stay empty, then delivers theirs",
  async (client) => {
    await using dir = await tempDir();
    const topic = uniqueTopic(`sink-added-empty-partitions-${client}`);
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      const sink = await startTwoPartitionSink(dir, admin, client, topic);
      await using gw = sink.gw;
      const { name, count, written } = sink;

      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      await awaitTopic(topic);
      const assigned = async () => (await assignedPerMember(admin, `connect-${name}`)).reduce((a, b) => a + b, 0);
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
