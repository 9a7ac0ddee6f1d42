/**
 * kafka.client=kafkajs: a send's partition whose leader was killed after writing its record, its leadership moving to
 * the broker that answered the send's other partition, is written once, by the same producer (explore32 F1). A 3-node
 * cluster of the test's own: partition 0 on node 1 alone (so that node 2's death cannot keep it from being answered),
 * partition 1 on nodes 2, 1 and 3 (led by 2). Node 3 frozen (SIGSTOP) holds partition 1's acknowledgement (acks=all
 * waits for every in-sync replica) once node 1 has replicated its record; node 2 is then killed (SIGKILL) and node 3
 * thawed, and partition 1's leadership moves to node 1, which answered partition 0. kafkajs asked again only the brokers that had not
 * answered, so partition 1 was left out of its retries, the runtime sent its record again on a new producer and node 1
 * appended it a second time; now kafkajs sends it to node 1 with its producer id and sequence, and node 1 drops it as a
 * duplicate. The compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type CurlResponse, curlPost } from "./support/curl.ts";
import { createIngestConnector, ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic } from "./support/own-broker.ts";
import { startOwnCluster } from "./support/own-cluster.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** The connector's ingest.request.timeout.ms: the request's answer waits as long for the send retried meanwhile. */
const INGEST_TIMEOUT_MS = 150_000;
/** The runtime's WARN once the producer gave a send up (or left records out of it): the records sent again. */
const GIVEN_UP = /Failed to send \d+ records to Kafka, retrying/;

/** An ingest request of `body` that curl waits for past the connector's timeout (curl's own limit is 30 s). */
const ingest = (url: string, body: string) =>
  curlPost(url, body, "application/json", {}, ["--max-time", String(INGEST_TIMEOUT_MS / 1000 + 20)]);

/** The partition and offset the answer gives each record of the request. */
const offsetsOf = (answer: CurlResponse) =>
  (answer.json() as { offsets: { partition: number; offset: number }[] }).offsets.map((o) => [o.partition, o.offset]);

test("a record its killed leader wrote, its partition moved to the broker that answered the send: written once", async () => {
  await using dir = await tempDir("kafkajs-moved-leader-");
  // Frozen, node 3 is not fenced (dropped from partition 1's in-sync replicas, which would let node 2 answer) before
  // node 2 is killed: 15 s, not own-broker's 4 s.
  await using cluster = await startOwnCluster(dir.file("cluster"), 3, "broker.session.timeout.ms=15000");
  const topic = uniqueTopic("kafkajs-moved-leader");
  const admin = cluster.client().admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [
      {
        topic,
        replicaAssignment: [
          { partition: 0, replicas: [1, 2, 3] },
          { partition: 1, replicas: [2, 1, 3] },
        ],
      },
    ]);
    // Partition 0 on node 1 alone (a topic is created with one replication factor): frozen, node 3 holds partition 1
    // only, and partition 0 is answered whenever node 2 dies.
    await admin.alterPartitionReassignments({
      topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [1] }] }],
    });
    await waitFor(
      async () => {
        const [md] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
        const p0 = md!.partitions.find((p) => p.partitionId === 0)!;
        return p0.replicas.length === 1 && p0.isr.length === 1;
      },
      { timeoutMs: 30_000, what: "partition 0 on node 1 only" },
    );
  } finally {
    await admin.disconnect();
  }
  const { gw } = await startIngestGateway(dir, {
    ...outageIngestWorker(cluster, dir.file("data")),
    "kafka.client": "kafkajs",
  });
  await using _gw = gw;
  await createIngestConnector(gw, "moved", {
    "ingest.path": "/ingest/moved",
    "kafka.topic": topic,
    "ingest.key.source": "field",
    "ingest.key.field": "$.k",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "ingest.request.timeout.ms": String(INGEST_TIMEOUT_MS),
  });
  const url = `${await ingestUrlOf(gw)}/ingest/moved`;
  // Java's murmur2 on 2 partitions: k3 goes to 0, k0 to 1. The producer is connected to both leaders since.
  const first = await ingest(url, '[{"k":"k3","n":"before-0"},{"k":"k0","n":"before-1"}]');
  expect(first.status, first.body).toBe(200);
  expect(offsetsOf(first)).toEqual([
    [0, 0],
    [1, 0],
  ]);
  const from = gw.output().length;

  const node3 = cluster.nodes[2]!;
  process.kill(node3.pid, "SIGSTOP");
  let answer: Promise<CurlResponse>;
  try {
    answer = ingest(url, '[{"k":"k3","n":"moved-0"},{"k":"k0","n":"moved-1"}]');
    let answered = false;
    const settle = () => {
      answered = true;
    };
    answer.then(settle, settle); // its failure is the test's, once awaited below
    const replica = join(dir.file("cluster"), "node-1", "data", `${topic}-1`, "00000000000000000000.log");
    await waitFor(() => existsSync(replica) && readFileSync(replica, "latin1").includes("moved-1"), {
      timeoutMs: 30_000,
      what: "node 1 replicating partition 1's record",
    });
    expect(answered).toBe(false); // node 2's request still waits for node 3
    await cluster.nodes[1]!.kill();
  } finally {
    process.kill(node3.pid, "SIGCONT");
  }

  const written = await answer;
  expect(written.status, written.body).toBe(200);
  const records = await readOwnTopic(cluster, topic);
  expect(records.map((r) => [r.partition, r.offset, JSON.parse(r.value).n]).sort()).toEqual([
    [0, 0, "before-0"],
    [0, 1, "moved-0"],
    [1, 0, "before-1"],
    [1, 1, "moved-1"],
  ]);
  expect(offsetsOf(written)).toEqual([
    [0, 1],
    [1, 1],
  ]);
  // The same producer sent partition 1 again: the send was never given up, nor the producer replaced.
  expect(gw.output().slice(from)).not.toMatch(GIVEN_UP);
}, 240_000);
