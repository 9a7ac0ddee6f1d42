/**
 * kafkajs' producer forgetting idle topics (scripts/patches/kafkajs-idle-topics.mjs, 22 of scripts/patch-dependencies.mjs)
 * through its send code: kafkajs' own sendMessages, Cluster, BrokerPool and eosManager over two fake brokers, the clock
 * stubbed (the existing src/kafka/kafkajs-idle-topics-patch.test.ts drives the Cluster alone). Each test's Metadata
 * requests fail when an install ran without the patch (the idle topic still asked for at every refresh), and so does
 * the partition the last test's record goes to (the stale count used); the first tests' outcome (the send answered, its
 * record written once, to its partition) is a guard that holds with or without the patch.
 */
import { afterEach, beforeEach, describe, expect, mock, spyOn, test } from "bun:test";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Cluster = require(require.resolve("kafkajs/src/cluster/index.js")) as new (
  o: unknown,
) => { brokerPool: { seedBroker: unknown; createBroker(o: { nodeId: number }): unknown } };
const createSendMessages = require(require.resolve("kafkajs/src/producer/sendMessages.js")) as (
  o: unknown,
) => (o: unknown) => Promise<unknown[]>;
const createEosManager = require(require.resolve("kafkajs/src/producer/eosManager/index.js")) as (o: unknown) => {
  initProducerId(): Promise<void>;
  getSequence(topic: string, partition: number): number;
};
const { createErrorFromCode } = require(require.resolve("kafkajs/src/protocol/error.js")) as {
  createErrorFromCode(code: number): Error;
};

const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };
const METADATA_MAX_IDLE = 5000;

/** A point a test holds kafkajs at: `pass()` (kafkajs) waits until the test calls `open()`, unless made open. */
function gate(open: boolean) {
  const reached = Promise.withResolvers<void>();
  const opened = Promise.withResolvers<void>();
  if (open) opened.resolve();
  return {
    reached: reached.promise,
    open: () => opened.resolve(),
    pass: () => {
      reached.resolve();
      return opened.promise;
    },
  };
}
type Gate = ReturnType<typeof gate>;

interface Batch {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly firstSequence: number;
  readonly value: string;
}

/** What the fake brokers read of kafkajs' Produce request. */
interface ProduceRequest {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly topicData: { topic: string; partitions: { partition: number; firstSequence: number; messages: any[] }[] }[];
}

/**
 * Kafka as two brokers (node n at broker-n:9092, node 1 the seed broker): node 1 leads topic t, node 2 topic u, each with
 * the partition count `partitions` gives (which a test may raise). A broker drops a batch of an idempotent producer's
 * id, epoch and first sequence its partition already has, answering its offset, as Kafka's duplicate check. Given
 * `firstAnswer`, node 1 writes its first Produce request, then answers REQUEST_TIMED_OUT (its replicas late) once it is
 * open; every other request is answered.
 */
function fakeKafka(partitions: Record<string, number>, firstAnswer?: Gate) {
  const logs = new Map<string, Batch[]>();
  const asked: string[][] = [];
  let produced = 0;
  const leaders: Record<string, number> = { t: 1, u: 2 };
  const metadata = (topics: string[]) => ({
    brokers: [1, 2].map((nodeId) => ({ nodeId, host: `broker-${nodeId}`, port: 9092, rack: null })),
    controllerId: 1,
    topicMetadata: topics.map((topic) => ({
      topicErrorCode: 0,
      topic,
      partitionMetadata: Array.from({ length: partitions[topic]! }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: leaders[topic]!,
        replicas: [leaders[topic]!],
        isr: [leaders[topic]!],
      })),
    })),
  });
  /** A partition's answer, its batch appended unless the log has it. */
  const append = (topic: string, partition: number, batch: Batch) => {
    const log = logs.get(`${topic}/${partition}`) ?? [];
    logs.set(`${topic}/${partition}`, log);
    let offset = log.findIndex(
      (b) =>
        b.producerId === batch.producerId &&
        b.producerEpoch === batch.producerEpoch &&
        b.firstSequence === batch.firstSequence,
    );
    if (offset < 0) offset = log.push(batch) - 1;
    return { partition, errorCode: 0, baseOffset: String(offset), logAppendTime: "-1", logStartOffset: "0" };
  };
  const broker = (nodeId: number) => ({
    nodeId,
    connectionPool: { host: `broker-${nodeId}`, port: 9092, rack: null },
    isConnected: () => true,
    connect: async () => {},
    disconnect: async () => {},
    initProducerId: async () => ({ producerId: 42, producerEpoch: 7 }),
    async metadata(topics: string[]) {
      asked.push(topics);
      return metadata(topics);
    },
    async produce({ producerId, producerEpoch, topicData }: ProduceRequest) {
      const topics = topicData.map(({ topic, partitions }) => ({
        topicName: topic,
        partitions: partitions.map(({ partition, firstSequence, messages }) =>
          append(topic, partition, { producerId, producerEpoch, firstSequence, value: String(messages[0].value) }),
        ),
      }));
      if (!firstAnswer || nodeId !== 1 || produced++) return { topics };
      await firstAnswer.pass();
      throw createErrorFromCode(7); // REQUEST_TIMED_OUT
    },
  });
  const brokers = new Map([1, 2].map((nodeId) => [nodeId, broker(nodeId)]));
  /** Each partition's records, as its log has them (`topic/partition`). */
  const written = () => Object.fromEntries([...logs].map(([p, log]) => [p, log.map((b) => b.value)]));
  return { brokers, asked, written };
}
type FakeKafka = ReturnType<typeof fakeKafka>;

/**
 * kafkajs' retrier as sendMessages calls it (at most 5 retries, a bail ends the send), each retry once `backoff` is
 * open: the test holds a send while it waits to retry.
 */
function retrier(backoff: Gate) {
  const again = Symbol("again");
  return async (attempt: (bail: (e: unknown) => void, retryCount: number, retryTime: number) => Promise<unknown>) => {
    for (let retryCount = 0; ; retryCount++) {
      let bailed: { e: unknown } | undefined;
      const bail = (e: unknown) => {
        bailed = { e };
      };
      const result = await attempt(bail, retryCount, 0).catch((e: unknown) => (retryCount < 5 ? again : bail(e)));
      if (bailed) throw bailed.e;
      if (result !== again) return result;
      await backoff.pass();
    }
  };
}

/**
 * An idempotent producer (metadata.max.idle.ms 5 s, metadata.max.age.ms 5 min) of `kafka`, its id initialized, whose
 * partitioner places a record at its key modulo the partition count and records each count it sees by topic.
 */
async function producer(kafka: FakeKafka, backoff: Gate = gate(true)) {
  const cluster = new Cluster({
    logger,
    brokers: ["broker-1:9092"],
    metadataMaxAge: 300_000,
    metadataMaxIdle: METADATA_MAX_IDLE,
  });
  cluster.brokerPool.seedBroker = kafka.brokers.get(1);
  cluster.brokerPool.createBroker = ({ nodeId }) => kafka.brokers.get(nodeId);
  const eosManager = createEosManager({ logger, cluster });
  await eosManager.initProducerId();
  kafka.asked.length = 0; // the producer's start (its id asked) left out
  const counts: Record<string, number[]> = {};
  const partitioner = ({
    topic,
    partitionMetadata,
    message,
  }: {
    topic: string;
    partitionMetadata: unknown[];
    message: any;
  }) => {
    counts[topic] = [...(counts[topic] ?? []), partitionMetadata.length];
    return Number(message.key) % partitionMetadata.length;
  };
  const sendMessages = createSendMessages({ logger, cluster, partitioner, eosManager, retrier: retrier(backoff) });
  /** One record of `key` and `value` sent to `topic` with acks=all. */
  const send = (topic: string, key: string, value: string) =>
    sendMessages({
      acks: -1,
      timeout: 30_000,
      topicMessages: [{ topic, messages: [{ key, value: Buffer.from(value) }] }],
    });
  return { send, counts, sequence: (topic: string, partition: number) => eosManager.getSequence(topic, partition) };
}

const answer = (topicName: string, partition: number) => ({
  topicName,
  partition,
  errorCode: 0,
  baseOffset: "0",
  logAppendTime: "-1",
  logStartOffset: "0",
});

describe("kafkajs idle target topics patch through kafkajs' send (scripts/patches/kafkajs-idle-topics.mjs)", () => {
  let now = 0;
  beforeEach(() => {
    now = 0;
    spyOn(Date, "now").mockImplementation(() => now);
  });
  afterEach(() => mock.restore());

  describe("a send's topic dropped by a refresh for another topic while the send is not done", () => {
    test.each([
      // In flight, the refresh at its request's failure comes after the one for u: u alone asked for. Waiting to retry,
      // it came before, t still asked for; either way the retry asks for t again (the patch's "new topic").
      ["its Produce request in flight (acks=all, the replicas late)", true, [["t"], ["u"], ["u"], ["u", "t"]]],
      ["waiting to retry its Produce request", false, [["t"], ["t"], ["u"], ["u", "t"]]],
    ])(
      "%s: its retry adds the topic back and asks for it; written once, to its partition",
      async (_, inFlight, asked) => {
        const firstAnswer = gate(!inFlight);
        const backoff = gate(inFlight);
        const kafka = fakeKafka({ t: 2, u: 1 }, firstAnswer);
        const { send, counts, sequence } = await producer(kafka, backoff);
        const sent = send("t", "1", "a");
        await (inFlight ? firstAnswer : backoff).reached;

        now = METADATA_MAX_IDLE; // t idle since its send
        const other = await send("u", "0", "c");
        (inFlight ? firstAnswer : backoff).open();

        expect({ sent: await sent, other, written: kafka.written(), asked: kafka.asked }).toEqual({
          sent: [answer("t", 1)],
          other: [answer("u", 0)],
          written: { "t/1": ["a"], "u/0": ["c"] },
          asked,
        });
        expect([counts, sequence("t", 1)]).toEqual([{ t: [2, 2], u: [1] }, 1]);
      },
    );
  });

  test("a topic dropped while its metadata is still cached, then given partitions: its next send asks for it, and the partitioner sees them", async () => {
    const partitions = { t: 1, u: 1 };
    const kafka = fakeKafka(partitions);
    const { send, counts } = await producer(kafka);
    await send("t", "2", "a");
    await send("u", "0", "b");
    now = METADATA_MAX_IDLE - 1000;
    await send("u", "0", "c");
    now = METADATA_MAX_IDLE;
    await send("u", "0", "d"); // t dropped, its metadata (1 partition, kept 5 minutes) not asked again
    expect(kafka.asked).toEqual([["t"], ["t", "u"]]);

    // As Java's producer asks at once for a topic its idle expiry removed: kafkajs unpatched kept t and its cached
    // metadata until metadata.max.age.ms, placing the record among 1 partition.
    partitions.t = 3;
    expect(await send("t", "2", "e")).toEqual([answer("t", 2)]);
    expect({ counts, written: kafka.written(), asked: kafka.asked }).toEqual({
      counts: { t: [1, 3], u: [1, 1, 1] },
      written: { "t/0": ["a"], "u/0": ["b", "c", "d"], "t/2": ["e"] },
      asked: [["t"], ["t", "u"], ["u", "t"]],
    });
  });
});
