/**
 * Partitions added to a topic a sink consumes, in the whole gateway against the real broker
 * (explore11 F1): as Connect's consumer does at its next metadata refresh, the task's consumer
 * rejoins its group within `metadata.max.age.ms` and is assigned the new partitions, without a task
 * restart, also while paused (assigned then, read after the resume). Apache's FileStreamSink commits only when it gives its partitions up (no periodic commit
 * here), so the rejoin's revocation is what commits: the old partitions resume after what was
 * written, and every record reaches the file exactly once. With two tasks, only the group's leader
 * rejoins for the change (as Java's), as the member it was, so the group rebalances once.
 */
import { expect, test } from "bun:test";
import type { Admin } from "kafkajs";
import { awaitTopic, producePerPartition, testClient, uniqueTopic } from "./support/kafka.ts";
import { assignedPerMember, startTwoPartitionSink } from "./support/partitioned-file-sink.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** The generation and member of each "Successfully synced group" line in the gateway's log, in order. */
function syncs(output: string): { generation: string; member: string }[] {
  return [
    ...output.matchAll(/Successfully synced group in generation Generation\{generationId=(\d+), memberId='([^']*)'/g),
  ].map((m) => ({ generation: m[1]!, member: m[2]! }));
}

/** The generation of each "Successfully synced group" line in the gateway's log, in order. */
const syncedGenerations = (output: string) => syncs(output).map((s) => s.generation);

/** Adds partitions 2 and 3 to `topic`, awaiting their metadata. */
async function growToFour(admin: Admin, topic: string): Promise<void> {
  await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
  await awaitTopic(topic);
  const partitions = async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
  await waitFor(async () => (await partitions()) === 4, { what: `${topic} with 4 partitions` });
}

/** The records of every partition, values 3..5 on all four after the change, each once and in order. */
const ALL_FOUR = { "0": [0, 1, 2, 3, 4, 5], "1": [0, 1, 2, 3, 4, 5], "2": [3, 4, 5], "3": [3, 4, 5] };

// Every case of this file has a gateway, topic and group of its own and mostly waits (rebalances): they run at once.
test.concurrent.each([
  ["platformatic", "RUNNING"],
  ["kafkajs", "RUNNING"],
  ["platformatic", "PAUSED"],
  ["kafkajs", "PAUSED"],
] as const)(
  "kafka.client=%s: a sink consumes partitions added to its topic while it is %s, each record once",
  async (client, state) => {
    await using dir = await tempDir();
    const topic = uniqueTopic(`sink-added-partitions-${client}`);
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      // Nothing is committed on a timer: only at revocation (and at stop).
      const sink = await startTwoPartitionSink(dir, admin, client, topic, {
        worker: { "offset.flush.interval.ms": "3600000" },
      });
      await using gw = sink.gw;
      const { name, count, written } = sink;

      const states = async () => {
        const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
        return `${status?.connector?.state}/${status?.tasks?.[0]?.state}`;
      };
      if (state === "PAUSED") {
        expect((await gw.rest.put(`/connectors/${name}/pause`)).status).toBe(202);
        await waitFor(async () => (await states()) === "PAUSED/PAUSED", { what: "paused" });
      }
      await growToFour(admin, topic);
      // Values 3..5 on every partition: the added ones' first records too.
      await producePerPartition(topic, 4, 3, (p, i) => `${p}:${i}`, 3);
      if (state === "PAUSED") {
        // As Connect's: the paused task's consumer is assigned the added partitions, and reads
        // nothing until the resume.
        const assigned = async () => (await assignedPerMember(admin, `connect-${name}`)).join();
        await waitFor(async () => (await assigned()) === "4", {
          what: "the paused task assigned the added partitions",
        });
        expect(await count()).toBe(6);
        expect((await gw.rest.put(`/connectors/${name}/resume`)).status).toBe(202);
      }
      await waitFor(async () => (await count()) === 18, { what: "the records of all four partitions" });
      expect(await written()).toEqual(ALL_FOUR);
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  },
  120_000,
);

// review-partfix P3: every member's watch saw the change and rejoined: two rebalances for one change.
test.concurrent.each(["platformatic", "kafkajs"] as const)(
  "kafka.client=%s, tasks.max=2: partitions added are assigned in one rebalance, each record delivered once",
  async (client) => {
    await using dir = await tempDir();
    const topic = uniqueTopic(`sink-added-partitions-2tasks-${client}`);
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      const sink = await startTwoPartitionSink(dir, admin, client, topic, {
        worker: { "offset.flush.interval.ms": "3600000" },
        connector: { "tasks.max": "2" },
      });
      await using gw = sink.gw;
      const { name, count, written } = sink;
      const perMember = async () => (await assignedPerMember(admin, `connect-${name}`)).sort().join();
      await waitFor(async () => (await perMember()) === "1,1", { what: "both tasks assigned a partition" });
      // Both members logged their sync in the group's generation (a member's line may come after the
      // group is stable): the generations after are the change's.
      await waitFor(
        () => {
          const ids = syncedGenerations(gw.output());
          return ids.filter((id) => id === ids.at(-1)).length === 2;
        },
        { what: "both members synced in one generation" },
      );
      const before = syncedGenerations(gw.output()).length;
      const members = new Set(
        syncs(gw.output())
          .slice(-2)
          .map((s) => s.member),
      );

      await growToFour(admin, topic);
      await producePerPartition(topic, 4, 3, (p, i) => `${p}:${i}`, 3);
      await waitFor(async () => (await count()) === 18, { what: "the records of all four partitions" });
      await waitFor(async () => (await perMember()) === "2,2", { what: "two partitions per task" });
      expect(await written()).toEqual(ALL_FOUR);
      // Both members synced in the one generation the leader's rejoin started, and in no other.
      const after = await waitFor(
        () => {
          const ids = syncedGenerations(gw.output()).slice(before);
          return ids.length >= 2 && ids;
        },
        { what: "both members' syncs after the change logged" },
      );
      expect(after.length).toBe(2);
      expect(new Set(after).size).toBe(1);
      // The leader rejoined as itself (a JoinGroup, no LeaveGroup): a member that left and joined
      // again would have a new member id, and the follower could rebalance once without it.
      expect(
        new Set(
          syncs(gw.output())
            .slice(before)
            .map((s) => s.member),
        ),
      ).toEqual(members);
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  },
  120_000,
);
