/**
 * What a kafkajs send wrote, record by record, when it fails (send-outcome.ts): the records kafkajs left out of it
 * (explore19 F1, explore32 F1) and those of a send that fails after Kafka acknowledged some of its partitions (review
 * f1kjs-b), through KafkajsProducer over a fake kafkajs producer or kafkajs' own over a fake cluster.
 */
import { describe, expect, jest, test } from "bun:test";
import { createRequire } from "node:module";
import { KafkaJSConnectionError, type Producer, type ProducerBatch, type RecordMetadata } from "kafkajs";
import { settled } from "../../../test/support/wait-for.ts";
import { isRetriable, type JavaException } from "../../errors.ts";
import type { ProducerRecord } from "../kafka-port.ts";
import { NotSentError, neverSent, unwritten, writtenRecords } from "../send-rejection.ts";
import { PARTITION, pinningPartitioner } from "./partitioner.ts";
import { KafkajsProducer } from "./producer.ts";
import { EVENTS, record, SETTINGS } from "./producer-test-support.ts";
import { leftOut } from "./send-outcome.ts";

/** A record for topic t with `key` (Java's murmur2 on 2 partitions: k3 goes to 0, k0 to 1). */
const keyed = (key: string): ProducerRecord => ({ ...record("t"), key: new TextEncoder().encode(key) });

const require = createRequire(import.meta.url);
/** kafkajs' own producer factory, over the cluster it is given. */
const createKafkajsProducer = require(require.resolve("kafkajs/src/producer/index.js")) as (o: object) => Producer;

// explore19 F1: a record kafkajs left out of the send (its partition gone from the refreshed metadata: the topic
// re-created with fewer partitions) was reported written at offset -1.
describe("kafkajs: a send its retry left records out of", () => {
  const metadata = (count: number) =>
    Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));

  /**
   * kafkajs' sendBatch over `acks` with a retry: its messages partitioned on `counts[i]` partitions in attempt i, the
   * brokers' answers (kept over the attempts) those of `answered` (base offset 7 + 10 × partition; -1 for acks=0, whose
   * partitions patch 21 answers once sent).
   */
  function retried(acks: number, counts: readonly number[], answered: readonly number[]): Producer {
    const partitioner = pinningPartitioner();
    return {
      events: EVENTS,
      on: () => () => undefined,
      async sendBatch(batch: { topicMessages: { topic: string; messages: object[] }[] }) {
        const [{ topic, messages }] = batch.topicMessages as [{ topic: string; messages: object[] }];
        for (const count of counts)
          for (const message of messages)
            partitioner({ topic, partitionMetadata: metadata(count), message: message as never });
        return answered.map((partition) => ({
          topicName: topic,
          partition,
          errorCode: 0,
          baseOffset: String(acks === 0 ? -1 : 7 + 10 * partition),
          logAppendTime: "-1",
        }));
      },
    } as unknown as Producer;
  }

  /** The topic shrinks to 1 partition for the retry; only partition 0 answered. */
  const shrinking = (acks: number) => retried(acks, [2, 1], [0]);

  const failure = (producer: Producer, acks: number, records: ProducerRecord[]) =>
    new KafkajsProducer(producer, { ...SETTINGS, acks, idempotent: acks === -1 }).send(records).then(
      () => undefined,
      (e: unknown) => e,
    );

  test.each([-1, 1])(
    "acks=%p: retriable, the answered partition's records listed written, the others not",
    async (acks) => {
      const error = await failure(shrinking(acks), acks, [keyed("k3"), keyed("k0"), keyed("k3")]);
      expect([isRetriable(error), String(error), unwritten(error), writtenRecords(error)]).toEqual([
        true,
        "RetriableError: Failed to send 1 records to Kafka: t-1 not in the topic's metadata any more (the topic deleted and re-created with fewer partitions?); the client left them out of the send",
        false,
        [
          { topic: "t", partition: 0, offset: 7, timestamp: null },
          null,
          { topic: "t", partition: 0, offset: 8, timestamp: null },
        ],
      ]);
    },
  );

  test("a partition its earlier attempt had answered, gone from the refreshed metadata: its records written", async () => {
    const written = await new KafkajsProducer(retried(-1, [2, 1], [0, 1]), SETTINGS).send([keyed("k3"), keyed("k0")]);
    expect(written).toEqual([
      { topic: "t", partition: 0, offset: 7, timestamp: null },
      { topic: "t", partition: 1, offset: 17, timestamp: null },
    ]);
  });

  // kafkajs unpatched left out a partition whose leader moved to a broker that had answered (explore32 F1): patch 21
  // sends it again. One left without an answer all the same is not said to be gone from the metadata.
  test("a partition still in the metadata but unanswered: not written by this producer, said unanswered", async () => {
    const error = await failure(retried(-1, [2, 2], [0]), -1, [keyed("k3"), keyed("k0")]);
    expect([isRetriable(error), String(error), unwritten(error), writtenRecords(error)]).toEqual([
      true,
      "RetriableError: Failed to send 1 records to Kafka: t-1 still in the topic's metadata but not answered (an earlier attempt may have written them); the client left them out of the send",
      false,
      [{ topic: "t", partition: 0, offset: 7, timestamp: null }, null],
    ]);
  });

  test("acks=0: a record the last attempt left out is not written, those of the partition sent are (offset -1)", async () => {
    const error = await failure(shrinking(0), 0, [keyed("k3"), keyed("k0")]);
    expect(writtenRecords(error)).toEqual([{ topic: "t", partition: 0, offset: -1, timestamp: null }, null]);
  });

  // A send's failure may list its own records written (PartlyWritten): a send behind it must not take that list.
  test("a send queued behind the failed one: not sent, never sent, no records listed written", async () => {
    const producer = new KafkajsProducer(shrinking(-1), SETTINGS);
    const [first, second] = await Promise.all(
      [[keyed("k3"), keyed("k0")], [keyed("k3")]].map((records) =>
        producer.send(records).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    const later = await producer.send([keyed("k3")]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(writtenRecords(first)).toEqual([{ topic: "t", partition: 0, offset: 7, timestamp: null }, null]);
    for (const error of [second, later])
      expect([error instanceof NotSentError, unwritten(error), writtenRecords(error), (error as Error).cause]).toEqual([
        true,
        true,
        undefined,
        first,
      ]);
  });
});

// Review p3i: a record whose partition kafkajs never chose was named "t--1".
describe("leftOut", () => {
  test("a record without a partition yet is named by its topic alone", () => {
    expect(leftOut([record("t")], [{}], [null]).message).toBe(
      "Failed to send 1 records to Kafka: t still in the topic's metadata but not answered (an earlier attempt may have written them); the client left them out of the send",
    );
  });
});

// Review f1kjs-b: a send that ran out of delivery.timeout.ms or of retries was reported wholly perhaps written, so the
// runtime sent again on a new producer also the records of a partition Kafka had acknowledged: written twice. Java's
// producer expires or fails only the batches never acknowledged.
describe("kafkajs: a send that fails after Kafka acknowledged some of its partitions (dependency patch 21's answers)", () => {
  const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };
  /** A Produce request its broker never answers. */
  const unanswered = () => new Promise<never>(() => undefined);

  /**
   * kafkajs' own producer (its dependency patches; idempotent with acks=-1) over a cluster of topic t's partition 0,
   * led by broker 1, which answers it (base offset 7), and partition 1, led by broker 2, whose Produce requests
   * `unreachable` settles; KafkajsProducer's settings SETTINGS' but for `settings`. `requests`: broker 1's Produce
   * requests; `answered`: kafkajs handed KafkajsProducer a partition's answer.
   */
  async function partOfItAnswered(
    unreachable: () => Promise<never>,
    retries: number,
    settings: { acks?: number; deliveryTimeoutMs?: number } = {},
  ) {
    const { acks = SETTINGS.acks } = settings;
    const requests: number[] = [];
    const broker = (nodeId: number) => ({
      nodeId,
      async produce({ topicData }: { topicData: { partitions: { partition: number }[] }[] }) {
        if (nodeId === 2) return unreachable();
        requests.push(nodeId);
        const partitions = topicData[0]!.partitions.map(({ partition }) => ({
          partition,
          errorCode: 0,
          baseOffset: "7",
        }));
        return { topics: [{ topicName: "t", partitions }] };
      },
    });
    const brokers = new Map([1, 2].map((nodeId) => [String(nodeId), broker(nodeId)]));
    const cluster = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      isConnected: () => true,
      findControllerBroker: async () => ({ initProducerId: async () => ({ producerId: 42, producerEpoch: 7 }) }),
      addMultipleTargetTopics: async () => undefined,
      refreshMetadataIfNecessary: async () => undefined,
      refreshMetadata: async () => undefined,
      findTopicPartitionMetadata: () => [0, 1].map((partitionId) => ({ partitionId, leader: partitionId + 1 })),
      findLeaderForPartitions: (_: string, partitions: readonly string[]) =>
        Object.fromEntries(partitions.map((p) => [String(Number(p) + 1), [Number(p)]])),
      findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(nodeId),
    };
    const kafkajs = createKafkajsProducer({
      cluster,
      logger,
      createPartitioner: pinningPartitioner,
      idempotent: acks === -1,
      retry: { retries, initialRetryTime: 1, maxRetryTime: 1, unwrittenRetries: 3 },
    });
    await kafkajs.connect();
    const answered = Promise.withResolvers<void>();
    const watched: Producer = {
      ...kafkajs,
      sendBatch: (batch: ProducerBatch & { answers: RecordMetadata[] }) => {
        const { answers } = batch;
        answers.push = (...items) => {
          if (items.length > 0) answered.resolve();
          return Array.prototype.push.apply(answers, items);
        };
        return kafkajs.sendBatch(batch);
      },
    };
    const producer = new KafkajsProducer(watched, { ...SETTINGS, ...settings, idempotent: acks === -1 });
    return { producer, requests, answered: answered.promise };
  }

  /**
   * `send`'s outcome once delivery.timeout.ms (50 ms) ran out after partition 0 was answered: the producer's clock is
   * faked, so that the deadline comes only then, however long the answer took.
   */
  async function expiredAfterAnswer(send: (producer: KafkajsProducer) => Promise<unknown>): Promise<unknown> {
    const { producer, answered } = await partOfItAnswered(unanswered, Number.MAX_SAFE_INTEGER, {
      deliveryTimeoutMs: 50,
    });
    jest.useFakeTimers();
    let sent: Promise<unknown>;
    try {
      sent = send(producer).catch((e: unknown) => e);
      await answered;
      jest.advanceTimersByTime(50);
    } finally {
      jest.useRealTimers();
    }
    return settled(sent, { what: "the send given up" });
  }

  /**
   * `send`'s outcome once partition 1's leader refused its connection past `retries` 2, delivery.timeout.ms far off
   * (SETTINGS'), so that the send ends out of retries however long they take.
   */
  async function outOfRetries(send: (producer: KafkajsProducer) => Promise<unknown>, acks = -1) {
    const refusing = async () => {
      throw new KafkaJSConnectionError("Connection error: connect ECONNREFUSED", { code: "ECONNREFUSED" } as never);
    };
    const { producer, requests } = await partOfItAnswered(refusing, 2, { acks });
    const error = await settled(
      send(producer).catch((e: unknown) => e),
      { what: "the send failed" },
    );
    return { error, requests };
  }

  const sendThree = (producer: KafkajsProducer) => producer.send([keyed("k3"), keyed("k0"), keyed("k3")]);

  test.each([
    [
      "delivery.timeout.ms elapsed, partition 1's request unanswered",
      () => expiredAfterAnswer(sendThree),
      "delivery.timeout.ms elapsed",
    ],
    [
      "out of retries, partition 1's leader refusing its connection",
      async () => (await outOfRetries(sendThree)).error,
      "Connection error: connect ECONNREFUSED",
    ],
  ])("%s: partition 0's records listed written at their offsets, partition 1's not", async (_, failed, message) => {
    const error = await failed();
    expect([String(error), isRetriable(error), unwritten(error), writtenRecords(error)]).toEqual([
      `RetriableError: Failed to send records to Kafka: ${message}`,
      true,
      false,
      [
        { topic: "t", partition: 0, offset: 7, timestamp: null },
        null,
        { topic: "t", partition: 0, offset: 8, timestamp: null },
      ],
    ]);
  });

  test("delivery.timeout.ms: only the records never acknowledged are said expired", async () => {
    const error = await expiredAfterAnswer(sendThree);
    expect(((error as Error).cause as JavaException).message).toBe(
      "Expiring 1 record(s) for t-1:50 ms has passed since batch creation. The request has not been sent, or no server response has been received yet.",
    );
  });

  // Review f1kjs-c: such a send's cause read "Expiring 0 record(s) for :…".
  test("delivery.timeout.ms with each record acknowledged, the send not reported done yet: none said expired, each written", async () => {
    const answeredAll = {
      events: EVENTS,
      on: () => () => undefined,
      disconnect: async () => undefined,
      // kafkajs having handed over partition 0's answer (its partitioner placed the records there), then not settling
      sendBatch: (batch: { topicMessages: { messages: Record<symbol, number>[] }[]; answers: RecordMetadata[] }) => {
        for (const { messages } of batch.topicMessages) for (const m of messages) m[PARTITION] = 0;
        batch.answers.push({ topicName: "t", partition: 0, errorCode: 0, baseOffset: "7", logAppendTime: "-1" });
        return new Promise(() => undefined);
      },
    } as unknown as Producer;
    const producer = new KafkajsProducer(answeredAll, { ...SETTINGS, deliveryTimeoutMs: 50 });
    const error = await settled(
      producer.send([record("t"), record("t")]).catch((e: Error) => e),
      { what: "the send given up" },
    );
    expect([String(error), ((error as Error).cause as JavaException).message, writtenRecords(error)]).toEqual([
      "RetriableError: Failed to send records to Kafka: delivery.timeout.ms elapsed",
      "Kafka acknowledged each of the 2 record(s), but the client had not completed the send 50 ms after it started.",
      [
        { topic: "t", partition: 0, offset: 7, timestamp: null },
        { topic: "t", partition: 0, offset: 8, timestamp: null },
      ],
    ]);
  });

  // Review p3i: kafkajs kept no answer with acks=0, so such a send listed nothing written and the runtime sent it whole
  // again: partition 0's records, already sent, written twice. Java counts an acks=0 batch done once it is sent.
  test("acks=0 out of retries: partition 0 sent once, its records listed written (offset -1), partition 1's not", async () => {
    const { error, requests } = await outOfRetries(sendThree, 0);
    expect([String(error), isRetriable(error), unwritten(error), writtenRecords(error), requests]).toEqual([
      "RetriableError: Failed to send records to Kafka: Connection error: connect ECONNREFUSED",
      true,
      false,
      [
        { topic: "t", partition: 0, offset: -1, timestamp: null },
        null,
        { topic: "t", partition: 0, offset: -1, timestamp: null },
      ],
      [1],
    ]);
  });

  test("forceClose: partition 0's records listed written, partition 1's may still be", async () => {
    const { producer, answered } = await partOfItAnswered(unanswered, Number.MAX_SAFE_INTEGER);
    const sent = producer.send([keyed("k0"), keyed("k3")]).catch((e: Error) => e);
    await answered;
    producer.forceClose();
    const error = await settled(sent, { what: "the send rejected" });
    expect([String(error), neverSent(error), writtenRecords(error)]).toEqual([
      "ConnectError: The producer was closed forcefully before the records were acknowledged",
      false,
      [null, { topic: "t", partition: 0, offset: 7, timestamp: null }],
    ]);
  });
});
