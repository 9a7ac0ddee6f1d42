/**
 * kafka.client=kafkajs: a sink's consumer whose partitions' leader, or its group's coordinator, stops or dies stays in
 * its group (README's broker outage notes, kafkajs). A 3-broker cluster of the test's own, a topic of 2
 * partitions (replication factor 3) led by node 2, a FileStreamSink reading it whose group node 3 coordinates. Node 2 is
 * (a) stopped, its partitions' leadership moving to node 3, then started again; node 3, leader and coordinator, is then
 * (b) killed with SIGKILL: its sockets refuse at once while the cluster still lists it, until the controller fences it.
 * The consumer's metadata is not renewed by age meanwhile (metadata.max.age.ms 5 minutes), so its fetches and
 * heartbeats go to the broker that left. Each fetch without an answer is made again after the retry backoff with fresh
 * metadata, and each heartbeat goes to the coordinator looked up again; the consumer never joins its group again, its
 * task stays RUNNING, and every record is delivered once.
 * Before (scripts/patches/kafkajs-fetch.mjs): kafkajs' runner retried the fetch from the killed broker, or the
 * heartbeat to it, a few times, then failed the consumer (`The consumer of group … stopped`): its task restarted it,
 * the group rebalanced and the records after the last commit were delivered again; a fetch answered
 * NOT_LEADER_OR_FOLLOWER, or a heartbeat answered NOT_COORDINATOR, rejoined the group.
 */
import { expect, test } from "bun:test";
import { fileLines } from "./support/broker-kill.ts";
import { deliveringSink } from "./support/delivering-sink.ts";
import { startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets, outageIngestWorker, readOwnTopic } from "./support/own-broker.ts";
import { groupCoordinatedBy, leaderOf, type OwnCluster, startOwnCluster } from "./support/own-cluster.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PARTITIONS = [0, 1];
/** Java names a group's coordinator node Integer.MAX_VALUE - its broker id. */
const JAVA_COORDINATOR_ID_OF_NODE_3 = 2_147_483_647 - 3;

const sumOf = (offsets: Map<number, number>) => [...offsets.values()].reduce((sum, o) => sum + o, 0);

/** Waits until no partition of `topic` is led by `nodeId` in the cluster's metadata. */
async function leadershipLeft(cluster: OwnCluster, topic: string, nodeId: number): Promise<void> {
  await waitFor(
    async () => {
      const leaders = await Promise.all(PARTITIONS.map((p) => leaderOf(cluster.bootstrap, topic, p)));
      return leaders.every((l) => l >= 0 && l !== nodeId);
    },
    { timeoutMs: 60_000, what: `the partitions of ${topic} led by another node than ${nodeId}` },
  );
}

test("a kafkajs sink's consumer stays in its group while its partitions' leader is stopped, then killed with its coordinator", async () => {
  await using dir = await tempDir("kafkajs-unreachable-leader-");
  await using cluster = await startOwnCluster(dir.file("cluster"));
  const topic = uniqueTopic("kafkajs-unreachable-leader");
  const admin = cluster.client().admin();
  await admin.connect();
  try {
    const replicaAssignment = PARTITIONS.map((partition) => ({ partition, replicas: [2, 3, 1] }));
    await createTopicsOn(admin, [{ topic, replicaAssignment }]);
  } finally {
    await admin.disconnect();
  }
  const groupId = await groupCoordinatedBy(cluster, 3, "connect-sink-kafkajs-fetch-");
  const { gw } = await startIngestGateway(dir, {
    ...outageIngestWorker(cluster, dir.file("data")),
    "kafka.client": "kafkajs",
    "consumer.metadata.max.age.ms": "300000",
  });
  await using _gw = gw;
  const output = dir.file("sink.txt");
  const partitionOf = (n: number) => n % PARTITIONS.length;
  await using sink = await deliveringSink(gw, cluster, { name: "sink", topic, groupId, output, partitionOf });
  await sink.sendAndDeliver("before");
  expect(sink.joins()).toBe(1);

  await cluster.nodes[1]!.stop();
  await leadershipLeft(cluster, topic, 2);
  await sink.sendAndDeliver("stopped");
  await cluster.nodes[1]!.restart();

  await cluster.nodes[2]!.kill();
  await leadershipLeft(cluster, topic, 3);
  await sink.sendAndDeliver("killed");
  expect(sink.joins()).toBe(1);
  // Committed since: to a coordinator found after node 3 died (the commits' or heartbeats' look-up), which the
  // consumer's close names when it leaves, not the coordinator of its join.
  await waitFor(async () => sumOf(await committedOffsets(cluster, groupId, topic)) === sink.sent(), {
    timeoutMs: 60_000,
    what: "every record's offset committed",
  });
  expect((await gw.rest.delete("/connectors/sink")).status).toBe(204);
  const leaving = new RegExp(
    String.raw`groupId=${groupId}\] Member \S+ sending LeaveGroup request to coordinator \S+ \(id: (\d+)`,
  );
  await waitFor(() => leaving.test(gw.output()), { what: "the sink's consumer leaving its group" });
  expect(gw.output().match(leaving)![1]).not.toBe(String(JAVA_COORDINATOR_ID_OF_NODE_3));
  expect(gw.output()).not.toContain(`The consumer of group ${groupId} stopped`);
  expect(gw.output()).toContain("Error sending fetch request to node 3");
  expect(gw.output()).toMatch(
    new RegExp(String.raw`Group coordinator \S+ \(id: ${JAVA_COORDINATOR_ID_OF_NODE_3}\) is unavailable or invalid`),
  );
  // Every record in Kafka delivered once.
  const records = await readOwnTopic(cluster, topic);
  expect(records).toHaveLength(sink.sent());
  expect(fileLines(output).sort()).toEqual(records.map((r) => r.value).sort());
}, 240_000);
