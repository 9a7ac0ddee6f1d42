/**
 * A topic a sink consumes deleted while the task runs, in the whole gateway against the real broker
 * (review-partfix P3): as Connect's consumer, the task goes on with its other topic. Its consumer gives the deleted topic up at the
 * rejoin, the task stays RUNNING, and every record of the other topic reaches the file once (kafkajs: at
 * least once). With
 * two tasks (review-partfix2 P1) the member that owns none of the deleted topic's partitions gives
 * it up too, at the first of its fetch, JoinGroup or (leader) SyncGroup that fails on it, rather than
 * failing its task; its watch looks only every 30 s here. kafkajs (explore13 F2) cannot drop a topic
 * from its subscription: its consumer fails on the deleted topic (or its watch finds it gone, every
 * `metadata.max.age.ms`) and the task starts a new one without it, which subscribes to the topics that
 * exist; with two tasks the member owning none of the deleted topic's partitions gives it up at its
 * watch's next look-up (1 s here).
 */
import { expect, test } from "bun:test";
import { createTopicsOn, producePerPartition, stableSubscriptions, testClient, uniqueTopic } from "./support/kafka.ts";
import { startPartitionedFileSink } from "./support/partitioned-file-sink.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

// Each case has a gateway, topics and group of its own and mostly waits (rejoins, metadata look-ups): they run at once.
test.concurrent.each([
  ["platformatic", "1", "200"],
  ["platformatic", "2", "30000"],
  ["kafkajs", "1", "200"],
  ["kafkajs", "2", "1000"],
] as const)(
  "kafka.client=%s, tasks.max=%s: a sink whose topic is deleted goes on with its other topic, each record once (kafkajs: at least once)",
  async (client, tasksMax, maxAgeMs) => {
    await using dir = await tempDir();
    const deleted = uniqueTopic("sink-deleted");
    const kept = uniqueTopic("sink-kept");
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await createTopicsOn(admin, [
        { topic: deleted, numPartitions: 1 },
        { topic: kept, numPartitions: 1 },
      ]);
      await producePerPartition(deleted, 1, 1, (_, i) => `deleted:${i}`);
      await producePerPartition(kept, 1, 2, (_, i) => `kept:${i}`);
      const sink = await startPartitionedFileSink(dir, client, `${deleted},${kept}`, {
        worker: { "offset.flush.interval.ms": "3600000" },
        connector: {
          "tasks.max": tasksMax,
          "consumer.override.metadata.max.age.ms": maxAgeMs,
          "consumer.override.allow.auto.create.topics": "false",
        },
      });
      await using gw = sink.gw;
      const { lines, name } = sink;
      // kafkajs' consumer may fail on the deleted topic before the task committed what it delivered: the
      // records since the last commit come again from the new consumer (at least once).
      const delivered = async () => [...new Set(await lines())];
      await waitFor(async () => (await lines()).length === 3, { what: "the records of both topics" });
      const groupId = `connect-${name}`;
      const members = Number(tasksMax);
      await waitFor(async () => (await stableSubscriptions(admin, groupId))?.length === members, {
        what: `${members} member(s) in the group`,
      });

      await admin.deleteTopics({ topics: [deleted] });
      await producePerPartition(kept, 1, 2, (_, i) => `kept:${i}`, 2);
      await waitFor(async () => (await delivered()).length === 5, {
        what: `the records sent to ${kept} after the deletion`,
      });
      // Every member rejoined without the deleted topic: nothing left to fail on it.
      await waitFor(
        async () =>
          JSON.stringify(await stableSubscriptions(admin, groupId)) ===
          JSON.stringify(Array.from({ length: members }, () => [kept])),
        { what: "every member subscribed to the kept topic only" },
      );
      await producePerPartition(kept, 1, 1, (_, i) => `kept:${i}`, 4);
      await waitFor(async () => (await delivered()).length === 6, {
        what: `a record sent to ${kept} after the rejoins`,
      });
      expect((await delivered()).sort()).toEqual(["deleted:0", "kept:0", "kept:1", "kept:2", "kept:3", "kept:4"]);
      if (client === "platformatic") expect((await lines()).length).toBe(6);
      const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
      expect(status?.connector?.state).toBe("RUNNING");
      expect(status?.tasks?.map((t: { state: string }) => t.state)).toEqual(Array(members).fill("RUNNING"));
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  },
  120_000,
);
