/**
 * kafkajs' consumer with a fetch that gets no answer, as scripts/patches/kafkajs-fetch.mjs patches it (16 of
 * scripts/patch-dependencies.mjs): the fetch is made again after the KIP-580 backoff with fresh metadata, the member
 * staying in its group; only other errors reach kafkajs' runner (which fails the consumer once its retries run out).
 * A ConsumerGroup of kafkajs' own on a fake cluster; test/kafkajs-unreachable-leader.test.ts runs it on real brokers.
 */
import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { KafkaJSConnectionError, KafkaJSNonRetriableError } from "kafkajs";
import { createErrorFromCode } from "kafkajs/src/protocol/error";

const require = createRequire(import.meta.url);

type ConsumerGroup = {
  fetch(nodeId: number): Promise<unknown[]>;
  joinAndSync(): Promise<void>;
  subscriptionState: { assign(tps: { topic: string; partitions: number[] }[]): void };
  offsetManager: unknown;
};

/**
 * A member assigned partition t-0 (led by node 1) whose fetches from node 1 end as `answers` says, one each in turn
 * (an error: rejected with it; "answered": an empty answer); what it waited, asked and rejoined is recorded.
 */
function member(answers: (Error | "answered")[]) {
  const seen = { waits: [] as number[], refreshes: 0, rejoins: 0, removed: [] as unknown[], logged: [] as string[] };
  const broker = {
    fetch: async () => {
      const answer = answers.shift();
      if (answer === undefined) throw new Error("no more answers");
      if (answer !== "answered") throw answer;
      return { responses: [] };
    },
  };
  const cluster = {
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => void seen.refreshes++,
    findTopicPartitionMetadata: () => [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }],
    findBroker: async () => broker,
    removeBroker: (address: unknown) => void seen.removed.push(address),
    // The broker pool's KIP-580 backoff (patch 12), by the waits in a row: 0 ms here, so the test waits for nothing.
    brokerPool: {
      leaderlessBackoff: (waits: number) => {
        seen.waits.push(waits);
        return 0;
      },
    },
  };
  const logger = {
    namespace: () => logger,
    debug() {},
    info() {},
    warn: (message: string) => void seen.logged.push(message),
    error() {},
  };
  const ConsumerGroupClass = require(require.resolve("kafkajs/src/consumer/consumerGroup.js")) as new (
    o: object,
  ) => ConsumerGroup;
  const group = new ConsumerGroupClass({
    retry: {},
    cluster,
    groupId: "g",
    topics: ["t"],
    topicConfigurations: {},
    logger,
    instrumentationEmitter: { emit() {} },
    assigners: [],
    maxWaitTimeInMs: 0,
  });
  group.subscriptionState.assign([{ topic: "t", partitions: [0] }]);
  group.offsetManager = {
    resolveOffsets: async () => {},
    committedOffsets: () => ({ t: { 0: "5" } }),
    nextOffset: () => "5",
  };
  group.joinAndSync = async () => void seen.rejoins++;
  return { group, seen };
}

const refused = () =>
  new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 127.0.0.1:1", { code: "ECONNREFUSED" });

/** kafkajs' retrier's error once its retries ran out (or a bail): the last error its cause. */
const retriesOver = (cause: Error) => Object.assign(new KafkaJSNonRetriableError(cause), { cause });

describe("kafkajs fetch patch (scripts/patches/kafkajs-fetch.mjs)", () => {
  test("a fetch without an answer waits a backoff growing with each in a row, then asks for metadata; an answer starts it again", async () => {
    const { group, seen } = member([refused(), refused(), refused(), "answered", refused()]);
    for (let n = 0; n < 5; n++) expect(await group.fetch(1)).toEqual([]);
    expect(seen.waits).toEqual([1, 2, 3, 1]);
    expect(seen.refreshes).toBe(4);
    expect(seen.rejoins).toBe(0);
    expect(seen.logged).toEqual(
      Array(4).fill("Error sending fetch request to node 1: Connection error: connect ECONNREFUSED 127.0.0.1:1"),
    );
  });

  // kafkajs' names: NOT_LEADER_FOR_PARTITION is Kafka's NOT_LEADER_OR_FOLLOWER (6).
  test.each([
    ["a refused connection wrapped by kafkajs' retries", retriesOver(refused())],
    [
      "a request timeout",
      Object.assign(new Error("Request Fetch(key: 1, version: 11) timed out"), { name: "KafkaJSRequestTimeoutError" }),
    ],
    [
      "a broker gone from the metadata",
      Object.assign(new Error("Broker 1 not found in the cached metadata"), { name: "KafkaJSBrokerNotFound" }),
    ],
    ["NOT_LEADER_OR_FOLLOWER", createErrorFromCode(6)],
    ["FENCED_LEADER_EPOCH", createErrorFromCode(74)],
  ])("%s: fetched again after a backoff, without rejoining the group", async (_, error) => {
    const { group, seen } = member([error as Error]);
    expect(await group.fetch(1)).toEqual([]);
    expect(seen).toMatchObject({ waits: [1], refreshes: 1, rejoins: 0 });
  });

  test("a closed connection drops the broker's connection, then waits and asks for metadata", async () => {
    const closed = Object.assign(new KafkaJSConnectionError("Closed connection"), {
      name: "KafkaJSConnectionClosedError",
      host: "h",
      port: 9,
    });
    const { group, seen } = member([closed]);
    expect(await group.fetch(1)).toEqual([]);
    expect(seen).toMatchObject({ waits: [1], refreshes: 1, removed: [{ host: "h", port: 9 }] });
  });

  test.each([
    [
      "a refused TLS handshake",
      new KafkaJSConnectionError("unable to verify", { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }),
    ],
    ["an authorization refusal", createErrorFromCode(29)], // TOPIC_AUTHORIZATION_FAILED
  ])("%s still fails the fetch (kafkajs' runner fails the consumer)", async (_, error) => {
    const { group, seen } = member([error as Error]);
    expect(await group.fetch(1).catch((e: unknown) => e)).toBe(error);
    expect(seen.waits).toEqual([]);
  });
});
