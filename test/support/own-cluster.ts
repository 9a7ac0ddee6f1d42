/**
 * A Kafka cluster of the test's own on loopback, for tests that need several brokers (a partition
 * whose leader is down while the others' are up): node 1 is broker and the cluster's only
 * controller, nodes 2… are brokers that join it (scripts/kafka with KAFKA_CONTROLLER), each an
 * OwnBroker with its own state dir under `stateDir` and a small heap. Node 1 is the controller:
 * stop or kill only the others (`stop()`, then `restart()` brings one back on its ports with its
 * data). `await using` kills them all (their state goes with the test's temp dir); so does the
 * end of the test that started them (OwnBroker's `untilTestEnds`), or of the file (ownClustersUntilFileEnds).
 */

import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { disposedAfterAll, type OwnBroker, type OwnBrokerOptions, startOwnBroker } from "./own-broker.ts";
import { waitFor } from "./wait-for.ts";

export interface OwnCluster extends AsyncDisposable {
  /** Every node's PLAINTEXT listener, comma-separated (bootstrap.servers). */
  readonly bootstrap: string;
  /** By node id: `nodes[0]` is node 1 (the controller). */
  readonly nodes: readonly OwnBroker[];
  client(): Kafka;
}

// Three JVMs on a 2-core host: small heaps keep them from crowding out the gateway and the test.
const HEAP = "-Xms64m -Xmx256m";

/**
 * __consumer_offsets on every node (scripts/kafka's 1 suits one broker): a group's coordinator moves when its
 * broker stops, as in a production cluster, instead of the group having none while that broker is down.
 */
const groupsOnEveryNode = (size: number) => `offsets.topic.replication.factor=${size}`;

/**
 * The log cleaner's dedupe buffer allocated whole at start, 16 MB instead of Kafka's 128 MB: within HEAP's 256 MB a
 * node failed its start with OutOfMemoryError in SkimpyOffsetMap (the test's compacted topics are small).
 */
const SMALL_CLEANER_BUFFER = "log.cleaner.dedupe.buffer.size=16777216";

/** A new cluster id as Kafka's Uuid.randomUuid makes one: 16 random bytes in URL-safe base64, never starting with "-". */
function newClusterId(): string {
  for (;;) {
    const id = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/**
 * The controller address (`1@127.0.0.1:PORT`) node 1's scripts/kafka chose: the ports file it writes (whole, whichever
 * listeners it starts) before it formats its log directory and starts its JVM (the controller listener binds that port
 * a few seconds later).
 */
async function plannedController(nodeDir: string, controller: Promise<unknown>): Promise<string> {
  let failed = false;
  controller.catch(() => {
    failed = true;
  });
  const ctrl = await waitFor(
    async () => {
      if (failed) return "failed";
      const ports = await Bun.file(join(nodeDir, "ports"))
        .text()
        .catch(() => "");
      return ports.match(/^ports\.ctrl=(\d+)$/m)?.[1]; // written whole (renamed into place)
    },
    { timeoutMs: 60_000, what: "node 1's controller port" },
  );
  if (ctrl === "failed") throw new Error("node 1 (the controller) failed to start");
  return `1@127.0.0.1:${ctrl}`;
}

/**
 * Node `nodeId`, a broker joining node 1 (the controller) at the address node 1's scripts/kafka chose. That
 * script chooses again when a port it chose was taken before its broker bound it, the controller's too: a node
 * given the first address would wait for a controller that never answers there until its start timed out. Once
 * node 1 runs (or failed), a node given another address than node 1's is abandoned and started again with it.
 */
async function joinedNode(
  nodeId: number,
  stateDir: string,
  controllerNode: Promise<OwnBroker>,
  options: { readonly broker: OwnBrokerOptions; readonly properties: string; readonly clusterId: string },
): Promise<OwnBroker> {
  const nodeDir = join(stateDir, "node-1");
  let controller = await plannedController(nodeDir, controllerNode);
  for (;;) {
    const given = controller;
    const abandon = new AbortController();
    controllerNode.then(
      (node1) => {
        if (node1.info.controller !== given) abandon.abort(`node 1 runs as controller ${node1.info.controller}`);
      },
      () => abandon.abort("node 1 (the controller) failed to start"),
    );
    try {
      return await startOwnBroker(join(stateDir, `node-${nodeId}`), options.properties, {
        ...options.broker,
        joins: { nodeId, controller: given, clusterId: options.clusterId },
        signal: abandon.signal,
      });
    } catch (error) {
      if (!abandon.signal.aborted) throw error;
    }
    controller = (await controllerNode).info.controller!;
    console.error(
      `own cluster: node ${nodeId} was given controller ${given}, node 1 runs as ${controller}: started again`,
    );
  }
}

/**
 * Starts `size` nodes and waits until every broker is registered. The others start once node 1 (the controller) has
 * chosen its ports, not once it runs: their JVMs start beside its own (a broker-only node waits for its controller).
 * `properties`: more lines of every node's server.properties (later lines win).
 */
export async function startOwnCluster(
  stateDir: string,
  size = 3,
  properties = "",
  options: { readonly untilTestEnds?: boolean } = {},
): Promise<OwnCluster> {
  const nodes: OwnBroker[] = [];
  const dispose = async () => {
    await Promise.all(nodes.map((n) => n[Symbol.asyncDispose]()));
  };
  try {
    const clusterId = newClusterId();
    const broker = { ...options, jvmOptions: HEAP };
    const nodeProperties = `${groupsOnEveryNode(size)}\n${SMALL_CLEANER_BUFFER}\n${properties}`;
    const controllerNode = startOwnBroker(join(stateDir, "node-1"), nodeProperties, { ...broker, clusterId });
    const starts = [
      controllerNode,
      ...Array.from({ length: size - 1 }, (_, i) =>
        joinedNode(i + 2, stateDir, controllerNode, { broker, properties: nodeProperties, clusterId }),
      ),
    ];
    // Every start ended before the cluster is given up: a node that started while another failed is killed too.
    const settled = await Promise.allSettled(starts);
    for (const s of settled) if (s.status === "fulfilled") nodes.push(s.value);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const node1 = nodes[0]!;
    if (node1.info.cluster_id !== clusterId) {
      throw new Error(`node 1 runs in cluster ${node1.info.cluster_id}, not ${clusterId}`);
    }
    const bootstrap = nodes.map((n) => n.bootstrap).join(",");
    const client = () =>
      new Kafka({ clientId: "own-cluster-test", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
    const admin = client().admin();
    await admin.connect();
    try {
      await waitFor(async () => (await admin.describeCluster()).brokers.length === size, {
        timeoutMs: 60_000,
        what: `${size} brokers registered`,
      });
    } finally {
      await admin.disconnect();
    }
    return { bootstrap, nodes, client, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** `startOwnCluster` for a file whose tests run at once, each on a cluster of its own (see disposedAfterAll). */
export function ownClustersUntilFileEnds(): typeof startOwnCluster {
  return disposedAfterAll((stateDir: string, size?: number, properties?: string) =>
    startOwnCluster(stateDir, size, properties, { untilTestEnds: false }),
  );
}

/**
 * `partition`'s leader in the metadata of the cluster at `bootstrap` (-1: none), asked once, not retried. kafkajs asks
 * its second Metadata of any broker the first listed, a frozen one too (SIGSTOP, not yet fenced): 5 s, not its 30 s
 * request timeout, before such a probe fails and its waitFor asks again (the fence of a frozen node took 34 s, not 4).
 */
export async function leaderOf(bootstrap: string, topic: string, partition: number): Promise<number> {
  const kafka = new Kafka({
    clientId: "leader-of",
    brokers: bootstrap.split(","),
    retry: { retries: 0 },
    requestTimeout: 5_000,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]!.partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
  } finally {
    await admin.disconnect();
  }
}

/** Java's String.hashCode of `s` (UTF-16 code units, 32-bit wrap-around). */
function javaHashCode(s: string): number {
  let hash = 0;
  for (let i = 0; i < s.length; i++) hash = (Math.imul(hash, 31) + s.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's Utils.abs: Math.abs, 0 for Integer.MIN_VALUE (not toPositive's `& 0x7fffffff`, which maps -5 elsewhere). */
function kafkaAbs(n: number): number {
  return n === -0x80000000 ? 0 : Math.abs(n);
}

/**
 * A consumer group id, `prefix` followed by a number, whose coordinator is node `nodeId`: the broker leading its
 * __consumer_offsets partition (Java's GroupCoordinator: Utils.abs(groupId.hashCode()) % the topic's partitions).
 * A group lookup creates that topic first, as a consumer's first FindCoordinator does.
 */
export async function groupCoordinatedBy(cluster: OwnCluster, nodeId: number, prefix: string): Promise<string> {
  const admin = cluster.client().admin();
  await admin.connect();
  try {
    await admin.describeGroups([`${prefix}probe`]);
    const [offsets] = (await admin.fetchTopicMetadata({ topics: ["__consumer_offsets"] })).topics;
    const leaders = new Map(offsets!.partitions.map((p) => [p.partitionId, p.leader]));
    for (let n = 0; n < 1000; n++) {
      const groupId = `${prefix}${n}`;
      if (leaders.get(kafkaAbs(javaHashCode(groupId)) % leaders.size) === nodeId) return groupId;
    }
    throw new Error(`node ${nodeId} leads no __consumer_offsets partition`);
  } finally {
    await admin.disconnect();
  }
}
