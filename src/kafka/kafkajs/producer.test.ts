/**
 * KafkajsProducer's claim that the broker refused a send unwritten (the port's refused) over a fake kafkajs producer:
 * made only when the refusal was the send's only Produce answer and no Produce request of it timed out (review 14:
 * it was made for any refusal of a send to one topic, also after kafkajs had retried a timed-out request, or written
 * one broker's partitions before another broker refused the rest), and its failure of a send kafkajs left records out of.
 */
import { describe, expect, jest, test } from "bun:test";
import { createRequire } from "node:module";
import { KafkaJSConnectionError, KafkaJSProtocolError, type Producer } from "kafkajs";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import { isRetriable, type JavaException } from "../../errors.ts";
import { LogManager } from "../../util/logger.ts";
import type { ProducerRecord } from "../kafka-port.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { NotSentError, neverSent, refused, unwritten, writtenRecords } from "../send-rejection.ts";
import { PARTITION, pinningPartitioner } from "./partitioner.ts";
import { KafkajsProducer } from "./producer.ts";

const require = createRequire(import.meta.url);
/** kafkajs' own producer factory, over the cluster it is given. */
const createKafkajsProducer = require(require.resolve("kafkajs/src/producer/index.js")) as (o: object) => Producer;

/** Java's producer defaults (acks=all, idempotent), no compression. */
const SETTINGS = { acks: -1, compression: 0, requestTimeoutMs: 30_000, deliveryTimeoutMs: 120_000, idempotent: true };

const EVENTS = { REQUEST: "producer.network.request", REQUEST_TIMEOUT: "producer.network.request_timeout" };

/** A kafkajs producer whose sendBatch emits `events` (instrumentation event name, apiName) and then rejects as denied. */
function deniedAfter(events: readonly [keyof typeof EVENTS, string][]): Producer {
  const listeners = new Map<string, ((e: { payload: { apiName: string } }) => void)[]>();
  return {
    events: EVENTS,
    on(name: string, listener: (e: { payload: { apiName: string } }) => void) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () => undefined;
    },
    async sendBatch() {
      for (const [event, apiName] of events)
        for (const l of listeners.get(EVENTS[event]) ?? []) l({ payload: { apiName } });
      const denied = new KafkaJSProtocolError("Not authorized to access topics: [Topic authorization failed]" as never);
      throw Object.assign(denied, { type: "TOPIC_AUTHORIZATION_FAILED", retriable: false });
    },
  } as unknown as Producer;
}

const record = (topic: string): ProducerRecord => ({
  topic,
  partition: null,
  key: null,
  value: new Uint8Array([1]),
  headers: [],
  timestamp: null,
});

async function rejection(producer: Producer, records: ProducerRecord[]): Promise<unknown> {
  return new KafkajsProducer(producer, SETTINGS).send(records).then(
    () => {
      throw new Error("the send succeeded");
    },
    (error: unknown) => error,
  );
}

describe("kafkajs: a send to one topic the broker refuses the principal", () => {
  test("refused in its only Produce request: certainly unwritten", async () => {
    const error = await rejection(
      deniedAfter([
        ["REQUEST", "Metadata"],
        ["REQUEST", "Produce"],
      ]),
      [record("t")],
    );
    expect(refused(error)).toBe(true);
  });

  test("refused after an earlier Produce request of it timed out (kafkajs retried it): may have been written", async () => {
    const error = await rejection(
      deniedAfter([
        ["REQUEST_TIMEOUT", "Produce"],
        ["REQUEST", "Produce"],
      ]),
      [record("t")],
    );
    expect(unwritten(error)).toBe(false);
  });

  test("refused by one broker after another answered its partitions (written): may have been written", async () => {
    const error = await rejection(
      deniedAfter([
        ["REQUEST", "Produce"],
        ["REQUEST", "Produce"],
      ]),
      [record("t")],
    );
    expect(unwritten(error)).toBe(false);
  });

  test("a send to several topics is never claimed unwritten", async () => {
    const error = await rejection(deniedAfter([["REQUEST", "Produce"]]), [record("t"), record("u")]);
    expect(unwritten(error)).toBe(false);
  });
});

describe("kafkajs: record headers", () => {
  test("every header reaches kafkajs in its order (a list: __proto__, constructor and repeated names as any other)", async () => {
    let sent: { topicMessages: { messages: { headers?: { key: string; value: Buffer | null }[] }[] }[] } | undefined;
    const producer = {
      events: EVENTS,
      on: () => () => undefined,
      async sendBatch(batch: typeof sent) {
        sent = batch;
        return [{ topicName: "t", partition: 0, errorCode: 0, baseOffset: "0", logAppendTime: "-1" }];
      },
    } as unknown as Producer;
    const bytes = (s: string) => new TextEncoder().encode(s);
    const headers = [
      { key: "x", value: bytes("1") },
      { key: "__proto__", value: bytes("a") },
      { key: "constructor", value: null },
      { key: "x", value: bytes("2") },
    ];
    await new KafkajsProducer(producer, SETTINGS).send([{ ...record("t"), headers }]).catch(() => undefined);
    const got = sent!.topicMessages[0]!.messages[0]!.headers!;
    expect(got.map((h) => [h.key, h.value === null ? null : String(h.value)])).toEqual([
      ["x", "1"],
      ["__proto__", "a"],
      ["constructor", null],
      ["x", "2"],
    ]);
    expect(got.every((h) => h.value === null || Buffer.isBuffer(h.value))).toBe(true);
  });
});

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
   * brokers' answers (kept over the attempts) those of `answered` (base offset 7 + 10 × partition); none for acks=0.
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
        if (acks === 0) return [];
        return answered.map((partition) => ({
          topicName: topic,
          partition,
          errorCode: 0,
          baseOffset: String(7 + 10 * partition),
          logAppendTime: "-1",
        }));
      },
    } as unknown as Producer;
  }

  /** The topic shrinks to 1 partition for the retry; only partition 0 answered. */
  const shrinking = (acks: number) => retried(acks, [2, 1], [0]);

  // Java's murmur2 on 2 partitions: k3 goes to 0, k0 to 1.
  const keyed = (key: string): ProducerRecord => ({ ...record("t"), key: new TextEncoder().encode(key) });

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

  test("acks=0: no answer to go by; a record the last attempt left out is not written, the others are (offset -1)", async () => {
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

describe("kafkajs: forceClose (Java's close(Duration.ZERO), an abandoned source task's: explore23 F1)", () => {
  test("the send under way rejects at once (may be written), the one queued behind it never reaches kafkajs; kafkajs disconnects once", async () => {
    const batches: unknown[] = [];
    let disconnects = 0;
    const stuck = {
      events: EVENTS,
      on: () => () => undefined,
      sendBatch: (batch: unknown) => {
        batches.push(batch);
        return new Promise(() => undefined); // kafkajs retrying while Kafka is unreachable
      },
      disconnect: async () => {
        disconnects++;
      },
    } as unknown as Producer;
    const producer = new KafkajsProducer(stuck, SETTINGS);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => "written",
        (e: Error) => e,
      );
    const first = outcome(producer.send([record("t")]));
    const second = outcome(producer.send([record("t")]));
    await waitFor(() => batches.length === 1, { what: "the first send handed to kafkajs" });
    producer.forceClose();
    const [a, b] = await settled(Promise.all([first, second]), { what: "both sends settled" });
    const forced = "The producer was closed forcefully before the records were acknowledged";
    expect([String(a), neverSent(a), neverSent(b), String(b)]).toEqual([
      `ConnectError: ${forced}`,
      false,
      true,
      `NotSentError: Not sent: the producer failed earlier (${forced})`,
    ]);
    expect(neverSent(await outcome(producer.send([record("t")])))).toBe(true);
    await producer.close();
    expect([batches.length, disconnects]).toEqual([1, 1]);
  });

  test("after a close(): kafkajs disconnects again once its connections are refused (its retries may have connected since)", async () => {
    let refusals = 0;
    const disconnects: number[] = [];
    const kafkajs = {
      events: EVENTS,
      on: () => () => undefined,
      disconnect: async () => {
        disconnects.push(refusals);
      },
    } as unknown as Producer;
    const producer = new KafkajsProducer(kafkajs, SETTINGS, () => refusals++);
    await producer.close();
    producer.forceClose();
    await producer.close();
    expect(disconnects).toEqual([0, 1]);
  });
});

describe("kafkajs: delivery.timeout.ms (explore31 F1: kafkajs retries a send until it runs out)", () => {
  test("a send kafkajs still retries then rejects retriable, perhaps written; its connections refused, kafkajs disconnected, later sends never sent", async () => {
    let disconnects = 0;
    let refusals = 0;
    const retrying = {
      events: EVENTS,
      on: () => () => undefined,
      // kafkajs retrying while the broker does not answer, its partitioner having placed t's record on 3, u's on 0
      sendBatch: ({ topicMessages }: { topicMessages: { topic: string; messages: Record<symbol, number>[] }[] }) => {
        for (const { topic, messages } of topicMessages) for (const m of messages) m[PARTITION] = topic === "t" ? 3 : 0;
        return new Promise(() => undefined);
      },
      disconnect: async () => {
        disconnects++;
      },
    } as unknown as Producer;
    const producer = new KafkajsProducer(retrying, { ...SETTINGS, deliveryTimeoutMs: 50 }, () => refusals++);
    const error = await settled(
      producer.send([record("t"), record("u")]).catch((e: Error) => e),
      { what: "the send given up" },
    );
    const cause = (error as Error).cause as JavaException;
    expect([String(error), cause.javaClass, cause.message, isRetriable(error), unwritten(error)]).toEqual([
      "RetriableError: Failed to send records to Kafka: delivery.timeout.ms elapsed",
      "org.apache.kafka.common.errors.TimeoutException",
      "Expiring 2 record(s) for t-3, u-0:50 ms has passed since batch creation. The request has not been sent, or no server response has been received yet.",
      true,
      false,
    ]);
    expect(neverSent(await producer.send([record("t")]).catch((e: Error) => e))).toBe(true);
    expect([refusals, disconnects]).toEqual([1, 1]);
  });
});

// Review f1kjs-b: a send that ran out of delivery.timeout.ms or of retries was reported wholly perhaps written, so the
// runtime sent again on a new producer also the records of a partition Kafka had acknowledged: written twice. Java's
// producer expires or fails only the batches never acknowledged.
describe("kafkajs: a send that fails after Kafka acknowledged some of its partitions (dependency patch 21's answers)", () => {
  const logger = { namespace: () => logger, debug() {}, info() {}, warn() {}, error() {} };

  /**
   * kafkajs' own idempotent producer (its dependency patches) over a cluster of topic t's partition 0, led by broker 1,
   * which answers it (base offset 7), and partition 1, led by broker 2, whose Produce requests `unreachable` settles.
   */
  async function partOfItAnswered(unreachable: () => Promise<never>, retries: number) {
    const answers: number[] = [];
    const broker = (nodeId: number) => ({
      nodeId,
      async produce({ topicData }: { topicData: { partitions: { partition: number }[] }[] }) {
        if (nodeId === 2) return unreachable();
        answers.push(nodeId);
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
      idempotent: true,
      retry: { retries, initialRetryTime: 1, maxRetryTime: 1, unwrittenRetries: 3 },
    });
    await kafkajs.connect();
    return { kafkajs, answers };
  }

  // Java's murmur2 on 2 partitions: k3 goes to 0, k0 to 1.
  const keyed = (key: string): ProducerRecord => ({ ...record("t"), key: new TextEncoder().encode(key) });

  test.each([
    [
      "delivery.timeout.ms elapsed, partition 1's request unanswered",
      () => new Promise<never>(() => undefined),
      Number.MAX_SAFE_INTEGER,
      "RetriableError: Failed to send records to Kafka: delivery.timeout.ms elapsed",
    ],
    [
      "out of retries, partition 1's leader refusing its connection",
      async () => {
        throw new KafkaJSConnectionError("Connection error: connect ECONNREFUSED", { code: "ECONNREFUSED" } as never);
      },
      2,
      "RetriableError: Failed to send records to Kafka: Connection error: connect ECONNREFUSED",
    ],
  ])(
    "%s: partition 0's records listed written at their offsets, partition 1's not",
    async (_, unreachable, retries, message) => {
      const { kafkajs } = await partOfItAnswered(unreachable, retries);
      const producer = new KafkajsProducer(kafkajs, { ...SETTINGS, deliveryTimeoutMs: 50 });
      const error = await settled(
        producer.send([keyed("k3"), keyed("k0"), keyed("k3")]).catch((e: Error) => e),
        { what: "the send failed" },
      );
      expect([String(error), isRetriable(error), unwritten(error), writtenRecords(error)]).toEqual([
        message,
        true,
        false,
        [
          { topic: "t", partition: 0, offset: 7, timestamp: null },
          null,
          { topic: "t", partition: 0, offset: 8, timestamp: null },
        ],
      ]);
    },
  );

  test("delivery.timeout.ms: only the records never acknowledged are said expired", async () => {
    const { kafkajs } = await partOfItAnswered(() => new Promise<never>(() => undefined), Number.MAX_SAFE_INTEGER);
    const producer = new KafkajsProducer(kafkajs, { ...SETTINGS, deliveryTimeoutMs: 50 });
    const error = await settled(
      producer.send([keyed("k3"), keyed("k0"), keyed("k3")]).catch((e: Error) => e),
      { what: "the send given up" },
    );
    expect(((error as Error).cause as JavaException).message).toBe(
      "Expiring 1 record(s) for t-1:50 ms has passed since batch creation. The request has not been sent, or no server response has been received yet.",
    );
  });

  test("forceClose: partition 0's records listed written, partition 1's may still be", async () => {
    const { kafkajs, answers } = await partOfItAnswered(
      () => new Promise<never>(() => undefined),
      Number.MAX_SAFE_INTEGER,
    );
    const producer = new KafkajsProducer(kafkajs, SETTINGS);
    const sent = producer.send([keyed("k0"), keyed("k3")]).catch((e: Error) => e);
    await waitFor(() => answers.length === 1, { what: "partition 0 answered" });
    producer.forceClose();
    const error = await settled(sent, { what: "the send rejected" });
    expect([String(error), neverSent(error), writtenRecords(error)]).toEqual([
      "ConnectError: The producer was closed forcefully before the records were acknowledged",
      false,
      [null, { topic: "t", partition: 0, offset: 7, timestamp: null }],
    ]);
  });
});

describe("kafkajs: a send its producer holds (p3g: the gateway said nothing while kafkajs retried it)", () => {
  test("retryFailure and one WARN once unsettled RETRY_GRACE_MS, none before, cleared when it settles", async () => {
    jest.useFakeTimers();
    try {
      const answer = Promise.withResolvers<{ topicName: string; partition: number; errorCode: number }[]>();
      const handed = Promise.withResolvers<void>();
      const holding = {
        events: EVENTS,
        on: () => () => undefined,
        // kafkajs retrying the send while the broker does not answer, its partitioner having placed the record on 0
        sendBatch: ({ topicMessages }: { topicMessages: { messages: Record<symbol, number>[] }[] }) => {
          for (const { messages } of topicMessages) for (const m of messages) m[PARTITION] = 0;
          handed.resolve();
          return answer.promise;
        },
      } as unknown as Producer;
      const lines: string[] = [];
      const log = new LogManager({ sink: (line) => lines.push(line) }).get("org.apache.kafka.clients");
      const producer = new KafkajsProducer(holding, SETTINGS, undefined, log);
      const sent = producer.send([record("t"), record("t")]);
      await handed.promise; // waitFor's polling timer is faked here
      jest.advanceTimersByTime(RETRY_GRACE_MS - 1);
      expect([producer.retryFailure, lines]).toEqual([undefined, []]);
      jest.advanceTimersByTime(1);
      const failure = producer.retryFailure;
      expect([String(failure), isRetriable(failure)]).toEqual([
        "RetriableError: Kafka has not acknowledged a send of 2 records within 5 s",
        true,
      ]);
      jest.advanceTimersByTime(RETRY_GRACE_MS * 3);
      expect(lines.map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual([
        "WARN Kafka has not acknowledged a send of 2 records within 5 s; the producer retries it until delivery.timeout.ms (120000 ms) (org.apache.kafka.clients)",
      ]);
      answer.resolve([{ topicName: "t", partition: 0, errorCode: 0 }]);
      await sent;
      expect(producer.retryFailure).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });
});
