/**
 * kafkajs' producer as scripts/patches/kafkajs-unanswered-produce.mjs patches it (20 of scripts/patch-dependencies.mjs):
 * a send a Produce request of which may have been written is retried past the retries of one nothing of which may be
 * (explore31 F1: given up after 3 retries, the runtime sent it again on a new producer and it was written twice), each
 * retry with the send's producer id and sequences, so that the broker drops a copy already written. These fail when an
 * install ran without the patch.
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

interface ProduceCall {
  readonly producerId: number;
  readonly firstSequence: number;
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
function sender(answers: readonly unknown[], o: SenderOptions = {}) {
  const calls: ProduceCall[] = [];
  const sequences = new Map<string, number>();
  const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };
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
  const leaders: Record<number, number[]> =
    o.partition1 === "broker 2" ? { 1: [0], 2: [1] } : o.partition1 === "broker 1" ? { 1: [0, 1] } : { 1: [0] };
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
    findLeaderForPartitions: () => leaders,
    findBroker: async ({ nodeId }: { nodeId: string }) => (nodeId === "2" ? broker2 : broker),
  };
  const key = (topic: string, partition: number) => `${topic}-${partition}`;
  const eosManager = {
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    isTransactional: () => false,
    getProducerId: () => 42,
    getProducerEpoch: () => 0,
    getSequence: (topic: string, partition: number) => sequences.get(key(topic, partition)) ?? 0,
    updateSequence: (topic: string, partition: number, n: number) =>
      sequences.set(key(topic, partition), (sequences.get(key(topic, partition)) ?? 0) + n),
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
  return { sent, calls, sequence: () => sequences.get("t-0") };
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
      const s = sender([first(), notEnough, notEnough, notEnough, notEnough, notEnough, "written"]);
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
    const s = sender([failure()]);
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
    const s = sender(["written"], { metadataFailure: unknown });
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
      const s = sender([lost, "written"], { connected: (produced) => produced === 0 || refusals > 5, connect });
      expect(await s.sent).toEqual([{ topicName: "t", partition: 0, errorCode: 0, baseOffset: "7" }]);
      expect([s.calls, refusals, s.sequence()]).toEqual([Array(2).fill({ producerId: 42, firstSequence: 0 }), 6, 2]);
    });

    test("connected, its metadata refresh refused past kafkajs' retries (another broker crashed): retried, not ended", async () => {
      let refreshes = 0;
      const refreshMetadata = async () => {
        if (refreshes++ === 0) throw refused("ECONNREFUSED");
      };
      const lost = new KafkaJSConnectionError("Connection closed");
      const s = sender([lost, "written"], { refreshMetadata });
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
      const s = sender([lost], { connected: (produced) => produced === 0, connect });
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
      const s = sender([notEnough, notEnough, notEnough, notEnough, notEnough, "written"], { partition1 });
      expect((await s.sent).length).toBe(2);
      expect(s.calls).toEqual(Array(6).fill({ producerId: 42, firstSequence: 0 }));
    });
  });
});
