import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducerRecord } from "../kafka/kafka-port.ts";
import { ProducePipeline } from "../kafka/platformatic/produce-pipeline.ts";
import type { OutgoingBatch, PartitionAnswer, ProduceTransport } from "../kafka/platformatic/produce-transport.ts";
import { PlatformaticProducer } from "../kafka/platformatic/producer.ts";
import { stampRecordBatch } from "../kafka/platformatic/record-batch.ts";
import { batchRecords } from "../kafka/platformatic/record-batch-pieces.ts";
import { type Outgoing, SourceTaskSender } from "./source-task-sender.ts";
import { taskBasics } from "./task-test-support.ts";

/** The values of a batch's records (upper-case words; keys are lower-case). */
const valuesOf = (b: Buffer) => batchRecords(b).map((r) => /[A-Z]+/.exec(r.rest.toString("latin1"))![0]);

/**
 * One broker for every partition, checking sequences as Kafka does (a new epoch starts at 0);
 * refuses a batch holding "BAD" (INVALID_RECORD); answers requests when the test says.
 */
class HeldBroker implements ProduceTransport {
  readonly pending: { batches: readonly OutgoingBatch[]; resolve: (a: PartitionAnswer[]) => void }[] = [];
  /** Values written per `topic-partition`, in log order. */
  readonly logs = new Map<string, string[]>();
  private readonly state = new Map<string, { epoch: number; next: number }>();
  async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    return new Map(topics.map((t) => [t, [1]]));
  }
  async initProducerId() {
    return { producerId: 7n, producerEpoch: 0 };
  }
  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void {
    stampRecordBatch(records, producerId, epoch, sequence);
  }
  produce(_node: number, batches: readonly OutgoingBatch[]): Promise<PartitionAnswer[]> {
    const { promise, resolve } = Promise.withResolvers<PartitionAnswer[]>();
    this.pending.push({ batches: batches.map((b) => ({ ...b, records: Buffer.from(b.records) })), resolve });
    return promise;
  }
  answerNext(): void {
    const { batches, resolve } = this.pending.shift()!;
    resolve(batches.map((b) => this.append(b)));
  }
  /** Answers every request, as they come, until `done` settles. */
  async answerUntil(done: Promise<unknown>): Promise<void> {
    let settled = false;
    void done.finally(() => {
      settled = true;
    });
    while (!settled) {
      await waitFor(() => settled || this.pending.length > 0);
      if (this.pending.length > 0) this.answerNext();
    }
  }
  private append(b: OutgoingBatch): PartitionAnswer {
    const key = `${b.topic}-${b.partition}`;
    const values = valuesOf(b.records);
    const answer = (errorCode: number, baseOffset = -1) => ({
      topic: b.topic,
      partition: b.partition,
      errorCode,
      baseOffset,
    });
    if (values.includes("BAD")) return answer(87);
    const epoch = b.records.readInt16BE(51);
    const sequence = b.records.readInt32BE(53);
    const known = this.state.get(key);
    if (known && epoch < known.epoch) return answer(47);
    if (known && (epoch > known.epoch ? sequence !== 0 : sequence !== known.next)) return answer(45);
    this.state.set(key, { epoch, next: sequence + values.length });
    const log = this.logs.get(key) ?? [];
    this.logs.set(key, log);
    log.push(...values);
    return answer(0, log.length - values.length);
  }
}

/** `value` to `topic`-0 with the key "k" (a later value of the key must not land before an earlier one). */
function outgoing(topic: string, value: string): Outgoing {
  const record: SourceRecord = sourceRecord({
    topic,
    kafkaPartition: 0,
    value,
    valueSchema: Schemas.STRING,
    sourcePartition: { f: 1 },
    sourceOffset: { v: value },
  });
  const produced: ProducerRecord = {
    topic,
    partition: 0,
    key: new TextEncoder().encode("k"),
    value: new TextEncoder().encode(value),
    headers: [],
    timestamp: 1,
  };
  return { record, produced };
}

/** A sender over a pipelining idempotent producer (5 in flight) on `broker`. */
function senderOn(
  broker: ProduceTransport,
  keepOrderAfterRefusal: boolean,
  topicReady?: (topic: string) => Promise<void>,
) {
  const pipeline = new ProducePipeline(broker, {
    idempotent: true,
    maxInFlight: 5,
    maxRequestBytes: 1_048_576,
    deliveryTimeoutMs: 120_000,
    retries: 10,
    retryBackoffMs: 1,
    keepOrderAfterRefusal,
    error: (message, retriable) => (retriable ? new RetriableError(message) : new ConnectError(message)),
  });
  const producer = new PlatformaticProducer(pipeline, 5, true, false, async () => {});
  /** Set once a send of the producer was rejected (the sender's own handler runs after this one). */
  const seen = { rejected: 0 };
  const observed: KafkaProducer = {
    maxInFlight: 5,
    idempotent: true,
    get failed() {
      return producer.failed;
    },
    close: () => producer.close(),
    send(records) {
      const sent = producer.send(records);
      sent.catch(() => seen.rejected++);
      return sent;
    },
  };
  const stop = new AbortController();
  const basics = taskBasics("all");
  const sender = new SourceTaskSender({
    ...basics,
    producer: async () => observed,
    ...(topicReady ? { topicCreator: { ensure: topicReady, close: async () => {} } } : {}),
    stopSignal: () => stop.signal,
    keepOrder: false,
    maxRequestBytes: 1_048_576,
    maxInFlightBatches: 5,
    maxInFlightBytes: 33_554_432,
    rejectsRecords: true,
  });
  return { sender, seen, producer };
}

const offsetsOf = (result: readonly ({ offset: number } | null)[] | undefined) => result?.map((m) => m?.offset ?? null);

describe("SourceTaskSender when Kafka refuses a request's batch while later requests are in flight (5 in flight)", () => {
  test("the refused request's other records are written before the later request's (a repeated key keeps its order); the refused record is rejected alone; one producer", async () => {
    const broker = new HeldBroker();
    const { sender, producer } = senderOn(broker, true);
    const warm = sender.enqueue([outgoing("t", "W")]);
    await broker.answerUntil(warm);
    const first = sender.enqueue([outgoing("t", "VONE"), outgoing("t", "BAD")]);
    const second = sender.enqueue([outgoing("t", "VTWO")]);
    await waitFor(() => broker.pending.length === 2, { what: "both requests on the wire" });
    broker.answerNext(); // INVALID_RECORD
    broker.answerNext(); // OUT_OF_ORDER_SEQUENCE_NUMBER: not written
    await broker.answerUntil(Promise.all([first, second]));
    expect(broker.logs.get("t-0")).toEqual(["W", "VONE", "VTWO"]);
    expect(offsetsOf(await first)).toEqual([1, null]);
    expect(offsetsOf(await second)).toEqual([2]);
    expect([...sender.rejections.values()].map((r) => r.error)).toEqual(["INVALID_RECORD"]);
    expect(producer.failed).toBe(false);
  });

  test("a request waiting for its topics when an earlier one is refused is sent after the refused request's other records", async () => {
    const broker = new HeldBroker();
    const created = Promise.withResolvers<void>();
    const { sender, seen } = senderOn(broker, true, (topic) => (topic === "u" ? created.promise : Promise.resolve()));
    const warm = sender.enqueue([outgoing("t", "W")]);
    await broker.answerUntil(warm);
    const first = sender.enqueue([outgoing("t", "AONE"), outgoing("t", "BAD")]);
    const second = sender.enqueue([outgoing("u", "X"), outgoing("t", "ATWO")]);
    await waitFor(() => broker.pending.length === 1, { what: "the first request on the wire" });
    broker.answerNext(); // INVALID_RECORD
    await waitFor(() => seen.rejected === 1, { what: "the refusal handed to the sender" });
    created.resolve(); // the second request's topic is ready now, after the refusal
    await broker.answerUntil(Promise.all([first, second]));
    expect(broker.logs.get("t-0")).toEqual(["W", "AONE", "ATWO"]);
    expect(broker.logs.get("u-0")).toEqual(["X"]);
    expect(offsetsOf(await first)).toEqual([1, null]);
    expect(offsetsOf(await second)).toEqual([0, 2]);
  });
});
