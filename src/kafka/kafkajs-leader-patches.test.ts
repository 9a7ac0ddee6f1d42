/**
 * kafkajs with a partition without a leader, as scripts/patches/kafkajs-leaders.mjs patches it (12 to 14 of
 * scripts/patch-dependencies.mjs): its Metadata answer used, metadata asked again while a partition has no leader, its
 * producer's send and its consumer's start offsets. These fail when an install ran without the patches.
 */
import { afterEach, beforeEach, describe, expect, mock, spyOn, test } from "bun:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

describe("kafkajs Metadata patches (scripts/patches/kafkajs-leaders.mjs)", () => {
  const answer = (topicErrorCode: number) => ({
    brokers: [{ nodeId: 1, host: "h", port: 1 }],
    topicMetadata: [
      {
        topicErrorCode,
        topic: "t",
        partitionMetadata: [
          { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1] },
          { partitionErrorCode: 5, partitionId: 1, leader: -1, replicas: [2], isr: [] }, // LEADER_NOT_AVAILABLE
          { partitionErrorCode: 9, partitionId: 2, leader: 1, replicas: [1, 2], isr: [1] }, // REPLICA_NOT_AVAILABLE
        ],
      },
    ],
  });
  const parseOf = (version: number) =>
    (
      require(require.resolve(`kafkajs/src/protocol/requests/metadata/v${version}/response.js`)) as {
        parse(data: unknown): Promise<unknown>;
      }
    ).parse;

  test.each([0, 1, 2, 3, 4, 5, 6])(
    "v%i: an answer whose errors are all partitions' is used, as Java's Metadata",
    async (version) => {
      const data = answer(0);
      expect(await parseOf(version)(data)).toBe(data);
    },
  );

  test("a topic's error still fails the answer", async () => {
    const failed = (await parseOf(6)(answer(3)).catch((e: unknown) => e)) as { type?: string };
    expect(failed.type).toBe("UNKNOWN_TOPIC_OR_PARTITION");
  });

  /**
   * A BrokerPool (retry backoff 100 ms, metadata max age 5 minutes unless given) whose broker answers `metadata()`; its
   * clock stands still at `now`.
   */
  function brokerPool(metadata: () => unknown, retry: object = { initialRetryTime: 100 }, metadataMaxAge = 300_000) {
    const BrokerPool = require(require.resolve("kafkajs/src/cluster/brokerPool.js")) as new (
      o: unknown,
    ) => {
      seedBroker: unknown;
      findConnectedBroker(): Promise<unknown>;
      refreshMetadata(topics: string[]): Promise<void>;
      metadataExpireAt: number;
    };
    const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };
    const pool = new BrokerPool({ logger, retry, metadataMaxAge });
    pool.seedBroker = { nodeId: 1, connectionPool: { host: "h", port: 1 } };
    const seed = { metadata: async () => metadata(), disconnect: async () => {} };
    pool.findConnectedBroker = async () => seed;
    /** How long the metadata of each of `answers` refreshes in a row is kept. */
    const keptFor = async (answers: number) => {
      const kept: number[] = [];
      for (let i = 0; i < answers; i++) {
        await pool.refreshMetadata(["t"]);
        kept.push(pool.metadataExpireAt - now);
      }
      return kept;
    };
    return { pool, keptFor };
  }
  const now = 1_000_000;
  const led = () => {
    const all = answer(0);
    all.topicMetadata[0]!.partitionMetadata[1]!.leader = 2;
    return all;
  };

  describe("while a partition has no leader", () => {
    let draw = 0.5; // jitter factor 0.8 + 0.4 · draw: 1
    beforeEach(() => {
      draw = 0.5;
      spyOn(Date, "now").mockReturnValue(now);
      spyOn(Math, "random").mockImplementation(() => draw);
    });
    afterEach(() => mock.restore());

    // kjsleader review P2-2: it was asked every 100 ms for as long as the partition stayed offline.
    test("metadata is asked again after retry.backoff.ms doubling up to retry.backoff.max.ms, as Java's (KIP-580)", async () => {
      const { keptFor } = brokerPool(() => answer(0));
      expect(await keptFor(6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    });

    test("the waits start again at retry.backoff.ms once every partition has a leader", async () => {
      const answers = [answer(0), answer(0), answer(0), led(), answer(0)];
      const { keptFor } = brokerPool(() => answers.shift());
      expect(await keptFor(5)).toEqual([100, 200, 400, 300_000, 100]);
    });

    test("the waits are drawn within ±20 %, capped at retry.backoff.max.ms", async () => {
      const { keptFor } = brokerPool(() => answer(0));
      draw = 0;
      expect(await keptFor(2)).toEqual([80, 160]);
      draw = 0.999;
      expect(await keptFor(3)).toEqual([479, 959, 1000]);
    });

    test("the cap is leaderlessMaxRetryTime (retry.backoff.max.ms); metadataMaxAge if shorter", async () => {
      expect(
        await brokerPool(() => answer(0), { initialRetryTime: 100, leaderlessMaxRetryTime: 300 }).keptFor(3),
      ).toEqual([100, 200, 300]);
      expect(await brokerPool(() => answer(0), { initialRetryTime: 100 }, 250).keptFor(3)).toEqual([100, 200, 250]);
    });

    test("a retry.backoff.ms above retry.backoff.max.ms waits retry.backoff.max.ms, as Java's", async () => {
      const retry = { initialRetryTime: 2000, leaderlessMaxRetryTime: 500 };
      expect(await brokerPool(() => answer(0), retry).keptFor(2)).toEqual([500, 500]);
    });
  });

  test("metadata whose partitions all have a leader is kept for metadataMaxAge, as before", async () => {
    const { pool } = brokerPool(led);
    const before = Date.now();
    await pool.refreshMetadata(["t"]);
    expect(pool.metadataExpireAt - 300_000).toBeGreaterThanOrEqual(before);
    expect(pool.metadataExpireAt - 300_000).toBeLessThanOrEqual(Date.now());
  });
});

// kjsleader: a keyed record for a partition without a leader (its broker down) went to broker -1: "Broker -1 not found in
// the cached metadata", its metadata not asked again.
describe("kafkajs producer patch for a partition without a leader (scripts/patches/kafkajs-leaders.mjs)", () => {
  test("the send fails with LEADER_NOT_AVAILABLE (retriable), nothing sent, and asks for metadata before its retry", async () => {
    const createSendMessages = require(require.resolve("kafkajs/src/producer/sendMessages.js")) as (
      o: unknown,
    ) => (o: unknown) => Promise<unknown>;
    const requests: string[] = [];
    const cluster = {
      addMultipleTargetTopics: async () => {},
      refreshMetadataIfNecessary: async () => {},
      refreshMetadata: async () => void requests.push("refreshMetadata"),
      isConnected: () => true,
      findTopicPartitionMetadata: () => [
        { partitionId: 0, leader: 1 },
        { partitionId: 1, leader: -1 },
      ],
      findLeaderForPartitions: (_topic: string, partitions: string[]) => ({ "-1": partitions.map(Number) }),
      findBroker: async ({ nodeId }: { nodeId: string }) => {
        requests.push(`findBroker ${nodeId}`);
        throw new Error(`Broker ${nodeId} not found in the cached metadata`);
      },
    };
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const send = createSendMessages({
      logger,
      cluster,
      partitioner: () => 1,
      eosManager: {},
      retrier: (fn: (bail: (e: Error) => never) => Promise<unknown>) =>
        fn((e) => {
          throw e;
        }),
    });
    const error = (await send({
      acks: -1,
      topicMessages: [{ topic: "t", messages: [{ key: "k", value: "v" }] }],
    }).catch((e: unknown) => e)) as { type?: string; retriable?: boolean };
    expect({ type: error.type, retriable: error.retriable, requests }).toEqual({
      type: "LEADER_NOT_AVAILABLE",
      retriable: true,
      requests: ["refreshMetadata"],
    });
  });
});

// kjsleader: a consumer whose assignment had a partition without a committed offset and without a leader failed the
// start offset look-up of every such partition, and made it again at once after each metadata request, over and over.
describe("kafkajs consumer start offsets patch (scripts/patches/kafkajs-leaders.mjs)", () => {
  /** An OffsetManager of `assigned` partitions of topic t, none committed, over a cluster whose partition 1 has `leader`. */
  function offsetManager(assigned: number[], leader: () => number) {
    const OffsetManager = require(require.resolve("kafkajs/src/consumer/offsetManager/index.js")) as new (
      o: unknown,
    ) => { resolveOffsets(): Promise<void>; committedOffsets(): Record<string, Record<number, string | undefined>> };
    const committed: Record<string, Record<number, string | undefined>> = {};
    const asked: unknown[] = [];
    const cluster = {
      committedOffsets: () => committed,
      findTopicPartitionMetadata: () => [
        { partitionId: 0, leader: 1 },
        { partitionId: 1, leader: leader() },
      ],
      fetchTopicsOffset: async (topics: { topic: string; partitions: { partition: number }[] }[]) => {
        asked.push(topics);
        return topics.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map(({ partition }) => ({ partition, offset: "7" })),
        }));
      },
    };
    // Nothing committed: OffsetFetch answers -1 for each partition asked.
    const coordinator = {
      isConnected: () => true,
      offsetFetch: async ({ topics }: { topics: { topic: string; partitions: { partition: number }[] }[] }) => ({
        responses: topics.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map(({ partition }) => ({ partition, offset: "-1" })),
        })),
      }),
    };
    const manager = new OffsetManager({
      cluster,
      coordinator,
      memberAssignment: { t: assigned },
      topicConfigurations: { t: { fromBeginning: true } },
      instrumentationEmitter: { emit() {} },
      groupId: "g",
    });
    return { manager, asked };
  }

  test("a partition without a leader is left out of the look-up (not fetched: unresolved), the others start", async () => {
    let leader = -1;
    const { manager, asked } = offsetManager([0, 1], () => leader);
    await manager.resolveOffsets();
    expect(asked).toEqual([[{ topic: "t", partitions: [{ partition: 0 }], fromBeginning: true }]]);
    expect(manager.committedOffsets()).toEqual({ t: { 0: "7", 1: undefined } });

    leader = 3; // back: looked up at the next fetch
    await manager.resolveOffsets();
    expect(asked.at(-1)).toEqual([{ topic: "t", partitions: [{ partition: 1 }], fromBeginning: true }]);
    expect(manager.committedOffsets()).toEqual({ t: { 0: "7", 1: "7" } });
  });

  test("a topic whose only unresolved partition has no leader stays unresolved", async () => {
    const { manager, asked } = offsetManager([1], () => -1);
    await manager.resolveOffsets();
    expect(asked).toEqual([[]]);
    expect(manager.committedOffsets()).toEqual({ t: { 1: undefined } });
  });
});
