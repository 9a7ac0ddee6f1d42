/**
 * A topic a sink consumes deleted and re-created with fewer partitions while the task runs, in the
 * whole gateway against the real broker (emptyparts P2). As with Java's consumer, the group's leader
 * rejoins for it: at once when it owns a partition the topic no longer has (its fetch finds it
 * missing and its counts are looked at now), else at its next `metadata.max.age.ms` look. Another
 * member owning such a partition stops fetching it until that rebalance, and does not rejoin for it
 * (review-platrefresh F1: its rejoin got the same assignment back, ~10 times a second). The tasks
 * stay RUNNING and go on reading the topic.
 */
import { expect, test } from "bun:test";
import { createTopicsOn, groupAssignment, producePerPartition, testClient, uniqueTopic } from "./support/kafka.ts";
import { startPartitionedFileSink } from "./support/partitioned-file-sink.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

// A `topics` subscription: with `topics.regex` the member may see the topic gone before it is
// created again, and then rejoins without it, to match it again at the next metadata refresh, as
// Java's consumer does; which of the two it sees is timing.
// One task: the only member leads, and rejoins at once (metadata.max.age.ms is 5 minutes). Two:
// which member owns the vanished partition is the broker's choice; the leader's look at its
// metadata.max.age.ms (2 s) rebalances the group when a follower owns it.
// kafkajs' member learns of the vanished partition from a fetch answered UNKNOWN_TOPIC_OR_PARTITION and the metadata
// it then asks (scripts/patches/kafkajs-fetch.mjs).
test.each([
  ["platformatic", "1", "300000"],
  ["platformatic", "2", "2000"],
  ["kafkajs", "1", "300000"],
  ["kafkajs", "2", "2000"],
] as const)(
  "kafka.client=%s: a topic re-created with fewer partitions, tasks.max=%s, is given up by a rebalance, the tasks RUNNING",
  async (client, tasks, maxAgeMs) => {
    await using dir = await tempDir();
    const topic = uniqueTopic("sink-recreated");
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
      await producePerPartition(topic, 2, 1, (p, i) => `old-${p}:${i}`);
      const sink = await startPartitionedFileSink(dir, client, topic, {
        worker: { "offset.flush.interval.ms": "3600000" },
        connector: {
          "tasks.max": tasks,
          "consumer.override.metadata.max.age.ms": maxAgeMs,
          "consumer.override.auto.offset.reset": "earliest",
        },
      });
      await using gw = sink.gw;
      const { lines, name } = sink;
      await waitFor(async () => (await lines()).length === 2, { what: "the records of the old topic" });
      const groupId = `connect-${name}`;
      const members = Number(tasks);
      await waitFor(async () => (await groupAssignment(admin, groupId)).flat().length === 2, {
        what: `both partitions assigned over ${members} member(s)`,
      });
      const joinsBefore = joins(gw.output());

      await admin.deleteTopics({ topics: [topic] });
      await waitFor(async () => !(await admin.listTopics()).includes(topic), { what: "the topic deleted" });
      await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
      // Where the task goes on in the re-created partition depends on where it was (and on what
      // its revocation committed): the last record tells that it reads it.
      await producePerPartition(topic, 1, 3, (p, i) => `new-${p}:${i}`);
      await waitFor(async () => (await lines()).includes("new-0:2"), { what: "the re-created topic's last record" });
      const wanted = JSON.stringify([...Array(members - 1).fill(""), `${topic}-0`]);
      const assignment = async () =>
        JSON.stringify((await groupAssignment(admin, groupId)).map((a) => a.join(",")).sort());
      await waitFor(async () => (await assignment()) === wanted, { what: `the group assigned ${topic}-0 only` });
      const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
      expect(status?.connector?.state).toBe("RUNNING");
      expect(status?.tasks?.map((t: { state: string }) => t.state)).toEqual(Array(members).fill("RUNNING"));
      // No member rejoined in a loop: per member, a rejoin for the deleted topic, one for the
      // re-created one (when it saw the topic gone), one for the leader's rebalance.
      const rejoins = joins(gw.output()) - joinsBefore;
      expect(rejoins).toBeLessThanOrEqual(3 * members);
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  },
  120_000,
);

/** The JoinGroups the gateway's consumers logged. */
function joins(output: string): number {
  return output.split("(Re-)joining group").length - 1;
}
