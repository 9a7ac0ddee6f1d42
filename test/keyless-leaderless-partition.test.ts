/**
 * avail (KIP-794): keyless records go only to partitions that have a leader, as Java's built-in partitioner picks
 * among Cluster.availablePartitionsForTopic. A 3-broker cluster of the test's own, a topic of 3 partitions
 * (replication factor 1) each led by another broker; the broker leading partition 2 is stopped, so partition 2 has no
 * leader. An HttpIngest connector (kafka mode, keyless records, batch.size small enough that its sticky partition
 * moves every few records) then answers every single-record request 200 with partition 0 or 1, and every record is in
 * Kafka once the broker is back. Before, a stick landed on partition 2 a third of the time: those records waited for
 * delivery.timeout.ms and failed; and before that, the default client's Metadata call failed whole on partition 2's
 * LEADER_NOT_AVAILABLE, so no record of the topic was written at all (scripts/patch-dependencies.mjs).
 */
import { expect, test } from "bun:test";
import { createIngestConnector, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic } from "./support/own-broker.ts";
import { startOwnCluster } from "./support/own-cluster.ts";
import { tempDir } from "./support/temp-dir.ts";

const CONNECTIONS = 4;
const REQUESTS_EACH = 75;

test("keyless records go only to partitions with a leader while a broker is down", async () => {
  await using dir = await tempDir("keyless-leaderless-");
  await using cluster = await startOwnCluster(dir.file("kafka"));
  const topic = uniqueTopic("leaderless");
  const admin = cluster.client().admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [
      { topic, replicaAssignment: [0, 1, 2].map((partition) => ({ partition, replicas: [partition + 1] })) },
    ]);
  } finally {
    await admin.disconnect();
  }
  await cluster.nodes[2]!.stop();

  const started = await startIngestGateway(dir, {
    ...outageIngestWorker(cluster, dir.file("data")),
    // A record here counts about 30 bytes: the stick moves every few records, so 300 records see ~50 moves.
    "producer.batch.size": "100",
    // A record put on the leaderless partition expires in seconds, not 2 minutes (the task then sends it again).
    "producer.delivery.timeout.ms": "5000",
  });
  await using gw = started.gw;
  // A request whose record waits on the leaderless partition is answered 500 after 4 s instead of once it is sent again.
  await createIngestConnector(gw, "keyless", {
    "ingest.path": "/in",
    "kafka.topic": topic,
    "ingest.request.timeout.ms": "4000",
  });

  const answers = await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      const out: [number, unknown][] = [];
      for (let n = 0; n < REQUESTS_EACH; n++) {
        const response = await fetch(`${started.ingest}/in`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ id: `${c}/${n}` }),
        });
        out.push([response.status, await response.json()]);
        // Without the fix a record put on partition 2 is answered 500: the first such answer ends the test.
        if (response.status !== 200) break;
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
    partitions.add((body as { offsets: { partition: number }[] }).offsets[0]!.partition);
  }
  expect([...partitions].sort()).toEqual([0, 1]);
  expect(await gw.stop()).toBe(0);

  // Back, so every partition's end can be read: nothing went to partition 2, everything else is there once.
  await cluster.nodes[2]!.restart();
  const records = await readOwnTopic(cluster, topic);
  expect(records.filter((r) => r.partition === 2)).toEqual([]);
  const ids = records.map((r) => (JSON.parse(r.value) as { id: string }).id).sort();
  const posted = Array.from({ length: CONNECTIONS }, (_, c) =>
    Array.from({ length: REQUESTS_EACH }, (_, n) => `${c}/${n}`),
  ).flat();
  expect(ids).toEqual(posted.sort());
}, 90_000);
