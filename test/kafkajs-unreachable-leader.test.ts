/**
 * kafka.client=kafkajs: a sink's consumer whose partitions' leader, or its group's coordinator, stops or dies stays in
 * its group (kjsfetch, the P2 of README's kafkajs outage note). A 3-broker cluster of the test's own, a topic of 2
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
import { startIngestGateway, taskState } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic } from "./support/own-broker.ts";
import { groupCoordinatedBy, leaderOf, type OwnCluster, startOwnCluster } from "./support/own-cluster.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PARTITIONS = [0, 1];

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
  const created = await gw.rest.post("/connectors", {
    name: "sink",
    config: {
      "connector.class": "FileStreamSink",
      topics: topic,
      file: output,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      "consumer.override.group.id": groupId,
    },
  });
  expect(created.status).toBe(201);
  const joins = () => gw.output().split(`groupId=${groupId}] Successfully joined group`).length - 1;
  // Idempotent: a send retried while leadership moves writes its records once.
  const producer = cluster.client().producer({ idempotent: true });
  await producer.connect();
  let sent = 0;
  const sendAndDeliver = async (phase: string) => {
    const values = Array.from({ length: 30 }, (_, n) => `${phase}/${n}`);
    await producer.send({ topic, messages: values.map((value, n) => ({ value, partition: n % PARTITIONS.length })) });
    sent += values.length;
    await waitFor(async () => (await taskState(gw, "sink")) !== "RUNNING" || fileLines(output).length >= sent, {
      timeoutMs: 60_000,
      what: `the ${phase} records delivered`,
    });
    expect(await taskState(gw, "sink")).toBe("RUNNING");
  };
  try {
    await sendAndDeliver("before");
    expect(joins()).toBe(1);

    await cluster.nodes[1]!.stop();
    await leadershipLeft(cluster, topic, 2);
    await sendAndDeliver("stopped");
    await cluster.nodes[1]!.restart();

    await cluster.nodes[2]!.kill();
    await leadershipLeft(cluster, topic, 3);
    await sendAndDeliver("killed");
  } finally {
    await producer.disconnect();
  }
  expect(joins()).toBe(1);
  expect(gw.output()).not.toContain(`The consumer of group ${groupId} stopped`);
  expect(gw.output()).toContain("Error sending fetch request to node 3");
  expect(gw.output()).toMatch(/Group coordinator [\d.:]+ \(id: 3\) is unavailable or invalid/);
  // Every record in Kafka delivered once.
  const records = await readOwnTopic(cluster, topic);
  expect(records).toHaveLength(sent);
  expect(fileLines(output).sort()).toEqual(records.map((r) => r.value).sort());
}, 240_000);
