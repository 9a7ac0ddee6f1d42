/**
 * kafkajs' producer as scripts/patches/kafkajs-unanswered-produce.mjs patches it (20 of scripts/patch-dependencies.mjs):
 * a send a Produce request of which may have been written is retried past the retries of one nothing of which may be
 * (explore31 F1: given up after 3 retries, the runtime sent it again on a new producer and it was written twice), each
 * retry with the send's producer id and sequences, so that the broker drops a copy already written. These fail when an
 * install ran without the patch.
 */
import { describe, expect, test } from "bun:test";
import { createRequire } from "node:module";
import { KafkaJSConnectionError, KafkaJSProtocolError, KafkaJSRequestTimeoutError } from "kafkajs";

const require = createRequire(import.meta.url);
const createSendMessages = require(require.resolve("kafkajs/src/producer/sendMessages.js")) as (
  o: unknown,
) => (o: unknown) => Promise<unknown[]>;
const createRetry = require(require.resolve("kafkajs/src/retry/index.js")) as (o: object) => unknown;

interface ProduceCall {
  readonly producerId: number;
  readonly firstSequence: number;
}

/**
 * sendMessages over one broker leading partition 0 of topic t, whose Produce answers come from `answers` in turn (an
 * error: thrown; anything else: the answer), with retries as the adapter configures them (kafkajs' own backoff, 1 ms);
 * its topic's metadata fails with `metadataFailure` when given.
 */
function sender(answers: readonly unknown[], metadataFailure?: () => Error) {
  const calls: ProduceCall[] = [];
  const sequences = new Map<string, number>();
  const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };
  const broker = {
    nodeId: 1,
    async produce({ producerId, topicData }: { producerId: number; topicData: any[] }) {
      calls.push({ producerId, firstSequence: topicData[0].partitions[0].firstSequence });
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return { topics: [{ topicName: "t", partitions: [{ partition: 0, errorCode: 0, baseOffset: "7" }] }] };
    },
  };
  const cluster = {
    addMultipleTargetTopics: async () => {
      if (metadataFailure) throw metadataFailure();
    },
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => undefined,
    isConnected: () => true,
    findTopicPartitionMetadata: () => [{ partitionId: 0, leader: 1 }],
    findLeaderForPartitions: () => ({ 1: [0] }),
    findBroker: async () => broker,
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
  const send = createSendMessages({ logger, cluster, partitioner: () => 0, eosManager, retrier });
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
    const s = sender(["written"], unknown);
    const error = (await s.sent.catch((e: unknown) => e)) as Error;
    expect([error.name, (error.cause as Error).message, asked, s.calls.length]).toEqual([
      "KafkaJSNumberOfRetriesExceeded",
      "UNKNOWN_TOPIC_OR_PARTITION",
      4,
      0,
    ]);
  });
});
