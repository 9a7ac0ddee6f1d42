// explore16 F2/F3, srcprefix: a poll batch failed or given up, and the batches after it, stage the source offsets of
// records that have nothing left to write (known written, dropped, or refused and skipped), as Connect's
// SubmittedRecords commits each source partition's acknowledged prefix, also in the final offset commit of a failed
// task; nothing past the first record of the same partition not written.
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordMetadata } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceMap, type SourceRecord, sourceRecord } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { markNeverSent, markRefused } from "../kafka/send-rejection.ts";
import { builtInRegistry } from "../plugins.ts";
import type { OffsetStore } from "../store/offset-store.ts";
import type { RecordConverters } from "./record-conversion.ts";
import {
  awaitFailed,
  awaitStopped,
  convertersFailingOn,
  leaderAway,
  memoryOffsetStore,
  memorySourceTask,
  partlyWritten,
  producerThrough,
  QueuedSource,
  stopAndAwait,
  taskBasics,
} from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";

const FILE = { filename: "f" };
const line = (n: number, topic = "t") =>
  sourceRecord({ topic, value: `line${n}`, valueSchema: Schemas.STRING, sourcePartition: FILE, sourceOffset: { n } });
const text = (value: Uint8Array | null) => new TextDecoder().decode(value ?? new Uint8Array());
/** The values Kafka holds in `topic`. */
const values = (kafka: MemoryKafka, topic: string) => kafka.records(topic).map((r) => text(r.value));

/** Makes `kafka` refuse, for good ("record too large"), every send of the record whose value is `value`. */
function refuseForGood(kafka: MemoryKafka, value: string): void {
  kafka.rejectRecords(
    (r) => text(r.value) === value,
    () => new ConnectError("record too large"),
  );
}

/** Drops every record bound for `topic` (Filter with the TopicNameMatches predicate). */
function dropTopic(topic: string): TransformationChain {
  return TransformationChain.fromConfig(builtInRegistry(), {
    transforms: "drop",
    "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter",
    "transforms.drop.predicate": "x",
    predicates: "x",
    "predicates.x.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
    "predicates.x.pattern": topic,
  });
}

function setup(o: { kafka?: MemoryKafka; transformations?: TransformationChain } = {}) {
  const kafka = o.kafka ?? new MemoryKafka();
  const offsets = memoryOffsetStore();
  const plugin = new QueuedSource();
  const basics = taskBasics();
  const { task } = memorySourceTask({
    plugin,
    taskClass: "test.Lines",
    kafka,
    basics,
    options: { offsets, ...(o.transformations ? { transformations: o.transformations } : {}) },
  });
  return { kafka, offsets, plugin, basics, task };
}

describe("a poll batch a record of which Kafka refuses for good (errors.tolerance=none)", () => {
  test("the task fails and its final offset commit saves the offset of the lines written before the refused one", async () => {
    const { kafka, offsets, plugin, basics, task } = setup();
    refuseForGood(kafka, "line3");
    plugin.queue.push([line(1), line(2), line(3), line(4)]);
    task.start();
    await awaitFailed(basics.listener);
    await awaitStopped(task);
    expect(values(kafka, "t")).toEqual(["line1", "line2"]);
    // A restart resumes after line2: lines 1 and 2 are not written again.
    expect(offsets.get("c", FILE)).toEqual({ n: 2 });
  });

  test("a record a transformation dropped counts as handled: the prefix goes on past it", async () => {
    const kafka = new MemoryKafka();
    const { offsets, plugin, basics, task } = setup({ kafka, transformations: dropTopic("x") });
    refuseForGood(kafka, "line3");
    plugin.queue.push([line(1), line(2, "x"), line(3), line(4)]);
    task.start();
    await awaitFailed(basics.listener);
    await awaitStopped(task);
    expect(values(kafka, "t")).toEqual(["line1"]);
    expect(offsets.get("c", FILE)).toEqual({ n: 2 });
  });
});

describe("a poll batch given up at a stop", () => {
  // review-prefixoff P2-1: a record certainly not written (refused unwritten) ends the prefix as an uncertain one does.
  test.each([
    ["perhaps written (no answer)", false],
    ["certainly not written (refused)", true],
  ])(
    "only the records before the first one not written stage their offset: a later written one does not (p's record %s)",
    async (_, refused) => {
      const kafka = new MemoryKafka();
      const offsets = memoryOffsetStore();
      const plugin = new QueuedSource();
      let calls = 0;
      const { task } = memorySourceTask({
        plugin,
        taskClass: "test.Lines",
        kafka,
        options: {
          offsets,
          // Topic q is written; p's leader is away (retriable), for every attempt.
          producer: producerThrough(kafka, 1, (inner, records, n) => {
            calls = n;
            const failure = new RetriableError("NOT_LEADER_OR_FOLLOWER for p-0");
            return partlyWritten(inner, records, (r) => r.topic === "q", refused ? markRefused(failure) : failure);
          }),
        },
      });
      plugin.queue.push([line(1, "q"), line(2, "p"), line(3, "q")]);
      task.start();
      await waitFor(() => calls >= 2, { what: "a retry of p's record" });
      await stopAndAwait(task);
      expect(values(kafka, "q")).toEqual(["line1", "line3"]);
      // line3 is in Kafka, but line2 is not: the stored offset is line1's, never line3's.
      expect(offsets.get("c", FILE)).toEqual({ n: 1 });
    },
  );
});

// srcprefix: as Connect's SubmittedRecords, the prefix is per source partition: a record not written, or perhaps
// written, ends only its own partition's; another partition's records written after it have their offsets committed,
// in the failed or given-up batch and in the batches after it whose outcome is known.
describe("with several source partitions", () => {
  const A = { file: "a" };
  const B = { file: "b" };
  const C = { file: "c" };
  /** Record `n` of source partition `partition` (null: none), to `topic`; its offset says where to resume. */
  const rec = (partition: SourceMap | null, n: number, topic: string) =>
    sourceRecord({
      topic,
      value: `${partition?.file ?? "none"}${n}`,
      valueSchema: Schemas.STRING,
      sourcePartition: partition,
      sourceOffset: { n },
    });
  /** The offsets stored for A, B and C. */
  const stored = (offsets: OffsetStore) => ({
    a: offsets.get("c", A),
    b: offsets.get("c", B),
    c: offsets.get("c", C),
  });

  function scripted(
    send: (inner: KafkaProducer, records: readonly ProducerRecord[], n: number) => Promise<ProducedMetadata[]>,
    o: {
      maxInFlight?: number;
      tolerance?: "none" | "all";
      rejectsRecords?: boolean;
      converters?: RecordConverters;
      transformations?: TransformationChain;
    } = {},
  ) {
    const kafka = new MemoryKafka();
    const offsets = memoryOffsetStore();
    const plugin = new CommittingSource(o.rejectsRecords ?? false);
    const basics = taskBasics(o.tolerance);
    let calls = 0;
    const { task } = memorySourceTask({
      plugin,
      taskClass: "test.Files",
      kafka,
      basics,
      options: {
        offsets,
        ...(o.converters ? { converters: o.converters } : {}),
        ...(o.transformations ? { transformations: o.transformations } : {}),
        producer: producerThrough(kafka, o.maxInFlight ?? 1, (inner, records, n) => {
          calls = n;
          return send(inner, records, n);
        }),
      },
    });
    return { kafka, offsets, plugin, basics, task, calls: () => calls };
  }

  test("a failure on A's record: B's records written after it in the batch have their offset committed, A's do not", async () => {
    // p refuses every record for good (errors.tolerance=none); q writes them. The request is sent again record by
    // record: the first of p's fails the task, and no attempt at the records after it is made.
    const { kafka, offsets, plugin, basics, task } = scripted((inner, records) =>
      partlyWritten(inner, records, (r) => r.topic === "q", new ConnectError("record too large")),
    );
    // A record without a source partition, perhaps written, ends nothing: Connect tracks the null partition apart.
    plugin.queue.push([rec(null, 1, "p"), rec(A, 1, "p"), rec(B, 1, "q"), rec(A, 2, "q"), rec(B, 2, "q")]);
    task.start();
    await awaitFailed(basics.listener);
    await awaitStopped(task);
    expect(values(kafka, "q")).toEqual(["b1", "a2", "b2"]);
    // a2 is in Kafka, but a1 perhaps not: A keeps no offset; B's last written record's is committed.
    expect(stored(offsets)).toEqual({ a: null, b: { n: 2 }, c: null });
  });

  test("a stop with batches in flight: a later batch Kafka acknowledged commits its partitions' offsets, but not past a record of theirs not written; a batch certainly not written ends only its own", async () => {
    const later = Promise.withResolvers<void>();
    const { kafka, offsets, plugin, task, calls } = scripted(
      async (inner, records, n) => {
        if (n === 3) later.resolve();
        // The first two requests fail once the third is on the wire: p's leader is away for every attempt (perhaps
        // written), r's request never left the client (certainly not written).
        if (n <= 2) await later.promise;
        if (records.some((r) => r.topic === "p")) throw new RetriableError("NOT_LEADER_OR_FOLLOWER for p-0");
        if (records.some((r) => r.topic === "r")) throw markNeverSent(new RetriableError("not connected"));
        return inner.send(records);
      },
      { maxInFlight: 5 },
    );
    plugin.queue.push([rec(A, 1, "p")], [rec(C, 1, "r")], [rec(B, 1, "q"), rec(A, 2, "q")]);
    task.start();
    await waitFor(() => calls() >= 4, { what: "a retry of A's record" });
    await stopAndAwait(task);
    expect(values(kafka, "q")).toEqual(["b1", "a2"]);
    expect(stored(offsets)).toEqual({ a: null, b: { n: 1 }, c: null });
  });

  test("a stop after a batch written in part: a batch never sent ends only its own partitions' prefixes", async () => {
    const { kafka, offsets, plugin, task, calls } = scripted(async (inner, records, n) => {
      // The first request waits until the second batch is queued behind it (never sent: one request at a time).
      if (n === 1) await waitFor(() => plugin.polls >= 3, { what: "the second batch queued" });
      return leaderAway("p")(inner, records);
    });
    plugin.queue.push([rec(A, 1, "p"), rec(B, 1, "q")], [rec(B, 2, "q"), rec(C, 1, "q")]);
    task.start();
    await waitFor(() => calls() >= 2, { what: "a retry of A's record" });
    await stopAndAwait(task);
    expect(values(kafka, "q")).toEqual(["b1"]);
    expect(stored(offsets)).toEqual({ a: null, b: { n: 1 }, c: null });
  });

  // The residual of prefixoff: a record Kafka refused for good and errors.tolerance=all skipped while its request was
  // sent again record by record is done with (Connect's producer callback acknowledges and commits it, KIP-779).
  test("errors.tolerance=all: a record Kafka refused for good and skipped before the stop counts as handled", async () => {
    const { kafka, offsets, plugin, task, calls } = scripted(
      (inner, records) => {
        if (records.some((r) => r.topic === "big")) throw new ConnectError("record too large");
        return leaderAway("p")(inner, records);
      },
      { tolerance: "all" },
    );
    plugin.queue.push([rec(A, 1, "big"), rec(A, 2, "p")]);
    task.start();
    // The request, then a1 alone (skipped), then a2 alone, retried.
    await waitFor(() => calls() >= 4, { what: "a retry of a2" });
    await stopAndAwait(task);
    expect(values(kafka, "big")).toEqual([]);
    expect(stored(offsets)).toEqual({ a: { n: 1 }, b: null, c: null });
    // As Connect's producer callback under errors.tolerance=all: commitRecord with no metadata.
    expect(plugin.committed).toEqual([["a1", null]]);
  });

  // A batch with nothing to send (its records dropped or rejected before sending) settles at once; after a halt it is
  // not acknowledged to the task, so a record whose rejection the task never heard must not have its offset committed.
  test("a batch after the halt with nothing to send: a record rejected before sending ends its partition's prefix", async () => {
    const converters = convertersFailingOn("b1");
    const { offsets, plugin, task, calls } = scripted(
      async (inner, records, n) => {
        // The first request waits until the second batch was converted and settled behind it.
        if (n === 1) await waitFor(() => plugin.polls >= 3, { what: "the second batch polled" });
        return leaderAway("p")(inner, records);
      },
      { rejectsRecords: true, converters },
    );
    plugin.queue.push([rec(A, 1, "p")], [rec(B, 1, "q")]);
    task.start();
    await waitFor(() => calls() >= 2, { what: "a retry of A's record" });
    await stopAndAwait(task);
    expect(stored(offsets)).toEqual({ a: null, b: null, c: null });
  });

  test("a batch given up at a stop: a record of it rejected before sending ends its partition's prefix, though notSent took its rejection", async () => {
    const { kafka, offsets, plugin, task, calls } = scripted(leaderAway("p"), {
      rejectsRecords: true,
      converters: convertersFailingOn("a1"),
    });
    plugin.queue.push([rec(A, 1, "q"), rec(B, 1, "p"), rec(A, 2, "q")]);
    task.start();
    await waitFor(() => calls() >= 2, { what: "a retry of B's record" });
    await stopAndAwait(task);
    expect(values(kafka, "q")).toEqual(["a2"]);
    expect(stored(offsets)).toEqual({ a: null, b: null, c: null });
  });

  test("a batch after the halt with nothing to send: a record a transformation dropped is committed with null metadata, its offset staged", async () => {
    const { offsets, plugin, task, calls } = scripted(
      async (inner, records, n) => {
        // The first request waits until the second batch was polled and settled behind it.
        if (n === 1) await waitFor(() => plugin.polls >= 3, { what: "the second batch polled" });
        return leaderAway("p")(inner, records);
      },
      { transformations: dropTopic("x") },
    );
    plugin.queue.push([rec(A, 1, "p")], [rec(B, 1, "x")]);
    task.start();
    await waitFor(() => calls() >= 2, { what: "a retry of A's record" });
    await stopAndAwait(task);
    // As Connect, which commits a record a transformation dropped at once, whatever becomes of the batches before it.
    expect(plugin.committed).toEqual([["b1", null]]);
    expect(stored(offsets)).toEqual({ a: null, b: { n: 1 }, c: null });
  });
});

/**
 * A QueuedSource (that `rejectsRecords` or not) that notes each commitRecord: the record's value and its metadata's
 * topic (null: none).
 */
class CommittingSource extends QueuedSource {
  readonly committed: [string, string | null][] = [];
  constructor(readonly rejectsRecords: boolean) {
    super();
  }
  commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void {
    this.committed.push([String(record.value), metadata?.topic ?? null]);
  }
}
