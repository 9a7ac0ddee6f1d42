/**
 * kafkajs' consumer with a fetch or a heartbeat that gets no answer, as scripts/patches/kafkajs-fetch.mjs patches it (16
 * and 17 of scripts/patch-dependencies.mjs): the fetch is made again after the KIP-580 backoff with fresh metadata, the
 * heartbeat goes to the coordinator looked up again after it, the member staying in its group; only other errors reach
 * kafkajs' runner (which fails the consumer once its retries run out, or rejoins). A fetch answered
 * UNKNOWN_TOPIC_OR_PARTITION is made again after the backoff with fresh metadata too, as Java's.
 * A ConsumerGroup of kafkajs' own on a fake cluster; test/kafkajs-unreachable-leader.test.ts runs it on real brokers.
 */
import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { KafkaJSConnectionError, KafkaJSNonRetriableError } from "kafkajs";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import { waitFor } from "../../test/support/wait-for.ts";

const require = createRequire(import.meta.url);

type ConsumerGroup = {
  fetch(nodeId: number): Promise<unknown[]>;
  heartbeat(o: { interval: number }): Promise<void>;
  memberId: string | null;
  coordinator: unknown;
  joinAndSync(): Promise<void>;
  subscriptionState: { assign(tps: { topic: string; partitions: number[] }[]): void };
  offsetManager: unknown;
};

/**
 * A member assigned partition t-0 (led by node 1) whose fetches from node 1 end as `answers` says, one each in turn
 * (an error: rejected with it; "answered": an empty answer), each backoff `backoffMs` long; what it waited, asked and
 * rejoined is recorded, and what it logged (`logged` at WARN, `debugged` at DEBUG).
 */
function member(answers: (Error | "answered")[], backoffMs = 0) {
  const seen = {
    waits: [] as number[],
    refreshes: 0,
    rejoins: 0,
    removed: [] as unknown[],
    logged: [] as string[],
    debugged: [] as string[],
  };
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
    // The broker pool's KIP-580 backoff (patch 12), by the waits in a row: 0 ms unless told, so the test waits for nothing.
    brokerPool: {
      leaderlessBackoff: (waits: number) => {
        seen.waits.push(waits);
        return backoffMs;
      },
    },
    connect: async () => {},
    getNodeIds: () => [1],
  };
  const logger = {
    namespace: () => logger,
    debug: (message: string) => void seen.debugged.push(message),
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
  return {
    group,
    seen,
    logger,
    cluster: cluster as typeof cluster & { findGroupCoordinator?: () => Promise<unknown> },
  };
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
  ])("%s: fetched again after a backoff, without rejoining the group", async (_, error) => {
    const { group, seen } = member([error as Error]);
    expect(await group.fetch(1)).toEqual([]);
    expect(seen).toMatchObject({ waits: [1], refreshes: 1, rejoins: 0 });
  });

  // Java's FetchCollector logs these at DEBUG ('Error in fetch for partition …'); its INFO line is for no answer.
  // kafkajs' names: NOT_LEADER_FOR_PARTITION is Kafka's NOT_LEADER_OR_FOLLOWER (6).
  test.each([
    ["NOT_LEADER_OR_FOLLOWER", createErrorFromCode(6)],
    ["FENCED_LEADER_EPOCH", createErrorFromCode(74)],
    ["UNKNOWN_LEADER_EPOCH", createErrorFromCode(75)],
  ])("a fetch answered %s (the leader moved) is made again after a backoff, logged at DEBUG only", async (_, error) => {
    const { group, seen } = member([error as Error]);
    expect(await group.fetch(1)).toEqual([]);
    expect(seen).toMatchObject({ waits: [1], refreshes: 1, rejoins: 0, logged: [] });
    expect(seen.debugged).toContain(`Error in fetch from node 1: ${(error as Error).message}`);
  });

  // Java's FetchCollector only asks for a metadata update ('Received unknown topic or partition error in fetch for
  // partition …', at WARN); kafkajs also rejoined the group.
  test("a fetch answered UNKNOWN_TOPIC_OR_PARTITION is made again after a backoff with fresh metadata, without rejoining", async () => {
    const error = createErrorFromCode(3);
    const { group, seen } = member([error]);
    expect(await group.fetch(1)).toEqual([]);
    expect(seen).toMatchObject({ waits: [1], refreshes: 1, rejoins: 0 });
    expect(seen.logged).toEqual([`Received unknown topic or partition error in fetch from node 1: ${error.message}`]);
  });

  // p3batch review: Java's WARN names the partition; the fetch's answer names them (fetch/v0/response.js' parse).
  test("its WARN names the partitions the answer gave UNKNOWN_TOPIC_OR_PARTITION for", async () => {
    const { parse } = require("kafkajs/src/protocol/requests/fetch/v0/response") as {
      parse(data: object): Promise<unknown>;
    };
    const answer = {
      responses: [
        { topicName: "t", partitions: [0, 3, 3].map((errorCode, partition) => ({ partition, errorCode })) },
        { topicName: "u", partitions: [{ partition: 0, errorCode: 6 }] },
      ],
    };
    const error = (await parse(answer).catch((e: unknown) => e)) as Error;
    const { group, seen } = member([error]);
    expect(await group.fetch(1)).toEqual([]);
    expect(seen.logged).toEqual([
      `Received unknown topic or partition error in fetch for partition t-1, t-2 from node 1: ${error.message}`,
    ]);
  });

  test.each([
    ["without the topic (deleted)", createErrorFromCode(3)],
    ["refusing the topic (no longer authorized), after kafkajs' retries", retriesOver(createErrorFromCode(29))],
  ])("after a fetch answered UNKNOWN_TOPIC_OR_PARTITION, metadata %s fails the fetch", async (_, onTopic) => {
    const { group, seen, cluster } = member([createErrorFromCode(3)]);
    cluster.refreshMetadata = async () => {
      seen.refreshes++;
      throw onTopic;
    };
    expect(await group.fetch(1).catch((e: unknown) => e)).toBe(onTopic);
    expect(seen).toMatchObject({ waits: [1], refreshes: 1, rejoins: 0 });
  });

  // p3batch review: any failure of that metadata (a lost connection too) failed the consumer.
  test.each([
    ["a refused connection, after kafkajs' retries", retriesOver(refused())],
    [
      "a request timeout",
      Object.assign(new Error("Request Metadata(key: 3, version: 6) timed out"), {
        name: "KafkaJSRequestTimeoutError",
      }),
    ],
  ])(
    "after a fetch answered UNKNOWN_TOPIC_OR_PARTITION, metadata failing with %s is asked again after the next fetch",
    async (_, lost) => {
      const { group, seen, cluster } = member([createErrorFromCode(3), createErrorFromCode(3)]);
      cluster.refreshMetadata = async () => {
        seen.refreshes++;
        if (seen.refreshes === 1) throw lost;
      };
      expect([await group.fetch(1), await group.fetch(1)]).toEqual([[], []]);
      expect(seen).toMatchObject({ waits: [1, 2], refreshes: 2, rejoins: 0 });
    },
  );

  // kafkajs' stale assignment check sees only partitions added; Java's consumer rejoins when the metadata changed.
  test("after a fetch answered UNKNOWN_TOPIC_OR_PARTITION, metadata without an assigned partition (re-created with fewer) rejoins", async () => {
    const { group, seen, cluster } = member([createErrorFromCode(3)]);
    cluster.refreshMetadata = async () => {
      seen.refreshes++;
      cluster.findTopicPartitionMetadata = () => []; // t has no partition 0 any more
    };
    expect(await group.fetch(1)).toEqual([]);
    expect(seen).toMatchObject({ waits: [1], refreshes: 1, rejoins: 1 });
  });

  test("a consumer stopped while a fetch waits out its backoff stops without waiting for it or asking for metadata", async () => {
    const { group, seen, logger } = member([refused()], 3_600_000);
    const Runner = require(require.resolve("kafkajs/src/consumer/runner.js")) as new (
      o: object,
    ) => { start(): Promise<void>; stop(o: { leave: boolean }): Promise<void> };
    const crashes: unknown[] = [];
    const runner = new Runner({
      logger,
      consumerGroup: group,
      instrumentationEmitter: { emit() {} },
      onCrash: (e: unknown) => void crashes.push(e),
      retry: {},
    });
    await runner.start();
    await waitFor(() => seen.logged.length === 1, { what: "the fetch waiting out its hour of backoff" });
    await runner.stop({ leave: false }); // resolves once the fetch ended: an hour without the patch
    expect(seen).toMatchObject({ waits: [1], refreshes: 0, rejoins: 1 });
    expect(crashes).toEqual([]);
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
    // tlscodes-b: verification codes that start as a socket's errno does (E…) were taken for a fetch without an answer.
    ...["ERROR_IN_CERT_NOT_AFTER_FIELD", "EXCLUDED_VIOLATION", "EMAIL_MISMATCH"].map((code): [string, Error] => [
      `a refused TLS handshake (${code})`,
      new KafkaJSConnectionError("Connection error: certificate verification failed", { code }),
    ]),
    ["an authorization refusal", createErrorFromCode(29)], // TOPIC_AUTHORIZATION_FAILED
    [
      "a refused SASL login",
      Object.assign(new Error("SASL PLAIN authentication failed: Authentication failed"), {
        name: "KafkaJSSASLAuthenticationError",
      }),
    ],
  ])("%s still fails the fetch (kafkajs' runner fails the consumer)", async (_, error) => {
    const { group, seen } = member([error as Error]);
    expect(await group.fetch(1).catch((e: unknown) => e)).toBe(error);
    expect(seen.waits).toEqual([]);
  });
});

describe("kafkajs heartbeat patch (scripts/patches/kafkajs-fetch.mjs)", () => {
  type Coordinator = { nodeId: number; connectionPool: { host: string; port: number }; heartbeat(): Promise<void> };
  /**
   * A member whose coordinator is node 3; its heartbeats end as `answers` says, one each in turn, whichever coordinator
   * they go to; a look-up of the coordinator finds `found()` (node 1 unless told).
   */
  function heartbeating(answers: (Error | "answered")[], found: () => Promise<number> = async () => 1) {
    const { group, seen, cluster } = member([]);
    const sentTo: number[] = [];
    const coordinator = (nodeId: number): Coordinator => ({
      nodeId,
      connectionPool: { host: "h", port: 9000 + nodeId },
      heartbeat: async () => {
        sentTo.push(nodeId);
        const answer = answers.shift();
        if (answer !== "answered") throw answer ?? new Error("no more answers");
      },
    });
    group.memberId = "m";
    group.coordinator = coordinator(3);
    cluster.findGroupCoordinator = async () => coordinator(await found());
    const beat = () => group.heartbeat({ interval: 0 });
    const offsetsTo = () => (group.offsetManager as { coordinator?: Coordinator }).coordinator?.nodeId;
    return { group, seen, sentTo, beat, offsetsTo };
  }

  // kafkajs' names: NOT_COORDINATOR_FOR_GROUP is Kafka's NOT_COORDINATOR (16).
  test("a heartbeat without an answer, or answered NOT_COORDINATOR, looks the coordinator up again after a backoff; the member stays", async () => {
    const { seen, sentTo, beat, offsetsTo } = heartbeating([
      refused(),
      createErrorFromCode(16),
      "answered",
      retriesOver(refused()),
    ]);
    for (let n = 0; n < 4; n++) await beat();
    expect(sentTo).toEqual([3, 1, 1, 1]);
    expect(seen.waits).toEqual([1, 2, 1]);
    expect(seen.rejoins).toBe(0);
    expect(offsetsTo()).toBe(1); // the commits go to the coordinator found
    expect(seen.logged[0]).toBe(
      "Group coordinator h:9003 (id: 2147483644) is unavailable or invalid due to cause: Connection error: connect ECONNREFUSED 127.0.0.1:1. Rediscovery will be attempted.",
    );
  });

  // kafkajs' names: GROUP_COORDINATOR_NOT_AVAILABLE is Kafka's COORDINATOR_NOT_AVAILABLE (15).
  test("a heartbeat answered COORDINATOR_NOT_AVAILABLE looks the coordinator up again after a backoff", async () => {
    const { seen, sentTo, beat } = heartbeating([createErrorFromCode(15), "answered"]);
    await beat();
    await beat();
    expect(sentTo).toEqual([3, 1]);
    expect(seen).toMatchObject({ waits: [1], rejoins: 0 });
  });

  test("a look-up that fails keeps the coordinator for the next heartbeat", async () => {
    const { sentTo, beat } = heartbeating([refused(), "answered"], () => Promise.reject(refused()));
    await beat();
    await beat();
    expect(sentTo).toEqual([3, 3]);
  });

  test.each([
    ["REBALANCE_IN_PROGRESS", 27],
    ["ILLEGAL_GENERATION", 22],
    ["UNKNOWN_MEMBER_ID", 25],
  ])("%s still reaches kafkajs' runner (it rejoins)", async (_, code) => {
    const error = createErrorFromCode(code);
    const { seen, beat } = heartbeating([error]);
    expect(await beat().catch((e: unknown) => e)).toBe(error);
    expect(seen.waits).toEqual([]);
  });

  test("a heartbeat whose TLS handshake is refused still fails (kafkajs' runner fails the consumer)", async () => {
    const error = new KafkaJSConnectionError("unable to verify", { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    const { seen, sentTo, beat } = heartbeating([error]);
    expect(await beat().catch((e: unknown) => e)).toBe(error);
    expect(sentTo).toEqual([3]);
    expect(seen.waits).toEqual([]);
  });
});
