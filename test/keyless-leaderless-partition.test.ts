/**
 * avail (KIP-794): keyless records go only to partitions that have a leader, as Java's built-in partitioner picks
 * among Cluster.availablePartitionsForTopic. A 3-broker cluster of the test's own, a topic of 3 partitions
 * (replication factor 1) each led by another broker. An HttpIngest connector (kafka mode, keyless records, batch.size
 * small enough that its sticky partition moves every few records) writes to it and a FileStreamSink reads it. The
 * broker leading partition 2 is stopped while the sink's consumer fetches from it and the producer's stick is on
 * partition 2 (its connection to that broker idle), so partition 2 has no leader: the closed connection has the
 * producer ask for metadata at once, as Java's NetworkClient on any disconnection, and every single-record request
 * is then answered 200 with partition 0 or 1, the sink task stays RUNNING and delivers
 * them; the sink task restarted while the broker is down joins and delivers partitions 0 and 1 (the cluster keeps
 * __consumer_offsets on every node, so the group's coordinator, the stopped broker, moves: the consumer's commits
 * find the new one, and the restarted task delivers nothing again); once the broker is back,
 * partition 2 gets records again within the retry backoff (not metadata.max.age.ms)
 * and the sink delivers those too, each once; every record is in Kafka once.
 * Before: the stick stayed on partition 2 after the stop until a send there failed, and its records waited (500 after
 * the request timeout); a stick landed on partition 2 a third of the time, those records waited for delivery.timeout.ms and
 * failed; before that, the default client's Metadata call failed whole on partition 2's LEADER_NOT_AVAILABLE, so
 * no record of the topic was written at all; and with that fixed, the sink's Fetch retried after the stop found
 * leader -1 and failed the task for good ("Cannot find broker with node id -1", scripts/patch-dependencies.mjs);
 * a consumer started while the broker was down waited for every partition to have a leader, then failed.
 * Then a sink on a replicated topic through a stop and start of another broker (sinkThroughRollingRestart), and
 * kafka.client=kafkajs through another stop of the same broker, on the same cluster (kafkajsThroughOutage).
 *
 * A second test, beside the first (test.concurrent: most of each one's time is waiting on brokers), on a cluster of its
 * own: kafka.client=kafkajs: a send's partition whose leader was killed after writing its record, its leadership moving
 * to the broker that answered the send's other partition, is written once, by the same producer (explore32 F1). A
 * 3-node cluster of the test's own: partition 0 on node 1 alone (so that node 2's death cannot keep it from being
 * answered), partition 1 on nodes 2, 1 and 3 (led by 2). Node 3 frozen (SIGSTOP) holds partition 1's acknowledgement
 * (acks=all waits for every in-sync replica) once node 1 has replicated its record; node 2 is then killed (SIGKILL) and
 * node 3 thawed, and partition 1's leadership moves to node 1, which answered partition 0. kafkajs asked again only the
 * brokers that had not answered, so partition 1 was left out of its retries, the runtime sent its record again on a new
 * producer and node 1 appended it a second time; now kafkajs sends it to node 1 with its producer id and sequence, and
 * node 1 drops it as a duplicate. The compiled binary when GATEWAY_BIN is set.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileLines } from "./support/broker-kill.ts";
import { type CurlResponse, curlPost } from "./support/curl.ts";
import { deliveringSink } from "./support/delivering-sink.ts";
import { freeze } from "./support/freeze.ts";
import { createIngestConnector, type Gateway, ingestUrlOf, startIngestGateway, taskState } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic } from "./support/own-broker.ts";
import { groupCoordinatedBy, leaderOf, type OwnCluster, ownClustersUntilFileEnds } from "./support/own-cluster.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const startOwnCluster = ownClustersUntilFileEnds();

const CONNECTIONS = 4;
const REQUESTS_EACH = 75;

/** A topic of 3 partitions (replication factor 1), partition p on node p + 1 alone. */
async function createSpreadTopic(cluster: OwnCluster, name: string): Promise<string> {
  const topic = uniqueTopic(name);
  const admin = cluster.client().admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [
      { topic, replicaAssignment: [0, 1, 2].map((partition) => ({ partition, replicas: [partition + 1] })) },
    ]);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/**
 * Java's default, set here since the test relies on it: without the fixes a partition's leader found again, or lost, is
 * learnt only after it (5 minutes), long after the test's waits.
 */
const METADATA_MAX_AGE = {
  "producer.metadata.max.age.ms": "300000",
  "consumer.metadata.max.age.ms": "300000",
};

/**
 * A gateway on the cluster (`worker` its extra keys) whose FileStreamSink (`sink` its extra keys) reads `topic`, with
 * a record on every partition delivered (its consumer fetches from every broker), and an HttpIngest connector writing
 * keyless records to it (`post`; what it posted in `posted`, the first records too).
 */
async function startPipeline(
  dir: TempDir,
  cluster: OwnCluster,
  topic: string,
  worker: Record<string, string>,
  sink: Record<string, string> = {},
) {
  const started = await startIngestGateway(dir, {
    ...outageIngestWorker(cluster, dir.file("data")),
    ...METADATA_MAX_AGE,
    ...worker,
  });
  try {
    return { ...(await connectorsOf(started, dir, cluster, topic, sink)), gw: started.gw };
  } catch (error) {
    await started.gw[Symbol.asyncDispose]();
    throw error;
  }
}

/** startPipeline's connectors on `started`'s gateway; the first records delivered. */
async function connectorsOf(
  started: Awaited<ReturnType<typeof startIngestGateway>>,
  dir: TempDir,
  cluster: OwnCluster,
  topic: string,
  sinkConfig: Record<string, string>,
) {
  const { gw } = started;
  const output = dir.file("sink.txt");
  const sink = await gw.rest.post("/connectors", {
    name: "sink",
    config: {
      "connector.class": "FileStreamSink",
      topics: topic,
      file: output,
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      ...sinkConfig,
    },
  });
  expect(sink.status).toBe(201);
  const delivered = () => new Set(fileLines(output).map((l) => (JSON.parse(l) as { id: string }).id));
  // A record on every partition, delivered: the sink's consumer fetches from every broker.
  const posted = [0, 1, 2].map((p) => `before/${p}`);
  const producer = cluster.client().producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: [0, 1, 2].map((partition) => ({ partition, value: JSON.stringify({ id: posted[partition] }) })),
    });
  } finally {
    await producer.disconnect();
  }
  await waitFor(() => delivered().size === posted.length, { what: "the first records delivered" });

  // A request whose record waits on the leaderless partition is answered 500 after 4 s instead of once it is sent again.
  await createIngestConnector(gw, "keyless", {
    "ingest.path": "/in",
    "kafka.topic": topic,
    "ingest.request.timeout.ms": "4000",
  });
  const post = async (id: string): Promise<[number, unknown]> => {
    posted.push(id);
    const response = await fetch(`${started.ingest}/in`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id }),
    });
    return [response.status, await response.json()];
  };
  return { output, posted, post, delivered };
}

const partitionOf = (body: unknown) => (body as { offsets: { partition: number }[] }).offsets[0]!.partition;
const idOf = (r: { value: string }) => (JSON.parse(r.value) as { id: string }).id;

/**
 * While partition 2 has no leader, the sink task restarted: its new consumer joins and fetches partitions 0 and 1
 * (partition 2 from its committed offset once it has a leader), as Java's consumer; before, the join waited for every
 * partition to have a leader and the consumer's start failed. Then node 3 back: partition 2 gets keyless records again
 * once the producer's metadata, asked again within the retry backoff while the partition had no leader, shows its
 * leader (not after metadata.max.age.ms), and the sink delivers every record (`allDelivered`).
 */
async function restartSinkThenNode3(
  gw: Gateway,
  cluster: OwnCluster,
  post: (id: string) => Promise<[number, unknown]>,
  allDelivered: () => boolean,
): Promise<void> {
  expect((await gw.rest.post("/connectors/sink/tasks/0/restart")).status).toBe(204);
  for (let n = 0; n < 10; n++) expect((await post(`restarted/${n}`))[0]).toBe(200);
  await waitFor(async () => (await taskState(gw, "sink")) !== "RUNNING" || allDelivered(), {
    what: "the records written after the sink task restarted delivered",
  });
  expect(await taskState(gw, "sink")).toBe("RUNNING");

  await cluster.nodes[2]!.restart();
  let n = 0;
  await waitFor(
    async () => {
      const [status, body] = await post(`after/${n++}`);
      return status === 200 && partitionOf(body) === 2;
    },
    // A bound for a loaded host (three brokers' JVMs and the gateway on two cores): the leader's election and the
    // sink's rejoin come sooner, the wait ends then.
    { intervalMs: 0, timeoutMs: 60_000, what: "a record on partition 2 again" },
  );
  await waitFor(allDelivered, { timeoutMs: 60_000, what: "every record delivered" });
  expect(await taskState(gw, "sink")).toBe("RUNNING");
}

test.concurrent("keyless records go only to partitions with a leader while a broker is down; a sink reading them outlives it", async () => {
  await using dir = await tempDir("keyless-leaderless-");
  await using cluster = await startOwnCluster(dir.file("kafka"));
  const topic = await createSpreadTopic(cluster, "leaderless");
  const pipeline = await startPipeline(
    dir,
    cluster,
    topic,
    {
      // A record here counts about 30 bytes: the stick moves every few records, so 300 records see ~50 moves.
      "producer.batch.size": "100",
      // A record put on the leaderless partition expires in seconds, not 2 minutes (the task then sends it again).
      "producer.delivery.timeout.ms": "5000",
    },
    // The sink's group coordinated by node 3, which stops: its consumer's commits must find the group's new
    // coordinator, or the records delivered during the stop are delivered again after the task's restart.
    { "consumer.override.group.id": await groupCoordinatedBy(cluster, 3, "connect-sink-") },
  );
  await using gw = pipeline.gw;
  const { output, posted, post, delivered } = pipeline;
  // The producer's stick on partition 2, its connection to that broker idle, when the broker stops: posted until a
  // record starts a stick there (the stick holds a few records, so the next would go there too).
  let sticks = 0;
  let previous = -1;
  await waitFor(
    async () => {
      const [status, body] = await post(`stick/${sticks++}`);
      const started = status === 200 && partitionOf(body) === 2 && previous !== 2;
      previous = status === 200 ? partitionOf(body) : -1;
      return started;
    },
    { intervalMs: 0, what: "a record on partition 2" },
  );
  await waitFor(() => delivered().size === posted.length, { what: "the records before the stop delivered" });

  // The sink's consumer is waiting for partition 2's next records (a Fetch on its broker) when that broker stops.
  // The producer's idle connection to it closes: its metadata is asked again then, as Java's NetworkClient does on any
  // disconnection, so its stick leaves partition 2 before a record waits there (it moved only once a send failed).
  await cluster.nodes[2]!.stop();
  // The producer's metadata request went out when its connection closed, as the broker's process ended; the posts
  // wait until the cluster's own metadata shows partition 2 without a leader (a round trip asked only now), so its
  // answer has come too and the first post does not race it. Without the disconnect's refresh the producer asks
  // nothing for minutes (metadata.max.age.ms): the first record still goes to partition 2 and is answered 500.
  await waitFor(() => leaderOf(cluster.bootstrap, topic, 2).then((leader) => leader < 0), {
    what: "partition 2 without a leader in the cluster's metadata",
  });
  const answers = await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      const out: [number, unknown][] = [];
      for (let n = 0; n < REQUESTS_EACH; n++) {
        out.push(await post(`down/${c}/${n}`));
        // Without the fix a record put on partition 2 is answered 500: the first such answer ends the test.
        if (out.at(-1)![0] !== 200) break;
      }
      return out;
    }),
  );
  const partitions = new Set<number>();
  for (const [status, body] of answers.flat()) {
    expect([status, body]).toEqual([
      200,
      {
        topic,
        offsets: [{ partition: expect.any(Number), offset: expect.any(Number), timestamp: expect.any(Number) }],
      },
    ]);
    partitions.add(partitionOf(body));
  }
  expect([...partitions].sort()).toEqual([0, 1]);
  // Without the consumer's fix the sink task fails once its Fetch retried on partition 2 found no leader.
  await waitFor(async () => (await taskState(gw, "sink")) !== "RUNNING" || delivered().size === posted.length, {
    what: "the records written while the broker was down delivered",
  });
  expect(await taskState(gw, "sink")).toBe("RUNNING");

  await restartSinkThenNode3(gw, cluster, post, () => delivered().size === posted.length);
  expect(fileLines(output)).toHaveLength(posted.length); // each once: none delivered again after the restart
  await sinkThroughRollingRestart(gw, dir, cluster);
  expect(await gw.stop()).toBe(0);

  // Nothing went to partition 2 while it had no leader; every record is there once.
  const records = await readOwnTopic(cluster, topic);
  expect(records.filter((r) => r.partition === 2 && idOf(r).startsWith("down/"))).toEqual([]);
  expect(records.map(idOf).sort()).toEqual(posted.sort());

  await kafkajsThroughOutage(cluster);
}, 240_000);

/**
 * A rolling restart's step on a replicated topic (3 partitions, replication factor 3): node 2 stopped and started
 * again while a sink reads the topic, its group coordinated by node 2. The partitions node 2 led get new leaders and
 * the group a new coordinator; the sink's consumer stays in its group throughout (no join after its first, as Java's:
 * the fetches and group requests without an answer are asked again of the new leaders and coordinator) and delivers
 * every record once. Before, the fetch that got no answer failed the consumer: its task restarted it, the group
 * rebalanced and records were delivered again.
 */
async function sinkThroughRollingRestart(gw: Gateway, dir: TempDir, cluster: OwnCluster): Promise<void> {
  const topic = uniqueTopic("leaderless-rf3");
  const admin = cluster.client().admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [{ topic, numPartitions: 3, replicationFactor: 3 }]);
  } finally {
    await admin.disconnect();
  }
  const groupId = await groupCoordinatedBy(cluster, 2, "connect-sink-rf3-");
  const output = dir.file("sink-rf3.txt");
  await using sink = await deliveringSink(gw, cluster, { name: "sink-rf3", topic, groupId, output });
  await sink.sendAndDeliver("before");
  expect(sink.joins()).toBe(1);
  await cluster.nodes[1]!.stop();
  await sink.sendAndDeliver("down");
  await cluster.nodes[1]!.restart();
  await sink.sendAndDeliver("after");
  expect(sink.joins()).toBe(1);
  // Every record in Kafka delivered once.
  const records = await readOwnTopic(cluster, topic);
  expect(records).toHaveLength(sink.sent());
  expect(fileLines(output).sort()).toEqual(records.map((r) => r.value).sort());
}

/**
 * kafka.client=kafkajs through another stop of node 3. kafkajs' Metadata answer failed whole on partition 2's
 * LEADER_NOT_AVAILABLE (scripts/patch-dependencies.mjs 12): no record of the topic was written, and the sink task
 * restarted meanwhile waited for every leader before joining, then failed. Now keyless records go to partitions 0
 * and 1 (kafkajs' partitioner picks among the partitions with a leader), the sink delivers them through the stop and
 * after a restart of its task, and partition 2 is written and delivered again once its leader is back (its metadata
 * asked again within the retry backoff, not after metadata.max.age.ms). Records answered 2xx are in Kafka once; one
 * kafkajs had put on partition 2 before it knew (its metadata is asked again only once a send there fails) may be
 * answered 500, and is then in Kafka at most once.
 */
async function kafkajsThroughOutage(cluster: OwnCluster): Promise<void> {
  await using dir = await tempDir("keyless-leaderless-kafkajs-");
  const topic = await createSpreadTopic(cluster, "leaderless-kafkajs");
  // The sink's group coordinated by node 3, which stops: its commits meanwhile must find the new coordinator.
  const pipeline = await startPipeline(
    dir,
    cluster,
    topic,
    { "kafka.client": "kafkajs" },
    { "consumer.override.group.id": await groupCoordinatedBy(cluster, 3, "connect-sink-kafkajs-") },
  );
  await using gw = pipeline.gw;
  const { output, posted, delivered } = pipeline;
  const written = new Set(posted);
  const unwritten: [string, number, unknown][] = [];
  const post = async (id: string): Promise<[number, unknown]> => {
    const answer = await pipeline.post(id);
    if (answer[0] === 200) written.add(id);
    else unwritten.push([id, ...answer]);
    return answer;
  };
  const writtenDelivered = () => {
    const now = delivered();
    return [...written].every((id) => now.has(id));
  };
  // The producer's metadata names node 3 as partition 2's leader when it stops.
  for (let n = 0; n < 6; n++) expect((await post(`up/${n}`))[0]).toBe(200);

  await cluster.nodes[2]!.stop();
  await waitFor(() => leaderOf(cluster.bootstrap, topic, 2).then((leader) => leader < 0), {
    what: "partition 2 without a leader in the cluster's metadata",
  });
  const answers: [number, unknown][] = [];
  for (let n = 0; n < 30; n++) answers.push(await post(`down/${n}`));
  // Once the producer knows, every record is written; without the fix none is.
  expect(answers.slice(-10).map(([status]) => status)).toEqual(Array(10).fill(200));
  const partitions = new Set(answers.filter(([status]) => status === 200).map(([, body]) => partitionOf(body)));
  expect([...partitions].sort()).toEqual([0, 1]);
  await waitFor(async () => (await taskState(gw, "sink")) !== "RUNNING" || writtenDelivered(), {
    what: "the records written while the broker was down delivered",
  });
  expect(await taskState(gw, "sink")).toBe("RUNNING");

  await restartSinkThenNode3(gw, cluster, post, writtenDelivered);
  expect(await gw.stop()).toBe(0);
  // A record that was not written is answered 500 (it waited for a leader, or its send failed), never a 4xx.
  expect(unwritten.filter(([, status]) => status !== 500)).toEqual([]);

  // Each record in Kafka at most once, every one answered 2xx there; the sink delivered each of them once.
  const ids = (await readOwnTopic(cluster, topic)).map(idOf);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...written].filter((id) => !ids.includes(id))).toEqual([]);
  expect(fileLines(output).length).toBe(ids.length);
  expect([...delivered()].sort()).toEqual(ids.sort());
}

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

test.concurrent("a record its killed leader wrote, its partition moved to the broker that answered the send: written once", async () => {
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
  await freeze(node3.pid);
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
