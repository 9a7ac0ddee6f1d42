/**
 * kafkajs' producer as scripts/patches/kafkajs-unanswered-produce.mjs patches it (20 of scripts/patch-dependencies.mjs):
 * a send a Produce request of which may have been written is retried past the retries of one nothing of which may be
 * (explore31 F1: given up after 3 retries, the runtime sent it again on a new producer and it was written twice), each
 * retry with the send's producer id and sequences, so that the broker drops a copy already written; and as
 * scripts/patches/kafkajs-moved-leader-produce.mjs (21) patches it: each retry sends every partition not answered yet to
 * its leader now (explore32 F1). These fail when an install ran without the patches.
 */
import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from "kafkajs";

const require = createRequire(import.meta.url);
const createSendMessages = require(require.resolve("kafkajs/src/producer/sendMessages.js")) as (
  o: unknown,
) => (o: unknown) => Promise<unknown[]>;
const createRetry = require(require.resolve("kafkajs/src/retry/index.js")) as (o: object) => unknown;
/** kafkajs' error for a connection the broker closed (its types do not export it). */
const { KafkaJSConnectionClosedError } = require(require.resolve("kafkajs/src/errors.js")) as {
  KafkaJSConnectionClosedError: new (message: string, broker?: { host: string; port: number }) => Error;
};

interface ProduceCall {
  readonly producerId: number;
  readonly firstSequence: number;
}

/** As kafkajs' cluster.findLeaderForPartitions: the partitions asked about, by the node id of their leader. */
function partitionsPerLeader(leaders: Record<number, number>, partitions: readonly string[]): Record<number, number[]> {
  const result: Record<number, number[]> = {};
  for (const partition of partitions.map(Number)) {
    const leader = leaders[partition]!;
    result[leader] = [...(result[leader] ?? []), partition];
  }
  return result;
}

const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };

/** What these tests read of kafkajs' eosManager (which keeps a producer's id, epoch, sequences and broker locks). */
interface EosManager {
  getSequence(topic: string, partition: number): number;
}
const createEosManager = require(require.resolve("kafkajs/src/producer/eosManager/index.js")) as (
  o: unknown,
) => EosManager & { initProducerId(): Promise<void> };

/**
 * kafkajs' own eosManager of an idempotent producer, initialized with producer id 42, epoch 7; of a producer that is not
 * idempotent when not `idempotent` (never initialized: producer id -1, epoch 0, every sequence 0).
 */
async function idempotentProducer(idempotent = true): Promise<EosManager> {
  const controller = { initProducerId: async () => ({ producerId: 42, producerEpoch: 7 }) };
  const cluster = {
    retry: { retries: 0 },
    refreshMetadataIfNecessary: async () => undefined,
    findControllerBroker: async () => controller,
  };
  const eosManager = createEosManager({ logger, cluster });
  if (idempotent) await eosManager.initProducerId();
  return eosManager;
}

/** How the fake cluster differs from one broker leading partition 0 of topic t, always connected. */
interface SenderOptions {
  /** Its topic's metadata fails so. */
  readonly metadataFailure?: () => Error;
  /** Whether the cluster is connected, after `produced` Produce requests of broker 1. */
  readonly connected?: (produced: number) => boolean;
  /** The cluster's reconnection, once it is not connected. */
  readonly connect?: () => Promise<void>;
  /** Its metadata refresh after a failed Produce request. */
  readonly refreshMetadata?: () => Promise<void>;
  /** Partition 1 too, led by broker 2 (which answers every request) or by broker 1. */
  readonly partition1?: "broker 2" | "broker 1";
}

/**
 * sendMessages over a cluster (SenderOptions) whose broker 1's Produce answers come from `answers` in turn (an error:
 * thrown; anything else: the answer), with retries as the adapter configures them (kafkajs' own backoff, 1 ms).
 */
async function sender(answers: readonly unknown[], o: SenderOptions = {}) {
  const calls: ProduceCall[] = [];
  const eosManager = await idempotentProducer();
  const answerOf = (topicData: any[]) => ({
    topics: [
      {
        topicName: "t",
        partitions: topicData[0].partitions.map((p: any) => ({
          partition: p.partition,
          errorCode: 0,
          baseOffset: "7",
        })),
      },
    ],
  });
  const broker = {
    nodeId: 1,
    async produce({ producerId, topicData }: { producerId: number; topicData: any[] }) {
      calls.push({ producerId, firstSequence: topicData[0].partitions[0].firstSequence });
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answerOf(topicData);
    },
  };
  const broker2 = { nodeId: 2, produce: async ({ topicData }: { topicData: any[] }) => answerOf(topicData) };
  const leaders: Record<number, number> =
    o.partition1 === "broker 2" ? { 0: 1, 1: 2 } : o.partition1 === "broker 1" ? { 0: 1, 1: 1 } : { 0: 1 };
  const cluster = {
    // Its metadata asked of a broker connected again first, as kafkajs' cluster does after a disconnection.
    async addMultipleTargetTopics() {
      if (!this.isConnected()) await this.connect();
      if (o.metadataFailure) throw o.metadataFailure();
    },
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: o.refreshMetadata ?? (async () => undefined),
    isConnected: () => o.connected?.(calls.length) ?? true,
    connect: o.connect ?? (async () => undefined),
    findTopicPartitionMetadata: () => [{ partitionId: 0, leader: 1 }],
    findLeaderForPartitions: (_: string, partitions: readonly string[]) => partitionsPerLeader(leaders, partitions),
    findBroker: async ({ nodeId }: { nodeId: string }) => (nodeId === "2" ? broker2 : broker),
  };
  const retrier = Object.assign(
    createRetry({ initialRetryTime: 1, maxRetryTime: 1, retries: Number.MAX_SAFE_INTEGER }) as object,
    { unwrittenRetries: 3 },
  );
  // Two records, each to its own partition when the topic has partition 1 too.
  const partitioner = () => {
    let n = 0;
    return () => (o.partition1 ? n++ % 2 : 0);
  };
  const send = createSendMessages({ logger, cluster, partitioner: partitioner(), eosManager, retrier });
  const sent = send({
    acks: -1,
    timeout: 1000,
    topicMessages: [{ topic: "t", messages: [{ value: Buffer.from("a") }, { value: Buffer.from("b") }] }],
  });
  return { sent, calls, sequence: () => eosManager.getSequence("t", 0) };
}

const timedOut = () => new KafkaJSRequestTimeoutError("Request Produce(key: 0, version: 7) timed out");
const answered = (type: string, code: number) =>
  new KafkaJSProtocolError({ message: type, type, code, retriable: true } as never);

describe("kafkajs producer patch 20 (scripts/patches/kafkajs-unanswered-produce.mjs)", () => {
  test.each([
    ["timed out", timedOut],
    ["answered REQUEST_TIMED_OUT (the leader waited for its replicas)", () => answered("REQUEST_TIMED_OUT", 7)],
    [
      "answered NOT_ENOUGH_REPLICAS_AFTER_APPEND (appended, not replicated)",
      () => answered("NOT_ENOUGH_REPLICAS_AFTER_APPEND", 20),
    ],
    ["whose connection was lost", () => new KafkaJSConnectionError("Connection closed")],
  ])(
    "a Produce request %s, then NOT_ENOUGH_REPLICAS: retried past 3 retries, each with the send's producer id and sequence",
    async (_, first) => {
      const notEnough = answered("NOT_ENOUGH_REPLICAS", 19);
      const s = await sender([first(), notEnough, notEnough, notEnough, notEnough, notEnough, "written"]);
      expect(await s.sent).toEqual([{ topicName: "t", partition: 0, errorCode: 0, baseOffset: "7" }]);
      expect(s.calls).toEqual(Array(7).fill({ producerId: 42, firstSequence: 0 }));
      expect(s.sequence()).toBe(2);
    },
  );

  test.each([
    ["answered NOT_ENOUGH_REPLICAS (nothing appended)", () => answered("NOT_ENOUGH_REPLICAS", 19)],
    [
      "refused its connection",
      () => new KafkaJSConnectionError("connect ECONNREFUSED", { code: "ECONNREFUSED" } as never),
    ],
  ])("a send every Produce request of which was %s: given up after 3 retries, as before", async (_, failure) => {
    const s = await sender([failure()]);
    const error = (await s.sent.catch((e: unknown) => e)) as Error;
    expect([error.name, (error.cause as Error).message, s.calls.length, s.sequence()]).toEqual([
      "KafkaJSNumberOfRetriesExceeded",
      failure().message,
      4,
      0,
    ]);
  });

  test("a send whose topic's metadata fails (UNKNOWN_TOPIC_OR_PARTITION: not there): given up after 3 retries, as before", async () => {
    let asked = 0;
    const unknown = () => {
      asked++;
      return answered("UNKNOWN_TOPIC_OR_PARTITION", 3);
    };
    const s = await sender(["written"], { metadataFailure: unknown });
    const error = (await s.sent.catch((e: unknown) => e)) as Error;
    expect([error.name, (error.cause as Error).message, asked, s.calls.length]).toEqual([
      "KafkaJSNumberOfRetriesExceeded",
      "UNKNOWN_TOPIC_OR_PARTITION",
      4,
      0,
    ]);
  });

  describe("Kafka not reached after a Produce request that may have been written (a single broker crashed, restarting)", () => {
    const refused = (code: string) =>
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError("Connection error", { code } as never), {
        retryCount: 3,
        retryTime: 1,
      } as never);

    test("its reconnection refused 5 times: retried, not given up, each try with the send's sequence", async () => {
      let refusals = 0;
      const connect = async () => {
        if (refusals++ < 5) throw refused("ECONNREFUSED");
      };
      const lost = new KafkaJSConnectionError("Connection closed");
      const s = await sender([lost, "written"], { connected: (produced) => produced === 0 || refusals > 5, connect });
      expect(await s.sent).toEqual([{ topicName: "t", partition: 0, errorCode: 0, baseOffset: "7" }]);
      expect([s.calls, refusals, s.sequence()]).toEqual([Array(2).fill({ producerId: 42, firstSequence: 0 }), 6, 2]);
    });

    test("connected, its metadata refresh refused past kafkajs' retries (another broker crashed): retried, not ended", async () => {
      let refreshes = 0;
      const refreshMetadata = async () => {
        if (refreshes++ === 0) throw refused("ECONNREFUSED");
      };
      const lost = new KafkaJSConnectionError("Connection closed");
      const s = await sender([lost, "written"], { refreshMetadata });
      expect(await s.sent).toEqual([{ topicName: "t", partition: 0, errorCode: 0, baseOffset: "7" }]);
      expect([s.calls, refreshes, s.sequence()]).toEqual([Array(2).fill({ producerId: 42, firstSequence: 0 }), 1, 2]);
    });

    test("the producer stopped meanwhile (its connections refused, EPRODUCERSTOPPED): the send ends at once", async () => {
      let refusals = 0;
      const connect = async () => {
        refusals++;
        throw refused("EPRODUCERSTOPPED");
      };
      const lost = new KafkaJSConnectionError("Connection closed");
      const s = await sender([lost], { connected: (produced) => produced === 0, connect });
      const error = (await s.sent.catch((e: unknown) => e)) as Error;
      expect([error.name, s.calls.length, refusals]).toEqual(["KafkaJSNumberOfRetriesExceeded", 1, 1]);
    });
  });

  describe("part of a send written, its other part answered NOT_ENOUGH_REPLICAS", () => {
    test.each([
      ["another broker's request answered", "broker 2"],
      ["the same request of two partitions (kafkajs throws the first failed partition's error)", "broker 1"],
    ] as const)("%s: retried past 3 retries, not given up", async (_, partition1) => {
      const notEnough = answered("NOT_ENOUGH_REPLICAS", 19);
      const s = await sender([notEnough, notEnough, notEnough, notEnough, notEnough, "written"], { partition1 });
      expect((await s.sent).length).toBe(2);
      expect(s.calls).toEqual(Array(6).fill({ producerId: 42, firstSequence: 0 }));
    });
  });
});

/** A Produce request of a partition, as a fake broker got it. */
interface PartitionRequest {
  readonly node: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly partition: number;
  readonly firstSequence: number;
}

/** How a broker of `replicated` handles its first Produce request. */
type FirstRequest =
  | "answered"
  | "written, then its connection closed"
  | "its connection closed, unwritten"
  | "answered late"
  | "answered NOT_ENOUGH_REPLICAS late";

/** How `replicated` sends: kafkajs' sendBatch refuses an idempotent producer's acks but -1; sendMessages does not. */
interface ReplicatedSend {
  readonly acks?: number;
  readonly idempotent?: boolean;
}

/**
 * sendMessages over a cluster of brokers 1 to 3 whose partitions 0 and 1 of topic t share one log each, as their
 * replicas do, and drop a batch (one record here) of an idempotent producer's id, epoch and first sequence they already
 * have, answering its offset (as Kafka's duplicate check). `leaders` says which broker leads each partition until a
 * metadata refresh, `moved` since; each broker handles its first request as `first` says (a broker not named answers),
 * later ones answered. "late": after the event loop's next turn, once the other requests of the attempt have failed
 * and been handled. kafkajs' retries are made at once, within the same turn (its backoff left out). A broker's lost
 * connection names it (host broker-<node>, port 9092); `removed` has the brokers kafkajs removed from its cluster.
 */
async function replicated(
  leaders: Record<number, number>,
  moved: Record<number, number>,
  first: Record<number, FirstRequest>,
  { acks = -1, idempotent = true }: ReplicatedSend = {},
) {
  const logs = new Map<number, { producerId: number; producerEpoch: number; firstSequence: number; value: string }[]>([
    [0, []],
    [1, []],
  ]);
  const requests: PartitionRequest[] = [];
  const removed: { host: string; port: number }[] = [];
  const eosManager = await idempotentProducer(idempotent);
  const closed = (node: number) =>
    new KafkaJSConnectionClosedError("Closed connection", { host: `broker-${node}`, port: 9092 });
  const broker = (node: number) => ({
    nodeId: node,
    async produce({
      producerId,
      producerEpoch,
      topicData,
    }: {
      producerId: number;
      producerEpoch: number;
      topicData: any[];
    }) {
      const handling = requests.some((r) => r.node === node) ? "answered" : (first[node] ?? "answered");
      const partitions = topicData[0].partitions as { partition: number; firstSequence: number; messages: any[] }[];
      for (const { partition, firstSequence } of partitions)
        requests.push({ node, producerId, producerEpoch, partition, firstSequence });
      if (handling === "its connection closed, unwritten") throw closed(node);
      if (handling === "answered NOT_ENOUGH_REPLICAS late") {
        await new Promise((resolve) => setImmediate(resolve));
        throw answered("NOT_ENOUGH_REPLICAS", 19);
      }
      const answers = partitions.map(({ partition, firstSequence, messages }) => {
        const log = logs.get(partition)!;
        const batch = { producerId, producerEpoch, firstSequence, value: String(messages[0].value) };
        let offset = log.findIndex(
          (b) =>
            producerId >= 0 &&
            b.producerId === producerId &&
            b.producerEpoch === producerEpoch &&
            b.firstSequence === firstSequence,
        );
        if (offset < 0) offset = log.push(batch) - 1;
        return { partition, errorCode: 0, baseOffset: String(offset), logAppendTime: "-1", logStartOffset: "0" };
      });
      if (handling === "written, then its connection closed") throw closed(node);
      if (handling === "answered late") await new Promise((resolve) => setImmediate(resolve));
      return { topics: [{ topicName: "t", partitions: answers }] };
    },
  });
  const brokers = new Map([1, 2, 3].map((node) => [String(node), broker(node)]));
  let current = leaders;
  const cluster = {
    addMultipleTargetTopics: async () => undefined,
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => {
      current = moved;
    },
    isConnected: () => true,
    removeBroker: (b: { host: string; port: number }) => {
      removed.push(b);
    },
    findTopicPartitionMetadata: () => [0, 1].map((partitionId) => ({ partitionId, leader: current[partitionId] })),
    findLeaderForPartitions: (_: string, partitions: readonly string[]) => partitionsPerLeader(current, partitions),
    findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(nodeId),
  };
  const retryAtOnce = async (attempt: (bail: (e: Error) => void, retryCount: number) => Promise<unknown>) => {
    for (let retryCount = 0; ; retryCount++) {
      let bailed: Error | undefined;
      try {
        const result = await attempt((e) => {
          bailed = e;
        }, retryCount);
        if (bailed) throw bailed;
        return result;
      } catch (e) {
        if (bailed || retryCount === 5) throw e;
      }
    }
  };
  // Record "a" to partition 0, "b" to partition 1.
  const partitioner = ({ message }: { message: { value: Buffer } }) => (String(message.value) === "a" ? 0 : 1);
  const send = createSendMessages({ logger, cluster, partitioner, eosManager, retrier: retryAtOnce });
  const sent = send({
    acks,
    timeout: 1000,
    topicMessages: [{ topic: "t", messages: [{ value: Buffer.from("a") }, { value: Buffer.from("b") }] }],
  });
  /** Each partition's records, as its log has them. */
  const written = () => Object.fromEntries([...logs].map(([p, log]) => [p, log.map((b) => b.value)]));
  return {
    sent,
    requests,
    removed,
    written,
    sequence: (partition: number) => eosManager.getSequence("t", partition),
  };
}

const request = (node: number, partition: number, idempotent = true): PartitionRequest => ({
  node,
  producerId: idempotent ? 42 : -1,
  producerEpoch: idempotent ? 7 : 0,
  partition,
  firstSequence: 0,
});
const answer = (partition: number, offset = 0) => ({
  topicName: "t",
  partition,
  errorCode: 0,
  baseOffset: String(offset),
  logAppendTime: "-1",
  logStartOffset: "0",
});
/** patch 21's answer for a partition sent with acks=0, which no broker answers. */
const sentWithoutAcks = (partition: number) => ({
  ...answer(partition),
  baseOffset: "-1",
  logStartOffset: "-1",
});

// explore32 F1: kafkajs kept each broker's answer and asked again only the brokers without one: partition 1, whose
// leader (broker 2, killed) had failed its request, moved to broker 1, which had answered partition 0, and was left out
// of the retry; the send resolved without its answer, and the runtime sent its record again as a new one (a new
// producer): written twice when broker 2 had written it before its connection closed.
describe("kafkajs producer patch 21 (scripts/patches/kafkajs-moved-leader-produce.mjs)", () => {
  test.each(["written, then its connection closed", "its connection closed, unwritten"] as const)(
    "partition 1's request %s, its leadership moved to the broker that answered partition 0: sent to it again with the original producer id, epoch and sequence, written once",
    async (failed) => {
      const s = await replicated({ 0: 1, 1: 2 }, { 0: 1, 1: 1 }, { 2: failed });
      expect(await s.sent).toEqual([answer(0), answer(1)]);
      expect(s.requests).toEqual([request(1, 0), request(2, 1), request(1, 1)]);
      expect([s.written(), s.sequence(0), s.sequence(1)]).toEqual([{ 0: ["a"], 1: ["b"] }, 1, 1]);
    },
  );

  // Promise.all ended the attempt at broker 2's failure with broker 1's request in flight (a leader waiting for its
  // replicas with acks=all while the killed broker is still in sync): the retry sent partition 0 again, with the next
  // sequence, and broker 1 appended it as a new batch.
  test("a request still in flight when another fails: its partition not sent again before it is answered", async () => {
    const s = await replicated(
      { 0: 1, 1: 2 },
      { 0: 1, 1: 3 },
      { 1: "answered late", 2: "written, then its connection closed" },
    );
    expect(await s.sent).toEqual([answer(0), answer(1)]);
    expect(s.requests).toEqual([request(1, 0), request(2, 1), request(3, 1)]);
    expect([s.written(), s.sequence(0), s.sequence(1)]).toEqual([{ 0: ["a"], 1: ["b"] }, 1, 1]);
  });

  // Waiting for every request, the attempt rethrew the first failure in broker order: a lost connection that came
  // first was not the one handled, and its broker was not removed from kafkajs' cluster.
  test("two requests failed: the attempt fails with the first in time, as kafkajs' Promise.all did (its broker removed)", async () => {
    const s = await replicated(
      { 0: 1, 1: 2 },
      { 0: 1, 1: 3 },
      { 1: "answered NOT_ENOUGH_REPLICAS late", 2: "its connection closed, unwritten" },
    );
    expect(await s.sent).toEqual([answer(0), answer(1)]);
    expect(s.removed).toEqual([{ host: "broker-2", port: 9092 }]);
  });

  test.each([
    [-1, true],
    [1, true],
    [0, true],
    [-1, false],
    [1, false],
    [0, false],
  ])("acks=%p, idempotent %p: only the unanswered partition sent again", async (acks, idempotent) => {
    const s = await replicated(
      { 0: 1, 1: 2 },
      { 0: 1, 1: 1 },
      { 2: "written, then its connection closed" },
      { acks, idempotent },
    );
    // Not idempotent (producer id -1), the broker cannot tell the copy: written twice, as by Java's producer. With
    // acks=0 a partition is answered once sent (base offset -1: review p3i).
    expect(await s.sent).toEqual(
      acks === 0 ? [sentWithoutAcks(0), sentWithoutAcks(1)] : [answer(0), answer(1, idempotent ? 0 : 1)],
    );
    expect(s.requests).toEqual([request(1, 0, idempotent), request(2, 1, idempotent), request(1, 1, idempotent)]);
    expect([s.written(), s.sequence(0), s.sequence(1)]).toEqual(
      idempotent ? [{ 0: ["a"], 1: ["b"] }, 1, 1] : [{ 0: ["a"], 1: ["b", "b"] }, 0, 0],
    );
  });
});
