/**
 * A frozen broker listed first in bootstrap.servers (SIGSTOP: the kernel still accepts connections to it, it answers
 * nothing; the controller fences it) does not keep a new FileStreamSink from joining its group nor an ingest connector
 * from writing, with the default client: a 3-node cluster of the test's own, node 2 frozen and listed first. The
 * client's first request there times out (request.timeout.ms), the requests after it go to the other brokers
 * (scripts/patches/bootstrap-unresponsive.mjs), as Java's NetworkClient leaves a node whose request timed out for its
 * least loaded one. Before, every bootstrap request (each Metadata call, every FindCoordinator) went to the frozen
 * broker first and waited out its timeout: the sink, RUNNING, never found its group's coordinator while the broker
 * stayed frozen. Then the broker thaws: the sink and the ingest connector go on.
 */
import { expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { deliveringSink } from "./support/delivering-sink.ts";
import { createIngestConnector, startIngestGateway, taskState } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { type OwnBroker, outageIngestWorker, readOwnTopic } from "./support/own-broker.ts";
import { groupCoordinatedBy, leaderOf, startOwnCluster } from "./support/own-cluster.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("a new sink and ingest connector start while the first bootstrap broker is frozen, and go on once it thaws", async () => {
  await using dir = await tempDir("frozen-bootstrap-");
  await using cluster = await startOwnCluster(dir.file("kafka"));
  const [controller, frozen, third] = cluster.nodes as [OwnBroker, OwnBroker, OwnBroker];
  // The sink's topic and the ingest connector's, led by node 2 until it is fenced (its leadership moving shows the fence).
  const [topic, ingested] = [uniqueTopic("frozen-sink"), uniqueTopic("frozen-ingest")];
  const admin = cluster.client().admin();
  await admin.connect();
  try {
    await createTopicsOn(
      admin,
      [topic, ingested].map((t) => ({ topic: t, replicaAssignment: [{ partition: 0, replicas: [2, 1, 3] }] })),
    );
  } finally {
    await admin.disconnect();
  }
  // The sink's group coordinated by node 2 too: its consumer must find the coordinator that replaced it.
  const groupId = await groupCoordinatedBy(cluster, 2, "connect-frozen-");
  // The test's own clients keep off the frozen broker.
  const thawed = {
    ...cluster,
    client: () => new Kafka({ brokers: [controller.bootstrap, third.bootstrap], logLevel: logLevel.NOTHING }),
  };

  const acknowledged: number[] = []; // the n of each record answered 200
  process.kill(frozen.pid, "SIGSTOP");
  try {
    await waitFor(async () => (await leaderOf(controller.bootstrap, topic, 0)) !== 2, {
      timeoutMs: 60_000,
      what: "node 2 fenced: the partition led by another node",
    });
    // request.timeout.ms 2 s (outageIngestWorker); with the default 30 s the sink delivered 31 s after the start.
    const bootstrap = [frozen, controller, third].map((n) => n.bootstrap).join(",");
    const { gw, ingest } = await startIngestGateway(dir, outageIngestWorker({ bootstrap }, dir.file("data")));
    await using _gw = gw;
    await using sink = await deliveringSink(gw, thawed, { name: "sink", topic, groupId, output: dir.file("sink.txt") });
    await sink.sendAndDeliver("frozen");

    await createIngestConnector(gw, "ingest", { "ingest.path": "/in", "kafka.topic": ingested });
    // Each record posted again with its Idempotency-Key until answered 200: a 503 releases the key; a 500 says the
    // record may still be written and holds the key, the same request then answered 409 until its fate is known. The
    // first waits out the frozen broker's timeout. A post not answered 200 throws its answer, which a timeout names.
    const ingestNext = async () => {
      const n = acknowledged.length;
      const headers = { "Content-Type": "application/json", "Idempotency-Key": `n-${n}` };
      const init = { method: "POST", headers, body: JSON.stringify({ n }) };
      await waitFor(
        async () => {
          const response = await fetch(`${ingest}/in`, init);
          if (response.status !== 200) throw new Error(`answered ${response.status}: ${await response.text()}`);
          return true;
        },
        { what: `record ${n} ingested` },
      );
      acknowledged.push(n);
    };
    for (let n = 0; n < 11; n++) await ingestNext();

    process.kill(frozen.pid, "SIGCONT");
    await sink.sendAndDeliver("thawed");
    for (let n = 0; n < 10; n++) await ingestNext();
    expect(await taskState(gw, "ingest")).toBe("RUNNING");
    expect(await gw.stop()).toBe(0);
  } finally {
    process.kill(frozen.pid, "SIGCONT");
  }
  // Each record answered 200 is in Kafka exactly once, and no other.
  const written = (await readOwnTopic(thawed, ingested)).map((r) => (JSON.parse(r.value) as { n: number }).n);
  expect(written.toSorted((a, b) => a - b)).toEqual(acknowledged);
}, 240_000);
