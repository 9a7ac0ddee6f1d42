import { describe, expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { DataError, RetriableError } from "../../errors.ts";
import { deniedOutcome, type RecordOutcome } from "../../ingest/ingest-record.ts";
import type { IngestWriter } from "../../ingest/route-table.ts";
import { KafkaAccessError } from "../../kafka/access-errors.ts";
import type { KafkaProducer } from "../../kafka/kafka-port.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { markRefused, withKafkaError } from "../../kafka/send-rejection.ts";
import { builtInRegistry } from "../../plugins.ts";
import type { RecordConverters } from "../../runtime/record-conversion.ts";
import { awaitStopped, stopAndAwait, stringConverters } from "../../runtime/task-test-support.ts";
import { TransformationChain } from "../../runtime/transformation-chain.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { ingestRecord, ingestServices, ingestSourceTask } from "./test-support.ts";

const never = new AbortController().signal;

/**
 * An HttpIngestSource task on the source runtime; `converters` may fail on some values; `producer`
 * replaces the MemoryKafka's producer.
 */
function ingestTask(o: {
  spool?: SpoolStore;
  converters?: (stop: () => void) => RecordConverters;
  producer?: () => Promise<KafkaProducer>;
  transformations?: TransformationChain;
}) {
  const kafka = new MemoryKafka();
  const { services, writers } = ingestServices({ spool: o.spool });
  let stop = () => {};
  const { task } = ingestSourceTask({
    services,
    kafka,
    config: o.spool ? { "ingest.ack.mode": "spool" } : {},
    options: {
      ...(o.converters ? { converters: o.converters(() => stop()) } : {}),
      ...(o.producer ? { producer: o.producer } : {}),
      ...(o.transformations ? { transformations: o.transformations } : {}),
    },
  });
  stop = () => task.stop();
  task.start();
  const writer = async (): Promise<IngestWriter> => {
    await waitFor(() => writers.length > 0, { what: "the route attached" });
    return writers[0]!;
  };
  return { task, kafka, writer };
}

/** A value converter that, on `value`, stops the task and then throws `error()` (a stop during conversion). */
const failingOn =
  (value: string, error: () => Error) =>
  (stop: () => void): RecordConverters => ({
    ...stringConverters,
    value: {
      ...stringConverters.value,
      fromConnectData: (t, h, s, v) => {
        if (v instanceof Uint8Array && new TextDecoder().decode(v) === value) {
          stop();
          throw error();
        }
        return stringConverters.value.fromConnectData(t, h, s, v);
      },
    },
  });

const written = (offset: number): RecordOutcome => ({
  kind: "written",
  topic: "t",
  partition: 0,
  offset,
  timestamp: 7,
});

describe("HttpIngestSourceTask stopping while a poll batch is converted (ingest-stop2 P3-a)", () => {
  test("a poison record is answered 422 and the rest of its request as written, not 500", async () => {
    const { task, writer } = ingestTask({ converters: failingOn("poison", () => new DataError("not an integer")) });
    const w = await writer();
    expect(await w.submit({ topic: "t", records: [ingestRecord("warm")], signal: never })).toEqual([written(0)]);
    const answers = await w.submit({
      topic: "t",
      records: [ingestRecord("a"), ingestRecord("poison"), ingestRecord("c")],
      signal: never,
    });
    expect(answers).toEqual([
      written(1),
      {
        kind: "failed",
        kafkaError: "VALUE_CONVERTER",
        message:
          "The record could not be converted for Kafka, so it was not written; sending it again will not help: VALUE_CONVERTER failed in test.String: not an integer",
        retriable: false,
        maybeWritten: false,
      },
      written(2),
    ]);
    await awaitStopped(task);
  });

  test("a retriable failure the stop cut short: the request's records fail as not written (503), not 500", async () => {
    const { task, kafka, writer } = ingestTask({ converters: failingOn("flaky", () => new RetriableError("later")) });
    const w = await writer();
    expect(await w.submit({ topic: "t", records: [ingestRecord("warm")], signal: never })).toEqual([written(0)]);
    const answers = await w.submit({ topic: "t", records: [ingestRecord("a"), ingestRecord("flaky")], signal: never });
    const notSent: RecordOutcome = {
      kind: "failed",
      message: "The ingest task of connector c stopped or failed before the record was sent to Kafka",
      retriable: true,
      maybeWritten: false,
    };
    expect(answers).toEqual([notSent, notSent]);
    await awaitStopped(task);
    expect(kafka.records("t")).toHaveLength(1);
  });
});

describe("HttpIngestSourceTask stopping with a record a transformation dropped in the poll batch given up", () => {
  test("the dropped record answers dropped (as Connect commits it at once), the others not written (503)", async () => {
    const dropMarked = TransformationChain.fromConfig(builtInRegistry(), {
      transforms: "f",
      "transforms.f.type": "org.apache.kafka.connect.transforms.Filter",
      "transforms.f.predicate": "marked",
      predicates: "marked",
      "predicates.marked.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
      "predicates.marked.name": "drop",
    });
    const { task, kafka, writer } = ingestTask({
      converters: failingOn("flaky", () => new RetriableError("later")),
      transformations: dropMarked,
    });
    const w = await writer();
    expect(await w.submit({ topic: "t", records: [ingestRecord("warm")], signal: never })).toEqual([written(0)]);
    const marked = { ...ingestRecord("x"), headers: [["drop", "yes"]] as const };
    const answers = await w.submit({
      topic: "t",
      records: [ingestRecord("a"), marked, ingestRecord("flaky")],
      signal: never,
    });
    const notSent: RecordOutcome = {
      kind: "failed",
      message: "The ingest task of connector c stopped or failed before the record was sent to Kafka",
      retriable: true,
      maybeWritten: false,
    };
    expect(answers).toEqual([notSent, { kind: "dropped" }, notSent]);
    await awaitStopped(task);
    expect(kafka.records("t")).toHaveLength(1);
  });
});

describe("HttpIngestSourceTask stopping with records Kafka certainly never got (notsent-503)", () => {
  const notWritten = expect.objectContaining({ kind: "failed", retriable: true, maybeWritten: false });
  const mayBeWritten = expect.objectContaining({ kind: "failed", retriable: true, maybeWritten: true });

  test("the producer never connected: the polled records answer not written (503), not 500", async () => {
    let asked = 0;
    const { task, writer } = ingestTask({
      producer: () => {
        asked++;
        return new Promise<KafkaProducer>(() => {});
      },
    });
    const answers = (await writer()).submit({
      topic: "t",
      records: [ingestRecord("a"), ingestRecord("b")],
      signal: never,
    });
    await waitFor(() => asked > 0, { what: "the send waiting for the producer" });
    task.stop();
    expect(await answers).toEqual([notWritten, notWritten]);
    await awaitStopped(task);
  });

  test("the producer could not connect until the stop: the polled records answer not written (503)", async () => {
    let asked = 0;
    const { task, writer } = ingestTask({
      producer: async () => {
        asked++;
        throw new RetriableError("Connection refused");
      },
    });
    const answers = (await writer()).submit({ topic: "t", records: [ingestRecord("a")], signal: never });
    await waitFor(() => asked > 1, { what: "the send retried" });
    task.stop();
    expect(await answers).toEqual([notWritten]);
    await awaitStopped(task);
  });

  test("a batch queued behind a request the stop cut short answers 503; the request's own 500", async () => {
    const { task, kafka, writer } = ingestTask({});
    const w = await writer();
    kafka.holdAcks();
    const first = w.submit({ topic: "t", records: [ingestRecord("a")], signal: never });
    await waitFor(() => kafka.heldSends === 1, { what: "a on the wire" });
    const second = w.submit({ topic: "t", records: [ingestRecord("b")], signal: never });
    await waitFor(() => task.metrics.sourceRecordPollTotal === 2, { what: "b polled, queued behind a" });
    task.stop();
    kafka.failAck(0, new RetriableError("Request timed out"));
    expect(await first).toEqual([mayBeWritten]);
    expect(await second).toEqual([notWritten]);
    await awaitStopped(task);
    expect(kafka.records("t")).toHaveLength(0);
  });

  test("a record the stop found on the wire and Kafka then acknowledged still answers written", async () => {
    const { task, kafka, writer } = ingestTask({});
    const w = await writer();
    kafka.holdAcks();
    const first = w.submit({ topic: "t", records: [ingestRecord("a")], signal: never });
    await waitFor(() => kafka.heldSends === 1, { what: "a on the wire" });
    task.stop();
    kafka.releaseAck(0);
    expect(await first).toEqual([written(0)]);
    await awaitStopped(task);
  });
});

describe("HttpIngestSourceTask abandoned after the graceful timeout, spool mode (ingest-stop2 P3-b)", () => {
  test("its late acknowledgements delete nothing: the new task's spool counts stay right", async () => {
    await using dir = await tempDir("ingest-task-stop-");
    const store = await SpoolStore.open(dir.path);
    const old = ingestTask({ spool: store });
    old.kafka.holdAcks();
    await (await old.writer()).submit({ topic: "t", records: [ingestRecord("a"), ingestRecord("b")], signal: never });
    await waitFor(() => old.kafka.heldSends === 1, { what: "the old task's send on the wire" });
    old.task.stop();
    expect(await old.task.awaitStop(20)).toBe(false);
    old.task.cancel();
    // A new task drains the same spool: a and b again (delivered twice: at least once), then holds z.
    const next = ingestTask({ spool: store });
    const w = await next.writer();
    await waitFor(() => next.kafka.records("t").length === 2, { what: "the new task to drain a and b" });
    await waitFor(() => store.stats("c").records === 0, { what: "a and b deleted" });
    next.kafka.holdAcks();
    const [z] = await w.submit({ topic: "t", records: [ingestRecord("z")], signal: never });
    expect(z!.kind).toBe("spooled");
    await waitFor(() => next.kafka.heldSends === 1, { what: "z on the wire" });
    const held = store.stats("c");
    expect(held.records).toBe(1);
    old.kafka.releaseAcks();
    await awaitStopped(old.task);
    expect(store.stats("c")).toEqual(held); // a and b are not taken off the counts a second time
    expect(store.heldBytes("c")).toBe(held.bytes);
    next.kafka.releaseAcks();
    await waitFor(() => store.stats("c").records === 0, { what: "z deleted" });
    await stopAndAwait(next.task);
    await store.close();
  });
});

// Review of routedtopic (P3): the records given up after the broker refused a topic were matched with their route's
// topic, not the one their transformations gave them.
describe("HttpIngestSourceTask failing on a topic its principal may not write, with a RegexRouter", () => {
  /** Records with the header "route" go to the topic "elsewhere". */
  const routeMarked = TransformationChain.fromConfig(builtInRegistry(), {
    transforms: "r",
    "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
    "transforms.r.regex": ".*",
    "transforms.r.replacement": "elsewhere",
    "transforms.r.predicate": "marked",
    predicates: "marked",
    "predicates.marked.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    "predicates.marked.name": "route",
  });
  const routed = (value: string) => ({ ...ingestRecord(value), headers: [["route", "yes"]] as const });
  const refusal = (topic: string) =>
    markRefused(
      withKafkaError(
        new KafkaAccessError("TOPIC_AUTHORIZATION_FAILED", `Not authorized to access topics: [${topic}]`, {
          unauthorizedTopics: [topic],
        }),
        "TOPIC_AUTHORIZATION_FAILED",
      ),
    );
  const notSent: RecordOutcome = {
    kind: "failed",
    message: "The ingest task of connector c stopped or failed before the record was sent to Kafka",
    retriable: true,
    maybeWritten: false,
  };

  test.each([
    ["t", ingestRecord("a"), [deniedOutcome("t"), notSent]],
    ["elsewhere", routed("a"), [notSent, deniedOutcome("elsewhere")]],
  ])(
    "refused %p: the records of the batch on the wire and of the one queued behind are denied only when bound for it, named as their transformations routed them",
    async (refused, onTheWire, queuedBehind) => {
      let converted = 0;
      const counting: RecordConverters = {
        ...stringConverters,
        value: {
          ...stringConverters.value,
          fromConnectData: (t, h, s, v) => {
            converted++;
            return stringConverters.value.fromConnectData(t, h, s, v);
          },
        },
      };
      const { task, kafka, writer } = ingestTask({ converters: () => counting, transformations: routeMarked });
      const w = await writer();
      kafka.holdAcks();
      const first = w.submit({ topic: "t", records: [onTheWire], signal: never });
      await waitFor(() => kafka.heldSends === 1, { what: "the first batch on the wire" });
      const second = w.submit({ topic: "t", records: [ingestRecord("b"), routed("c")], signal: never });
      await waitFor(() => converted === 3, { what: "the second batch converted" });
      kafka.failAck(0, refusal(refused));
      expect([await first, await second]).toEqual([[deniedOutcome(refused)], queuedBehind]);
      await awaitStopped(task);
    },
  );
});
