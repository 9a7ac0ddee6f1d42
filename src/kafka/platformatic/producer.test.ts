import { describe, expect, test } from "bun:test";
import { murmur2, ProtocolError, UserError } from "@platformatic/kafka";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import { isRetriable, RetriableError } from "../../errors.ts";
import { recordRejectionOf } from "../../runtime/record-rejection.ts";
import { KafkaAccessError } from "../access-errors.ts";
import type { ProducerRecord } from "../kafka-port.ts";
import { missingTopicsOf } from "../missing-topic.ts";
import { kafkaErrorOf, NotSentError, neverSent, refused, writtenRecords } from "../send-rejection.ts";
import { HeldBroker } from "./held-broker-test-support.ts";
import type { OutgoingBatch, PartitionAnswer, ProduceTransport } from "./produce-transport.ts";
import { testProducer, testRecord } from "./producer-test-support.ts";
import { stampRecordBatch } from "./record-batch.ts";

/**
 * A broker that answers every request at once; metadata (of `gated` topics, or all) waits until the test opens `gate`,
 * and is refused for `refusedTopics` (topic → Kafka's error name, e.g. INVALID_TOPIC_EXCEPTION).
 */
class GatedBroker implements ProduceTransport {
  constructor(private readonly gated?: ReadonlySet<string>) {}
  readonly produced: [string, number, number][] = [];
  private readonly offsets = new Map<string, number>();
  readonly gate = Promise.withResolvers<void>();
  /** Partitions (`topic-partition`) answered MESSAGE_TOO_LARGE. */
  readonly rejecting = new Set<string>();
  readonly refusedTopics = new Map<string, string>();
  async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    const refused = topics.find((t) => this.refusedTopics.has(t));
    if (refused !== undefined) throw new ProtocolError(this.refusedTopics.get(refused)!);
    if (!this.gated || topics.some((t) => this.gated!.has(t))) await this.gate.promise;
    return new Map(topics.map((t) => [t, [1, 1]]));
  }
  async initProducerId() {
    return { producerId: 7n, producerEpoch: 0 };
  }
  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void {
    stampRecordBatch(records, producerId, epoch, sequence);
  }
  connected(): boolean {
    return true;
  }
  async produce(_node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[]> {
    return batches.map((b) => {
      const key = `${b.topic}-${b.partition}`;
      if (this.rejecting.has(key)) return { topic: b.topic, partition: b.partition, errorCode: 10, baseOffset: -1 };
      const count = b.records.readInt32BE(57);
      const base = this.offsets.get(key) ?? 0;
      this.offsets.set(key, base + count);
      this.produced.push([b.topic, b.partition, count]);
      return { topic: b.topic, partition: b.partition, errorCode: 0, baseOffset: base };
    });
  }
}

const record = (topic: string, partition: number, value: string) => testRecord(partition, value, topic);

/** A broker answering at once that refuses `topic`'s metadata with Kafka's `error`. */
function refusingBroker(topic: string, error: string): GatedBroker {
  const broker = new GatedBroker();
  broker.gate.resolve();
  broker.refusedTopics.set(topic, error);
  return broker;
}

/** The pipeline's errors are plain here, so the producer's own wrapping of them shows. */
const plainError = (message: string) => new Error(message);

function producerOn(broker: ProduceTransport, keepOrderAfterRefusal = false, batchBytes?: number) {
  return testProducer(broker, { keepOrderAfterRefusal, ...(batchBytes ? { batchBytes } : {}), error: plainError });
}

describe("PlatformaticProducer", () => {
  test("sends are admitted in call order, also while a new topic's metadata is fetched; offsets per record", async () => {
    const broker = new GatedBroker();
    const producer = producerOn(broker);
    const first = producer.send([record("t", 0, "a"), record("t", 1, "b"), record("t", 0, "c")]);
    const second = producer.send([record("t", 0, "d")]);
    broker.gate.resolve();
    expect((await first).map((m) => [m.partition, m.offset])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    expect((await second).map((m) => [m.partition, m.offset])).toEqual([[0, 2]]);
    expect(broker.produced).toEqual([
      ["t", 0, 2],
      ["t", 1, 1],
      ["t", 0, 1],
    ]);
  });

  test("keyless records: a send goes to one partition as one batch; sends stick to it until batch.size bytes went there", async () => {
    const broker = new GatedBroker();
    broker.gate.resolve();
    // batch.size 60: a record of 10 value bytes counts 10 + RECORD_OVERHEAD_BYTES (16).
    const producer = producerOn(broker, false, 60);
    const keyless = (value: string): ProducerRecord => ({ ...record("t", 0, value), partition: null });
    const sends = [["0123456789", "0123456789", "0123456789"], ["0123456789"], ["0123456789"]];
    const partitions: number[][] = [];
    for (const values of sends) partitions.push((await producer.send(values.map(keyless))).map((m) => m.partition));
    // The first send (78 bytes) crosses batch.size, yet stays whole on partition 0; the next ones go to 1.
    expect(partitions).toEqual([[0, 0, 0], [1], [1]]);
    expect(broker.produced).toEqual([
      ["t", 0, 3],
      ["t", 1, 1],
      ["t", 1, 1],
    ]);
  });

  test("a send that cannot get metadata fails the producer: the sends after it and later calls reject", async () => {
    const broker = new GatedBroker();
    broker.gate.promise.catch(() => undefined);
    broker.gate.reject(new Error("no broker"));
    const producer = producerOn(broker);
    const first = producer.send([record("t", 0, "a")]);
    const second = producer.send([record("t", 0, "b")]);
    const outcomes = await Promise.allSettled([first, second]);
    expect(outcomes.map((o) => (o.status === "rejected" ? String(o.reason) : o.status))).toEqual([
      "ConnectError: Failed to send records to Kafka: no broker",
      "NotSentError: Not sent: the producer failed earlier (Failed to send records to Kafka: no broker)",
    ]);
    await expect(producer.send([record("u", 0, "c")])).rejects.toThrow("no broker");
    expect(broker.produced).toEqual([]);
  });

  // A KRaft broker answers the Metadata request that auto-creates a topic, and the ones after it
  // until its controller created the topic, with UNKNOWN_TOPIC_OR_PARTITION. When that outlasted the
  // library's own retries (a loaded broker), the send failed for good and the source task with it
  // (test/http-source.test.ts: "read 0 of 1 records" although the topic existed).
  describe("when a new topic is being auto-created", () => {
    class CreatingBroker extends GatedBroker {
      metadataCalls = 0;
      constructor(private readonly unknownFor: number) {
        super();
        this.gate.resolve();
      }
      override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
        if (++this.metadataCalls <= this.unknownFor) throw new UserError(`Unknown topic ${topics[0]}.`);
        return super.leaders(topics);
      }
    }
    test("a send waits while the broker does not know the topic yet, then is written", async () => {
      const broker = new CreatingBroker(5);
      const producer = testProducer(broker);
      expect((await producer.send([record("t", 0, "a")])).map((m) => [m.partition, m.offset])).toEqual([[0, 0]]);
      expect(broker.metadataCalls).toBe(6);
      expect(broker.produced).toEqual([["t", 0, 1]]);
      expect(producer.failed).toBe(false);
    });

    test("a topic that never appears fails the send retriably (the runtime tries again), as Java's max.block.ms", async () => {
      const broker = new CreatingBroker(Number.POSITIVE_INFINITY);
      const error = await testProducer(broker)
        .send([record("t", 0, "a")])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetriableError);
      expect(String(error)).toBe(
        "RetriableError: Topic t not present in metadata after 30 attempts: Kafka answers that topic t does not exist (the brokers do not create it: auto.create.topics.enable=false?)",
      );
      expect(missingTopicsOf(error)).toEqual(["t"]);
      expect(broker.produced).toEqual([]);
    });
  });

  test("a record whose timestamp cannot be encoded rejects the send before any partition is written", async () => {
    const broker = new GatedBroker();
    broker.gate.resolve();
    const producer = producerOn(broker);
    await producer.send([record("a", 0, "warm"), record("b", 0, "warm")]);
    const bad = { ...record("b", 0, "y"), timestamp: 1.5 };
    await expect(producer.send([record("a", 0, "x"), bad])).rejects.toThrow("Invalid timestamp 1.5 for a record to b");
    await expect(producer.send([{ ...record("a", 0, "z"), timestamp: -2 }])).rejects.toThrow("Invalid timestamp -2");
    // Nothing of the rejected sends was written; the producer still works.
    expect((await producer.send([record("a", 0, "ok")])).map((m) => m.offset)).toEqual([1]);
    expect(broker.produced).toEqual([
      ["a", 0, 1],
      ["b", 0, 1],
      ["a", 0, 1],
    ]);
  });

  test("a send rejected for one partition says which records of the others were written", async () => {
    const broker = new GatedBroker();
    broker.gate.resolve();
    broker.rejecting.add("p-0");
    const producer = producerOn(broker);
    const error = await producer
      .send([record("p", 0, "a"), record("q", 0, "b"), record("p", 0, "c"), record("q", 0, "d")])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(error)).toContain("MESSAGE_TOO_LARGE");
    expect(writtenRecords(error)?.map((m) => (m ? [m.topic, m.offset] : null))).toEqual([
      null,
      ["q", 0],
      null,
      ["q", 1],
    ]);
    expect(broker.produced).toEqual([["q", 0, 2]]);
  });

  test("a send still waiting for metadata when the producer closes settles (rejected), never hangs", async () => {
    const broker = new GatedBroker();
    let admittedSettled = false;
    const producer = testProducer(broker, {
      error: plainError,
      onClose: async (pipeline, admitted) => {
        // Bounded by request.timeout.ms in the real producer; here the pipeline closes at once.
        void admitted.then(() => {
          admittedSettled = true;
        });
        pipeline.close(new Error("closed before acknowledged"));
      },
    });
    const pending = producer.send([record("t", 0, "a")]).then(
      () => "written",
      (e: Error) => e.message,
    );
    await producer.close();
    broker.gate.resolve();
    expect(await pending).toBe("Failed to send records to Kafka: The producer is closed");
    expect(admittedSettled).toBe(true);
    expect(broker.produced).toEqual([]);
  });

  test("a partition added since the topic's count was known is asked for again, and written (was: the send refused, failing an ingest task)", async () => {
    const broker = new GatedBroker();
    broker.gate.resolve();
    let partitions = 2;
    let asked = 0;
    broker.leaders = async (topics) => {
      asked++;
      return new Map(topics.map((t) => [t, Array.from({ length: partitions }, () => 1)]));
    };
    const producer = producerOn(broker);
    expect((await producer.send([record("t", 1, "a")])).map((m) => m.offset)).toEqual([0]);
    partitions = 3;
    expect((await producer.send([record("t", 2, "b")])).map((m) => [m.partition, m.offset])).toEqual([[2, 0]]);
    expect(asked).toBe(2);
    // Still beyond the count once asked again: refused for good, a per-record refusal (an ingest
    // spool quarantines the record instead of failing its drainer on it for ever), nothing written.
    const refused = await producer.send([record("t", 3, "c")]).catch((e) => e);
    expect(String(refused)).toContain("3 is not in the range [0...3) of t");
    expect(recordRejectionOf(refused)?.error).toBe("INVALID_PARTITION");
    // Not asked again (Kafka unreachable): not sent, retriable; neither refused nor a producer failure.
    broker.leaders = async () => Promise.reject(new Error("unreachable"));
    const unasked = await producer.send([record("t", 3, "d")]).catch((e) => e);
    expect([isRetriable(unasked), neverSent(unasked), recordRejectionOf(unasked), producer.failed]).toEqual([
      true,
      true,
      undefined,
      false,
    ]);
    broker.leaders = async (topics) => new Map(topics.map((t) => [t, [1, 1, 1]]));
    expect((await producer.send([record("t", 0, "e")])).map((m) => m.offset)).toEqual([0]);
    expect(broker.produced).toEqual([
      ["t", 1, 1],
      ["t", 2, 1],
      ["t", 0, 1],
    ]);
  });

  test("an explicit partition the topic does not have rejects the send at once, writing nothing", async () => {
    const broker = new GatedBroker();
    broker.gate.resolve();
    const producer = producerOn(broker);
    await expect(producer.send([record("t", 0, "a"), record("t", 2, "b")])).rejects.toThrow(
      "Invalid partition given with record: 2 is not in the range [0...2) of t",
    );
    expect(broker.produced).toEqual([]);
    expect((await producer.send([record("t", 1, "c")])).map((m) => m.offset)).toEqual([0]);
  });

  test.each([
    [true, "not written (NotSentError): the refused send's other records go again first", ["u", 0, 1], ["t-0"]],
    [false, "written (Java's plain producer: for a caller that sends nothing again)", ["u", 0, 1], ["t-0", "t-0"]],
  ])(
    "keepOrderAfterRefusal %p: a send made before a batch of its partition was refused and admitted after it (a new topic's metadata) is %s",
    async (keepOrder, _, written, produced) => {
      const broker = new GatedBroker(new Set(["u"]));
      const producer = producerOn(broker, keepOrder);
      await producer.send([record("t", 0, "warm")]);
      broker.rejecting.add("t-0"); // one record too large: refused alone, the producer goes on
      const refused = producer.send([record("t", 0, "a")]).catch((e: unknown) => e);
      const parked = producer.send([record("u", 0, "x"), record("t", 0, "b")]).catch((e: unknown) => e);
      expect(String(await refused)).toContain("MESSAGE_TOO_LARGE");
      broker.rejecting.delete("t-0");
      broker.gate.resolve();
      const outcome = await parked;
      expect(producer.failed).toBe(false);
      if (keepOrder) {
        expect(outcome).toBeInstanceOf(NotSentError);
        expect(writtenRecords(outcome)?.map((m) => (m ? [m.topic, m.partition, m.offset] : null))).toEqual([
          ["u", 0, 0],
          null,
        ]);
      } else
        expect(outcome).toEqual([expect.objectContaining({ topic: "u" }), expect.objectContaining({ topic: "t" })]);
      expect(broker.produced.filter(([t]) => t === "u")).toEqual([written as [string, number, number]]);
      expect(broker.produced.filter(([t]) => t === "t").map(([t, p]) => `${t}-${p}`)).toEqual(produced);
      // A send made after the refusal goes (the refused send's records sent again).
      expect((await producer.send([record("t", 0, "a")])).map((m) => m.topic)).toEqual(["t"]);
    },
  );

  test("keepOrderAfterRefusal: a send given the refusals its caller handled is not written ahead of a refused send still waiting for its other partition", async () => {
    const broker = new HeldBroker();
    const producer = producerOn(broker, true);
    const upper = (topic: string, partition: number, value: string) => record(topic, partition, value.toUpperCase());
    const warm = producer.send([upper("t", 0, "w"), upper("t", 1, "v")]);
    await broker.answerUntil(warm);
    const refused = producer.send([upper("t", 0, "aone"), upper("t", 0, "bad"), upper("t", 1, "q")]).catch((e) => e);
    await waitFor(() => broker.pending.length === 1);
    broker.answerNext({ "t-1": 6 }); // t-0 refused (INVALID_RECORD), t-1 NOT_LEADER_OR_FOLLOWER: retried
    await waitFor(() => broker.pending.length === 1 && producer.refusals === 1, { what: "t-1 retried" });
    // The caller has not seen the refusal yet (its send is pending): it passes what it handled.
    const later = producer.send([upper("t", 0, "atwo")], { refusalsSeen: 0 }).catch((e) => e);
    await broker.answerUntil(Promise.all([refused, later]));
    expect(writtenRecords(await refused)?.map((m) => m?.offset ?? null)).toEqual([null, null, 1]);
    expect(await later).toBeInstanceOf(NotSentError);
    expect(producer.failed).toBe(false);
    // The caller sends the refused send's good record again, then the later one.
    const again = producer.send([upper("t", 0, "aone")], { refusalsSeen: producer.refusals });
    await broker.answerUntil(again);
    const next = producer.send([upper("t", 0, "atwo")], { refusalsSeen: producer.refusals });
    await broker.answerUntil(next);
    expect(broker.logs.get("t-0")).toEqual(["W", "AONE", "ATWO"]);
  });

  test("keepOrderAfterRefusal: a send given the refusals its caller handled is not written ahead of a split batch whose piece was refused while later pieces are on the wire", async () => {
    const broker = new HeldBroker();
    const producer = producerOn(broker, true, 1000);
    const big = (value: string) => record("t", 0, `${value}${"x".repeat(800)}`);
    const warm = producer.send([big("W")]);
    await broker.answerUntil(warm);
    const split = producer.send([big("AONE"), big("BAD"), big("ATHREE")]).catch((e) => e);
    await waitFor(() => broker.pending.length === 1);
    broker.answerNext({ "t-0": 10 }); // MESSAGE_TOO_LARGE: split in pieces of one record
    await waitFor(() => broker.pending.length === 3, { what: "the three pieces on the wire" });
    broker.answerNext(); // AONE written
    broker.answerNext(); // BAD refused; ATHREE still on the wire
    await waitFor(() => producer.refusals === 1);
    const later = producer.send([big("ATWO")], { refusalsSeen: 0 }).catch((e) => e);
    await broker.answerUntil(Promise.all([split, later]));
    expect(writtenRecords(await split)?.map((m) => m?.offset ?? null)).toEqual([1, null, null]);
    expect(await later).toBeInstanceOf(NotSentError);
    const again = producer.send([big("ATHREE")], { refusalsSeen: producer.refusals });
    await broker.answerUntil(again);
    expect(broker.logs.get("t-0")).toEqual(["W", "AONE", "ATHREE"]);
  });

  test("onWritten: a send over several partitions tells each partition's records as Kafka writes them, before the send settles", async () => {
    const broker = new HeldBroker();
    const producer = producerOn(broker);
    const warm = producer.send([record("t", 0, "W"), record("t", 1, "V")]);
    await broker.answerUntil(warm);
    const told: [number[], (number | string)[]][] = [];
    let settled = false;
    const send = producer
      .send([record("t", 0, "A"), record("t", 1, "B"), record("t", 0, "C")], {
        onWritten: (indexes, metadata) => {
          expect(settled).toBe(false);
          told.push([[...indexes], metadata.map((m) => `${m.partition}@${m.offset}`)]);
        },
      })
      .finally(() => {
        settled = true;
      });
    await waitFor(() => broker.pending.length === 1);
    broker.answerNext({ "t-1": 6 }); // t-0 written, t-1 NOT_LEADER_OR_FOLLOWER: retried
    await waitFor(() => told.length === 1, { what: "t-0's records told" });
    expect(told[0]).toEqual([
      [0, 2],
      ["0@1", "0@2"],
    ]);
    expect(settled).toBe(false);
    await broker.answerUntil(send);
    expect((await send).map((m) => `${m.partition}@${m.offset}`)).toEqual(["0@1", "1@1", "0@2"]);
    // The last partition came with the settlement.
    expect(told).toHaveLength(1);
  });

  test("onWritten that throws: the send settles with every record, nothing uncaught", async () => {
    const broker = new HeldBroker();
    const producer = producerOn(broker);
    const warm = producer.send([record("t", 0, "W"), record("t", 1, "V")]);
    await broker.answerUntil(warm);
    let told = 0;
    const send = producer.send([record("t", 0, "A"), record("t", 1, "B")], {
      onWritten: () => {
        told++;
        throw new Error("the task's hand-out failed");
      },
    });
    await waitFor(() => broker.pending.length === 1);
    broker.answerNext({ "t-1": 6 }); // t-0 written, t-1 NOT_LEADER_OR_FOLLOWER: retried
    await waitFor(() => told === 1, { what: "t-0's records told" });
    await broker.answerUntil(send);
    expect((await send).map((m) => `${m.partition}@${m.offset}`)).toEqual(["0@1", "1@1"]);
  });

  test("onWritten: a send whose partitions are answered together settles with all of them, none told before", async () => {
    const broker = new HeldBroker();
    const producer = producerOn(broker);
    let told = 0;
    const send = producer.send([record("t", 0, "A"), record("t", 1, "B")], { onWritten: () => told++ });
    await broker.answerUntil(send);
    expect((await send).map((m) => m.offset)).toEqual([0, 0]);
    expect(told).toBe(0);
  });

  test("onWritten: a send of one partition settles with its records, never told before", async () => {
    const broker = new HeldBroker();
    const producer = producerOn(broker);
    let told = 0;
    const send = producer.send([record("t", 0, "A"), record("t", 0, "B")], { onWritten: () => told++ });
    await broker.answerUntil(send);
    expect((await send).map((m) => m.offset)).toEqual([0, 1]);
    expect(told).toBe(0);
  });

  describe("a rejection says when none of the send's records reached a broker (the port's neverSent, notsent-503), or was written (refused)", () => {
    const rejection = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );

    test("no metadata (no broker reachable): the send and the later ones never reached a broker", async () => {
      const broker = new GatedBroker();
      broker.gate.promise.catch(() => undefined);
      broker.gate.reject(new Error("no broker"));
      const producer = producerOn(broker);
      const errors = await Promise.all(
        [producer.send([record("t", 0, "a")]), producer.send([record("t", 0, "b")])].map(rejection),
      );
      expect(errors.map(neverSent)).toEqual([true, true]);
      expect(neverSent(await rejection(producer.send([record("u", 0, "c")])))).toBe(true);
    });

    test("a batch failing for good on the wire may have been written; the batch queued behind it never was", async () => {
      const broker = new HeldBroker();
      const producer = producerOn(broker);
      const first = rejection(producer.send([record("t", 0, "a")]));
      await waitFor(() => broker.pending.length === 1, { what: "a on the wire" });
      const second = rejection(producer.send([record("t", 0, "b")]));
      broker.answerNext({ "t-0": 31 }); // CLUSTER_AUTHORIZATION_FAILED: fatal to the producer
      const [a, b] = await Promise.all([first, second]);
      expect(String(a)).toContain("CLUSTER_AUTHORIZATION_FAILED");
      expect(neverSent(a)).toBe(false);
      expect(b).toBeInstanceOf(NotSentError);
      expect(neverSent(b)).toBe(true);
      expect(broker.pending).toHaveLength(0);
    });

    test("a send the broker refuses the principal (an ACL) reached it but was not written (the port's refused), with Java's class; one partly refused says which were written", async () => {
      const broker = new HeldBroker();
      const producer = producerOn(broker);
      const first = rejection(producer.send([record("t", 0, "A")]));
      await waitFor(() => broker.pending.length === 1, { what: "A on the wire" });
      broker.answerNext({ "t-0": 29 }); // TOPIC_AUTHORIZATION_FAILED
      const a = await first;
      expect([neverSent(a), refused(a), kafkaErrorOf(a)]).toEqual([false, true, "TOPIC_AUTHORIZATION_FAILED"]);
      expect(a).toBeInstanceOf(KafkaAccessError);
      const second = rejection(producer.send([record("t", 0, "B"), record("u", 0, "C")]));
      await waitFor(() => broker.pending.length === 1, { what: "B and C on the wire" });
      broker.answerNext({ "t-0": 29 });
      const b = await second;
      expect(refused(b)).toBe(true);
      expect(writtenRecords(b)?.map((m) => (m ? [m.topic, m.offset] : null))).toEqual([null, ["u", 0]]);
    });

    test("a send to a topic the broker refuses the principal's metadata fails alone, as Java's (TopicAuthorizationException); the producer goes on; one with another topic's records writes those", async () => {
      const broker = refusingBroker("denied", "TOPIC_AUTHORIZATION_FAILED");
      const producer = producerOn(broker);
      const denied = await rejection(producer.send([record("denied", 0, "a")]));
      expect(denied).toBeInstanceOf(KafkaAccessError);
      expect([(denied as KafkaAccessError).unauthorizedTopics, neverSent(denied)]).toEqual([["denied"], true]);
      expect(producer.failed).toBe(false);
      expect((await producer.send([record("t", 0, "b")]))[0]!.offset).toBe(0);
      const mixed = await rejection(producer.send([record("denied", 0, "c"), record("t", 0, "d")]));
      expect([mixed instanceof KafkaAccessError, neverSent(mixed), producer.failed]).toEqual([true, true, false]);
      expect(writtenRecords(mixed)?.map((m) => m && [m.topic, m.offset])).toEqual([null, ["t", 1]]);
    });

    // plattopic: a topic Kafka refuses at metadata for another reason than an ACL failed the whole producer, so one
    // device posting to a bad topic made every send of the task's other topics fail (sent again on a new producer).
    describe("a topic whose metadata Kafka refuses for good (INVALID_TOPIC_EXCEPTION), as Java's waitOnMetadata", () => {
      test("a send to it fails alone, never sent, naming the topic in Java's words; the producer goes on", async () => {
        const broker = refusingBroker("bad topic!", "INVALID_TOPIC_EXCEPTION");
        const producer = producerOn(broker);
        const first = producer.send([record("bad topic!", 0, "a")]);
        const second = producer.send([record("t", 0, "b")]);
        const refused = await rejection(first);
        expect(String(refused)).toBe("ConnectError: Failed to send records to Kafka: Invalid topics: [bad topic!]");
        expect([kafkaErrorOf(refused), neverSent(refused), producer.failed]).toEqual([
          "INVALID_TOPIC_EXCEPTION",
          true,
          false,
        ]);
        expect(recordRejectionOf(refused)?.error).toBe("INVALID_TOPIC_EXCEPTION");
        expect((await second)[0]!.offset).toBe(0);
        expect((await producer.send([record("t", 0, "c")]))[0]!.offset).toBe(1);
        expect(broker.produced).toEqual([
          ["t", 0, 1],
          ["t", 0, 1],
        ]);
      });

      test("a send with records of it and of other topics writes the others, in order, and lists them written; its records fail never sent", async () => {
        const broker = refusingBroker("bad topic!", "INVALID_TOPIC_EXCEPTION");
        const producer = producerOn(broker);
        const mixed = await rejection(
          producer.send([record("t", 0, "a"), record("bad topic!", 0, "b"), record("u", 0, "c"), record("t", 0, "d")]),
        );
        expect(String(mixed)).toBe("ConnectError: Failed to send records to Kafka: Invalid topics: [bad topic!]");
        expect([kafkaErrorOf(mixed), neverSent(mixed), producer.failed]).toEqual([
          "INVALID_TOPIC_EXCEPTION",
          true,
          false,
        ]);
        expect(writtenRecords(mixed)?.map((m) => m && [m.topic, m.offset])).toEqual([
          ["t", 0],
          null,
          ["u", 0],
          ["t", 1],
        ]);
        expect((await producer.send([record("t", 0, "e")]))[0]!.offset).toBe(2);
      });

      test("the others failing too: the send rejects with their failure, the refused records listed unwritten", async () => {
        const broker = refusingBroker("bad topic!", "INVALID_TOPIC_EXCEPTION");
        broker.rejecting.add("u-0"); // MESSAGE_TOO_LARGE for a batch of one record: refused alone, unwritten
        const producer = producerOn(broker);
        const mixed = await rejection(
          producer.send([record("t", 0, "a"), record("bad topic!", 0, "b"), record("u", 0, "c")]),
        );
        expect([kafkaErrorOf(mixed), neverSent(mixed)]).toEqual(["MESSAGE_TOO_LARGE", false]);
        expect(writtenRecords(mixed)?.map((m) => m && [m.topic, m.offset])).toEqual([["t", 0], null, null]);
        expect(producer.failed).toBe(false);
      });
    });

    // plattopic-b: the client's own refusal at metadata (its login, its cluster rights) is no topic's: as any other
    // metadata failure, it fails the producer, so no other topic's records are written ahead of those sent again.
    test.each(["CLUSTER_AUTHORIZATION_FAILED", "SASL_AUTHENTICATION_FAILED"])(
      "metadata refused %s for a topic fails the producer: a send with other topics' records writes none, never sent",
      async (kafkaError) => {
        const broker = refusingBroker("x", kafkaError);
        const producer = producerOn(broker);
        const mixed = await rejection(producer.send([record("t", 0, "a"), record("x", 0, "b"), record("u", 0, "c")]));
        expect([kafkaErrorOf(mixed), neverSent(mixed), writtenRecords(mixed), producer.failed]).toEqual([
          kafkaError,
          true,
          undefined,
          true,
        ]);
        expect(neverSent(await rejection(producer.send([record("t", 0, "d")])))).toBe(true);
        expect(broker.produced).toEqual([]);
      },
    );

    test("a topic the broker refuses the principal's metadata while its records are on their way (the pump's refresh) fails those alone, as Java's (TopicAuthorizationException naming it, refused unwritten); the producer goes on", async () => {
      const broker = new GatedBroker();
      broker.gate.resolve();
      const producer = producerOn(broker);
      const warm = await producer.send([record("denied", 0, "a"), record("t", 0, "b")]);
      expect(warm.map((m) => m.offset)).toEqual([0, 0]);
      broker.refusedTopics.set("denied", "TOPIC_AUTHORIZATION_FAILED");
      const produce = broker.produce.bind(broker);
      broker.produce = async (_node, batches) => {
        broker.produce = produce; // leadership moved: the pump asks for metadata again, refused
        return batches.map((b) => ({ topic: b.topic, partition: b.partition, errorCode: 6, baseOffset: -1 }));
      };
      const denied = await rejection(producer.send([record("denied", 0, "c")]));
      expect(denied).toBeInstanceOf(KafkaAccessError);
      expect((denied as KafkaAccessError).unauthorizedTopics).toEqual(["denied"]);
      expect([refused(denied), producer.failed]).toEqual([true, false]);
      expect((await producer.send([record("t", 0, "d")]))[0]!.offset).toBe(1);
    });

    describe("forceClose (Java's close(Duration.ZERO), an abandoned source task's: explore23 F1)", () => {
      test("the batch on the wire fails at once as may be written, the one queued behind it as never sent; the late answer writes nothing more", async () => {
        const broker = new HeldBroker();
        const producer = producerOn(broker);
        const first = rejection(producer.send([record("t", 0, "A")]));
        await waitFor(() => broker.pending.length === 1, { what: "A on the wire" });
        const second = rejection(producer.send([record("t", 0, "B")])); // behind A: one on the wire until written
        producer.forceClose();
        const [a, b] = await settled(Promise.all([first, second]), { what: "both sends settled" });
        expect([String(a), neverSent(a), String(b), neverSent(b)]).toEqual([
          "ConnectError: The producer was closed forcefully before the records were acknowledged",
          false,
          "ConnectError: The producer was closed forcefully before the records were acknowledged",
          true,
        ]);
        broker.answerNext(); // the broker had A: written, but the producer no longer listens
        expect(neverSent(await rejection(producer.send([record("t", 0, "C")])))).toBe(true);
        await producer.close();
        expect([broker.pending.length, broker.logs.get("t-0")]).toEqual([0, ["A"]]);
      });

      test("a send made just before is never sent", async () => {
        const broker = new HeldBroker();
        const producer = producerOn(broker);
        const sent = rejection(producer.send([record("t", 0, "A")]));
        producer.forceClose();
        expect(neverSent(await settled(sent, { what: "the send settled" }))).toBe(true);
        expect(broker.pending).toHaveLength(0);
      });

      test("a batch waiting for its retry after an answer that left it unwritten (NOT_LEADER_OR_FOLLOWER) was never written", async () => {
        const broker = new HeldBroker();
        let metadataAsked = Promise.withResolvers<void>();
        const leaders = broker.leaders.bind(broker);
        const held = Promise.withResolvers<void>();
        broker.leaders = async (topics) => {
          metadataAsked.resolve();
          await held.promise; // the retry waits for metadata: it is not on the wire when the producer closes
          return leaders(topics);
        };
        const producer = producerOn(broker);
        const first = rejection(producer.send([record("t", 0, "A")]));
        await metadataAsked.promise;
        held.resolve();
        await waitFor(() => broker.pending.length === 1, { what: "A on the wire" });
        metadataAsked = Promise.withResolvers<void>();
        const stale = Promise.withResolvers<void>();
        broker.leaders = async (topics) => {
          metadataAsked.resolve();
          await stale.promise;
          return leaders(topics);
        };
        broker.answerNext({ "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: retried after new metadata
        await metadataAsked.promise;
        producer.forceClose();
        expect(neverSent(await settled(first, { what: "the send settled" }))).toBe(true);
        stale.resolve();
        await producer.close();
        expect(broker.pending).toHaveLength(0);
      });
    });

    test("a closed producer's sends never reached a broker", async () => {
      const producer = producerOn(new HeldBroker());
      await producer.close();
      expect(neverSent(await rejection(producer.send([record("t", 0, "a")])))).toBe(true);
    });
  });
});

describe("PlatformaticProducer: a topic idle past metadata.max.idle.ms (5 s here)", () => {
  /** A GatedBroker (metadata of `new` gated) that, once `holding`, holds the answer to requests of topic `slow` until `held`. */
  class SlowTopicBroker extends GatedBroker {
    holding = false;
    readonly held = Promise.withResolvers<void>();
    override async produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[]> {
      if (this.holding && batches.some((b) => b.topic === "slow")) await this.held.promise;
      return super.produce(node, batches);
    }
  }
  const keyed = (topic: string, key: string): ProducerRecord => ({
    ...record(topic, 0, key),
    partition: null,
    key: new TextEncoder().encode(key),
  });
  const KEYS = ["a", "b", "c", "d", "e", "f", "g", "h"];

  test("sent to while another send waits for metadata, its records keep their key's partition: it is not forgotten between the send's check and its admission", async () => {
    const broker = new SlowTopicBroker(new Set(["new"]));
    const clock = { now: 0 };
    const producer = testProducer(broker, { error: plainError, now: () => clock.now, metadataMaxIdleMs: 5000 });
    const before = (await producer.send(KEYS.map((k) => keyed("old", k)))).map((m) => m.partition);
    expect(new Set(before)).toEqual(new Set([0, 1])); // the keys spread over both partitions
    await producer.send([record("slow", 0, "s0")]);
    broker.holding = true;
    const slow = producer.send([record("slow", 0, "s1")]); // on the wire until released
    clock.now = 4000; // old: not idle yet
    const waiting = producer.send([record("new", 0, "n")]); // waits for new's metadata
    const again = producer.send(KEYS.map((k) => keyed("old", k))); // old known now: admitted after it
    clock.now = 6000; // old: idle since 0
    broker.held.resolve();
    await slow; // its answer's pipeline turn sweeps the idle topics (old among them, unless held)
    broker.gate.resolve();
    await waiting;
    expect((await again).map((m) => m.partition)).toEqual(before);
  });

  /** Metadata of `old` with `partitions` of them (every one led by broker 1), of the other topics as GatedBroker's. */
  class GrowingBroker extends GatedBroker {
    partitions = 1;
    override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
      const answer = await super.leaders(topics);
      if (answer.has("old")) answer.set("old", new Array<number>(this.partitions).fill(1));
      return answer;
    }
  }

  test("a wholly idle producer's next send asks for it first: keyed records go to the partitions added since", async () => {
    const broker = new GrowingBroker(new Set());
    const clock = { now: 0 };
    const producer = testProducer(broker, { error: plainError, now: () => clock.now, metadataMaxIdleMs: 5000 });
    const first = await producer.send(KEYS.map((k) => keyed("old", k)));
    expect(new Set(first.map((m) => m.partition))).toEqual(new Set([0]));
    broker.partitions = 8;
    clock.now = 3_600_000; // no send, no pipeline turn since
    const after = await producer.send(KEYS.map((k) => keyed("old", k)));
    const byKey = KEYS.map((k) => (murmur2(Buffer.from(k)) & 0x7fffffff) % 8);
    expect(after.map((m) => m.partition)).toEqual(byKey);
    expect(new Set(byKey).size).toBeGreaterThan(1);
  });
});
