/**
 * A frozen broker listed first in bootstrap.servers (SIGSTOP: the kernel still accepts connections to it, it answers
 * nothing; the controller fences it) does not keep a new FileStreamSink from joining its group nor an ingest connector
 * from writing, with either client (a gateway each: kafka.client platformatic and kafkajs): a 3-node cluster of the
 * test's own, node 2 frozen and listed first. A client's first request there times out (request.timeout.ms), the
 * requests after it go to the other brokers (scripts/patches/bootstrap-unresponsive.mjs, kafkajs-seed-broker.mjs), as
 * Java's NetworkClient leaves a node whose request timed out for its least loaded one. Before, every bootstrap request
 * of the default client (each Metadata call, every FindCoordinator) went to the frozen broker first and waited out its
 * timeout: the sink, RUNNING, never found its group's coordinator while the broker stayed frozen. kafkajs kept the
 * frozen broker as its seed once its ApiVersions timed out and failed every request after it ("Broker not connected"):
 * its sink delivered nothing, its ingest connector answered 503. Then the broker thaws: the sinks and the ingest
 * connectors go on. Each gateway reaches the frozen broker as its first bootstrap broker through a forwarder of its own,
 * which tells its clients apart (and the other two through forwarders too, so the sink's consumer is seen to connect at
 * all): the sink's consumer waits for it once (or not at all, when another client of the gateway found it frozen first)
 * before its first delivery. Before, the kafkajs consumer's start waited for it four
 * times (request.timeout.ms each: its topic look-up, its wait for the topics, its connect and its start positions are
 * kafkajs clusters of their own, each of which remembered the brokers that did not answer for itself; the default
 * client's waited once), so its first delivery took four times as long.
 */
import { expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { deliveringSink } from "./support/delivering-sink.ts";
import { freeze } from "./support/freeze.ts";
import { createIngestConnector, startIngestGateway, taskState } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { type OwnBroker, outageIngestWorker, readOwnTopic } from "./support/own-broker.ts";
import { groupCoordinatedBy, leaderOf, type OwnCluster, startOwnCluster } from "./support/own-cluster.ts";
import { tcpForwarder } from "./support/tcp-forwarder.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

type Client = "platformatic" | "kafkajs";
type Relay = Awaited<ReturnType<typeof tcpForwarder>>;

/** The Kafka client id of the sink's consumer (its connector "sink", task 0). */
const SINK_CLIENT_ID = "connector-consumer-sink-0";

/** A client's topics: its sink's and its ingest connector's, led by node 2 until it is fenced; its sink's group. */
interface ClientTopics {
  readonly client: Client;
  readonly sinkTopic: string;
  readonly ingested: string;
  readonly groupId: string;
}

async function topicsOnNode2(cluster: OwnCluster, clients: readonly Client[]): Promise<ClientTopics[]> {
  const topics = [];
  for (const client of clients) {
    const [sinkTopic, ingested] = [uniqueTopic(`frozen-sink-${client}`), uniqueTopic(`frozen-ingest-${client}`)];
    // The sink's group coordinated by node 2 too: its consumer must find the coordinator that replaced it.
    topics.push({
      client,
      sinkTopic,
      ingested,
      groupId: await groupCoordinatedBy(cluster, 2, `connect-frozen-${client}-`),
    });
  }
  const admin = cluster.client().admin();
  await admin.connect();
  try {
    const all = topics.flatMap((t) => [t.sinkTopic, t.ingested]);
    await createTopicsOn(
      admin,
      all.map((topic) => ({ topic, replicaAssignment: [{ partition: 0, replicas: [2, 1, 3] }] })),
    );
  } finally {
    await admin.disconnect();
  }
  return topics;
}

/**
 * A gateway of `client` over `bootstrap` (request.timeout.ms 2 s: outageIngestWorker; with the default 30 s the sink
 * delivered 31 s after the start) with a sink and an ingest connector, started. `phase` delivers records to the sink,
 * then has `records` more ingested: each posted again with its Idempotency-Key until answered 200 (a 503 releases the
 * key; a 500 says the record may still be written and holds the key, the same request then answered 409 until its fate
 * is known). A post not answered 200 throws its answer, which a timeout names.
 */
async function frozenStart(thawed: OwnCluster, topics: ClientTopics) {
  const { client, sinkTopic, ingested, groupId } = topics;
  const [controller, frozen, third] = thawed.nodes as [OwnBroker, OwnBroker, OwnBroker];
  // Whatever fails on the way, what was started is disposed (in reverse): the forwarders, the directory, the gateway.
  await using started = new AsyncDisposableStack();
  const relays = [];
  for (const node of [frozen, controller, third]) relays.push(started.use(await tcpForwarder(0, node.bootstrap)));
  const [frozenRelay, ...otherRelays] = relays as [Relay, ...Relay[]];
  const bootstrap = relays.map((r) => `127.0.0.1:${r.port}`).join(",");
  const dir = started.use(await tempDir(`frozen-bootstrap-${client}-`));
  const worker = { ...outageIngestWorker({ bootstrap }, dir.file("data")), "kafka.client": client };
  const { gw, ingest } = await startIngestGateway(dir, worker);
  started.use(gw);
  const output = dir.file("sink.txt");
  const sink = started.use(await deliveringSink(gw, thawed, { name: "sink", topic: sinkTopic, groupId, output }));
  await createIngestConnector(gw, "ingest", { "ingest.path": "/in", "kafka.topic": ingested });
  const acknowledged: number[] = []; // the n of each record answered 200
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
      { what: `record ${n} ingested (kafka.client=${client})` },
    );
    acknowledged.push(n);
  };
  const connectionsOfSink = (relay: Relay) => relay.clientIds.filter((id) => id === SINK_CLIENT_ID).length;
  let sinkConnections: { frozen: number; others: number } | undefined;
  const owned = started.move();
  return {
    gw,
    acknowledged,
    /**
     * How many times the sink's consumer had connected to the frozen broker and to the other bootstrap brokers (through
     * their forwarders) when its first records were delivered.
     */
    sinkConnections: () => sinkConnections,
    /** The client id of each connection made to the frozen broker (through its forwarder), in order. */
    frozenAskedBy: () => [...frozenRelay.clientIds],
    async phase(name: string, records: number) {
      await sink.sendAndDeliver(name);
      sinkConnections ??= {
        frozen: connectionsOfSink(frozenRelay),
        others: otherRelays.reduce((sum, relay) => sum + connectionsOfSink(relay), 0),
      };
      for (let n = 0; n < records; n++) await ingestNext();
    },
    [Symbol.asyncDispose]: () => owned.disposeAsync(),
  };
}

test("new sinks and ingest connectors start while the first bootstrap broker is frozen, and go on once it thaws", async () => {
  await using dir = await tempDir("frozen-bootstrap-");
  await using cluster = await startOwnCluster(dir.file("kafka"));
  const [controller, frozen, third] = cluster.nodes as [OwnBroker, OwnBroker, OwnBroker];
  const [platformaticTopics, kafkajsTopics] = await topicsOnNode2(cluster, ["platformatic", "kafkajs"]);
  // The test's own clients keep off the frozen broker.
  const thawed = {
    ...cluster,
    client: () => new Kafka({ brokers: [controller.bootstrap, third.bootstrap], logLevel: logLevel.NOTHING }),
  };

  const acknowledged = new Map<ClientTopics, readonly number[]>();
  await freeze(frozen.pid);
  try {
    // Its leadership moving shows the fence.
    await waitFor(async () => (await leaderOf(controller.bootstrap, platformaticTopics!.sinkTopic, 0)) !== 2, {
      timeoutMs: 60_000,
      what: "node 2 fenced: the partition led by another node",
    });
    // Both gateways started together (each waits out the frozen broker's request.timeout.ms); disposed in reverse.
    await using started = new AsyncDisposableStack();
    const starts = await Promise.allSettled([platformaticTopics!, kafkajsTopics!].map((t) => frozenStart(thawed, t)));
    for (const s of starts) if (s.status === "fulfilled") started.use(s.value);
    const gateways = starts.map((s) => {
      if (s.status === "rejected") throw s.reason;
      return s.value;
    });
    const [platformatic, kafkajs] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];
    await Promise.all(gateways.map((g) => g.phase("frozen", 11)));
    for (const g of gateways) {
      // The forwarder tells the clients apart: the gateway's own, the first to look the cluster up, came through it.
      expect(g.frozenAskedBy()).toContain("edge-gateway");
      // Once, or not at all (another client of its gateway found the broker frozen first); kafkajs' four times before.
      // It came through a forwarder (a client id not the sink's would count none anywhere).
      const { frozen: askedFrozen, others } = g.sinkConnections()!;
      expect(askedFrozen).toBeLessThanOrEqual(1);
      expect(askedFrozen + others).toBeGreaterThanOrEqual(1);
    }

    process.kill(frozen.pid, "SIGCONT");
    await Promise.all(gateways.map((g) => g.phase("thawed", 10)));
    for (const g of gateways) {
      expect(await taskState(g.gw, "ingest")).toBe("RUNNING");
      expect(await g.gw.stop()).toBe(0);
    }
    acknowledged.set(platformaticTopics!, platformatic.acknowledged);
    acknowledged.set(kafkajsTopics!, kafkajs.acknowledged);
  } finally {
    process.kill(frozen.pid, "SIGCONT");
  }
  // Each record answered 200 is in Kafka exactly once, and no other.
  for (const [{ ingested }, acked] of acknowledged) {
    const written = (await readOwnTopic(thawed, ingested)).map((r) => (JSON.parse(r.value) as { n: number }).n);
    expect(written.toSorted((a, b) => a - b)).toEqual([...acked]);
  }
  expect(acknowledged.size).toBe(2);
}, 240_000);
