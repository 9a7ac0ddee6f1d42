import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordMetadata, RecordRejection, SourceTask } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import { ConnectError, DataError, RetriableError, traceOf } from "../errors.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { HeldBroker } from "../kafka/platformatic/held-broker-test-support.ts";
import { testProducer } from "../kafka/platformatic/producer-test-support.ts";
import { kafkaErrorOf, withKafkaError } from "../kafka/send-rejection.ts";
import { LogManager } from "../util/logger.ts";
import { ToleranceExceededError } from "./errors/retry-with-tolerance.ts";
import type { RecordConverters } from "./record-conversion.ts";
import { commitSourceRecords, conversionRejectionOf, recordRejectionOf } from "./record-rejection.ts";
import {
  awaitFailed,
  awaitStopped,
  convertersFailingOn,
  memoryOffsetStore,
  memorySourceTask,
  QueuedSource,
  stopAndAwait,
  stringConverters,
  taskBasics,
} from "./task-test-support.ts";

type Commit = [value: string, offset: number | null, rejection?: RecordRejection];

/** A QueuedSource that records what is acknowledged, through commitRecord or (`batchApi`) commitRecords. */
class Source extends QueuedSource {
  readonly commits: Commit[] = [];
  constructor(
    readonly rejectsRecords: boolean,
    batchApi: boolean,
  ) {
    super();
    if (batchApi) this.commitRecords = this.batch;
    else this.commitRecord = this.single;
  }
  commitRecord?: SourceTask["commitRecord"];
  commitRecords?: SourceTask["commitRecords"];
  private single(record: SourceRecord, metadata: RecordMetadata | null, rejection?: RecordRejection): void {
    this.commits.push(commit(record, metadata, rejection));
  }
  private batch(
    records: readonly SourceRecord[],
    metadata: readonly (RecordMetadata | null)[],
    rejections?: ReadonlyMap<number, RecordRejection>,
  ): void {
    for (let i = 0; i < records.length; i++)
      this.commits.push(commit(records[i]!, metadata[i] ?? null, rejections?.get(i)));
  }
}

function commit(record: SourceRecord, metadata: RecordMetadata | null, rejection?: RecordRejection): Commit {
  const c: Commit = [String(record.value), metadata?.offset ?? null];
  if (rejection) c.push(rejection);
  return c;
}

const record = (n: number) =>
  sourceRecord({
    topic: "t",
    value: `r${n}`,
    valueSchema: Schemas.STRING,
    sourcePartition: { p: 1 },
    sourceOffset: { n },
  });

/** Converters that fail on the value "r2" (a poison record: `DataError` from the value converter). */
const poisonConverters = convertersFailingOn("r2", { valueClass: "test.Poison" });

function run(o: {
  rejectsRecords: boolean;
  batchApi?: boolean;
  tolerance?: "none" | "all";
  kafkaError?: string;
  converters?: RecordConverters;
}) {
  const kafka = new MemoryKafka();
  const offsets = memoryOffsetStore();
  const source = new Source(o.rejectsRecords, o.batchApi ?? false);
  const basics = taskBasics(o.tolerance);
  const { task } = memorySourceTask({
    plugin: source,
    taskClass: "test.Source",
    kafka,
    basics,
    options: { converters: o.converters ?? stringConverters, offsets, offsetFlushIntervalMs: 0 },
  });
  // The broker refuses any send holding r2 as a whole (KIP-467: the batch fails), naming the error.
  const kafkaError = o.kafkaError;
  if (kafkaError !== undefined)
    kafka.rejectRecords(
      (r) => new TextDecoder().decode(r.value!) === "r2",
      () => withKafkaError(new ConnectError(`Kafka rejected 1 record(s) for t-0: ${kafkaError}`), kafkaError),
    );
  source.queue.push([record(1), record(2), record(3)], [record(4)]);
  task.start();
  return { task, source, offsets, listener: basics.listener, kafka };
}

describe("a record Kafka refuses for good on its own (P1.1)", () => {
  test.each([
    ["INVALID_TIMESTAMP", false],
    ["INVALID_RECORD", true],
    ["MESSAGE_TOO_LARGE", false],
    ["RECORD_LIST_TOO_LARGE", true],
    ["INVALID_PARTITION", false],
  ])(
    "%s is that record's failure for a task that rejectsRecords (commitRecords: %p); the task goes on",
    async (kafkaError, batchApi) => {
      const { task, source, offsets, listener } = run({ rejectsRecords: true, batchApi, kafkaError });
      await waitFor(() => source.commits.length === 4);
      const rejection = { error: kafkaError, message: `Kafka rejected 1 record(s) for t-0: ${kafkaError}` };
      expect(source.commits).toEqual([
        ["r1", 0],
        ["r2", null, rejection],
        ["r3", 1],
        ["r4", 2],
      ]);
      await waitFor(() => offsets.get("c", { p: 1 }) !== null);
      expect(offsets.get("c", { p: 1 })).toEqual({ n: 4 });
      expect(listener.events).toEqual(["RUNNING"]);
      await stopAndAwait(task);
    },
  );

  test("whatever errors.tolerance says: with all the record is rejected too, not skipped", async () => {
    const { task, source } = run({ rejectsRecords: true, tolerance: "all", kafkaError: "INVALID_TIMESTAMP" });
    await waitFor(() => source.commits.length === 4);
    expect(source.commits[1]).toEqual(["r2", null, expect.objectContaining({ error: "INVALID_TIMESTAMP" })]);
    await stopAndAwait(task);
  });

  test("another error refused for good still fails the task (not a per-record refusal)", async () => {
    const { task, source, listener } = run({ rejectsRecords: true, kafkaError: "TOPIC_AUTHORIZATION_FAILED" });
    await awaitFailed(listener);
    await awaitStopped(task);
    // r1 was written (one by one, before r2) though its poll batch failed: its commitRecord hears its offset
    // (Connect's per-record producer callback, splitrest); r2 and r3 hear nothing.
    expect(source.commits).toEqual([["r1", 0]]);
  });

  // Review finding: with errors.tolerance=all a removed topic ACL made every record be skipped, and
  // a spool deleted its rows for records Kafka never had.
  test.each([false, true])(
    "a producer-level error (TOPIC_AUTHORIZATION_FAILED) fails the task under errors.tolerance=all too: nothing is skipped (commitRecords: %p)",
    async (batchApi) => {
      const { task, source, listener, offsets } = run({
        rejectsRecords: true,
        batchApi,
        tolerance: "all",
        kafkaError: "TOPIC_AUTHORIZATION_FAILED",
      });
      await awaitFailed(listener);
      await awaitStopped(task);
      // Only r1, written before r2 was refused, through commitRecord (commitRecords hears only whole batches);
      // its offset is the batch's written prefix, saved by the final commit (prefixoff), nothing past it.
      expect(source.commits).toEqual(batchApi ? [] : [["r1", 0]]);
      expect(offsets.get("c", { p: 1 })).toEqual({ n: 1 });
      expect(traceOf(listener.failure)).toContain("TOPIC_AUTHORIZATION_FAILED");
    },
  );

  test("Connect's behaviour (KIP-779) for a task that does not take rejections: all skips a producer-level error", async () => {
    const { task, source } = run({ rejectsRecords: false, tolerance: "all", kafkaError: "TOPIC_AUTHORIZATION_FAILED" });
    await waitFor(() => source.commits.length === 4);
    expect(source.commits[1]).toEqual(["r2", null]);
    await stopAndAwait(task);
  });

  test("Connect's behaviour for a task that does not take rejections: none fails the task, all skips the record", async () => {
    const failing = run({ rejectsRecords: false, kafkaError: "INVALID_TIMESTAMP" });
    await awaitFailed(failing.listener);
    await awaitStopped(failing.task);
    expect(traceOf(failing.listener.failure)).toContain("INVALID_TIMESTAMP");

    const skipping = run({ rejectsRecords: false, tolerance: "all", kafkaError: "INVALID_TIMESTAMP" });
    await waitFor(() => skipping.source.commits.length === 4);
    expect(skipping.source.commits[1]).toEqual(["r2", null]); // commitRecord(record, null), as Connect
    await stopAndAwait(skipping.task);
  });
});

// plattopic: with the default client, a topic Kafka refuses at metadata (a transformation routed a device's record to a
// name Kafka refuses) failed the producer: every send of the task's other topics failed with it, sent again on a new one.
describe("a record of a topic whose metadata Kafka refuses (INVALID_TOPIC_EXCEPTION), on the default client's producer", () => {
  test("is rejected alone; the other topics' records of its request are written by the same producer; the task goes on", async () => {
    const broker = new HeldBroker({ "bad-topic": "INVALID_TOPIC_EXCEPTION" });
    let producers = 0;
    const source = new Source(true, false);
    const basics = taskBasics();
    const { task } = memorySourceTask({
      plugin: source,
      taskClass: "test.Source",
      basics,
      options: {
        producer: async () => {
          producers++;
          return testProducer(broker);
        },
      },
    });
    const of = (topic: string, value: string) =>
      sourceRecord({
        topic,
        kafkaPartition: 0,
        value,
        valueSchema: Schemas.STRING,
        sourcePartition: {},
        sourceOffset: {},
      });
    source.queue.push([of("t", "A"), of("bad-topic", "B"), of("t", "C")], [of("u", "D")]);
    task.start();
    await broker.answerUntil(waitFor(() => source.commits.length === 4, { what: "every record answered" }));
    const rejection = {
      error: "INVALID_TOPIC_EXCEPTION",
      message: "Failed to send records to Kafka: Invalid topics: [bad-topic]",
    };
    expect(source.commits).toEqual([
      ["A", 0],
      ["B", null, rejection],
      ["C", 1],
      ["D", 0],
    ]);
    expect(producers).toBe(1);
    expect(basics.listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });
});

describe("a record a converter or transformation fails on (poison record)", () => {
  test.each([false, true])(
    "is rejected, not fatal, for a task that rejectsRecords under errors.tolerance=none (commitRecords: %p)",
    async (batchApi) => {
      const { task, source, offsets, listener, kafka } = run({
        rejectsRecords: true,
        batchApi,
        converters: poisonConverters,
      });
      await waitFor(() => source.commits.length === 4);
      expect(source.commits).toEqual([
        ["r1", 0],
        [
          "r2",
          null,
          {
            error: "VALUE_CONVERTER",
            message: "VALUE_CONVERTER failed in test.Poison: Value r2 is not an integer",
            stage: "VALUE_CONVERTER",
          },
        ],
        ["r3", 1],
        ["r4", 2],
      ]);
      expect(kafka.records("t").map((r) => new TextDecoder().decode(r.value!))).toEqual(["r1", "r3", "r4"]);
      await waitFor(() => offsets.get("c", { p: 1 }) !== null);
      expect(offsets.get("c", { p: 1 })).toEqual({ n: 4 });
      expect(listener.events).toEqual(["RUNNING"]);
      await stopAndAwait(task);
    },
  );

  test.each([false, true])(
    "errors.tolerance=all skips it as Connect (null metadata), a task that rejectsRecords told so by a rejection marked skipped (commitRecords: %p)",
    async (batchApi) => {
      const { task, source, kafka } = run({
        rejectsRecords: true,
        batchApi,
        tolerance: "all",
        converters: poisonConverters,
      });
      await waitFor(() => source.commits.length === 4);
      expect(source.commits).toEqual([
        ["r1", 0],
        [
          "r2",
          null,
          {
            error: "VALUE_CONVERTER",
            message: "VALUE_CONVERTER failed in test.Poison: Value r2 is not an integer",
            stage: "VALUE_CONVERTER",
            skipped: true,
          },
        ],
        ["r3", 1],
        ["r4", 2],
      ]);
      expect(kafka.records("t").map((r) => new TextDecoder().decode(r.value!))).toEqual(["r1", "r3", "r4"]);
      await stopAndAwait(task);
    },
  );

  test("errors.tolerance=all skips it for a task that does not take rejections: null metadata, no rejection, as Connect", async () => {
    const { task, source } = run({ rejectsRecords: false, tolerance: "all", converters: poisonConverters });
    await waitFor(() => source.commits.length === 4);
    expect(source.commits[1]).toEqual(["r2", null]);
    await stopAndAwait(task);
  });

  test.each([
    [true, "fails the task: a retriable failure is no verdict on a record it accepted (nothing acknowledged)"],
    [false, "skips it, as Connect"],
  ])(
    "errors.tolerance=all, a retriable converter failure whose retries ran out, rejectsRecords %p: %s",
    async (rejects) => {
      const flaky = convertersFailingOn("r2", {
        error: () => new RetriableError("the schema registry did not answer"),
        valueClass: "test.Flaky",
      });
      const { task, source, listener } = run({ rejectsRecords: rejects, tolerance: "all", converters: flaky });
      if (rejects) {
        await awaitFailed(listener);
        await awaitStopped(task);
        expect(String(listener.failure)).toContain("Tolerance exceeded in error handler");
        expect(source.commits.some(([value]) => value === "r2")).toBe(false);
      } else {
        await waitFor(() => source.commits.length === 4);
        expect(source.commits[1]).toEqual(["r2", null]);
        await stopAndAwait(task);
      }
    },
  );

  test("fails a task that does not take rejections, as Connect", async () => {
    const { task, source, listener } = run({ rejectsRecords: false, converters: poisonConverters });
    await awaitFailed(listener);
    await awaitStopped(task);
    expect(String(listener.failure)).toContain("Tolerance exceeded in error handler");
    expect(source.commits).toEqual([]);
  });
});

describe("conversionRejectionOf", () => {
  test("only the operator's failure of a transformation or converter stage is a rejection", () => {
    const failed = new ToleranceExceededError("Tolerance exceeded in error handler", {
      cause: new DataError("Only Map objects supported in absence of schema for [copying fields from value to key]"),
    });
    failed.stage = "TRANSFORMATION";
    failed.executingClass = "org.apache.kafka.connect.transforms.ValueToKey";
    expect(conversionRejectionOf(failed)).toEqual({
      error: "TRANSFORMATION",
      message:
        "TRANSFORMATION failed in org.apache.kafka.connect.transforms.ValueToKey: Only Map objects supported in absence of schema for [copying fields from value to key]",
      stage: "TRANSFORMATION",
    });
    const produce = new ToleranceExceededError("Tolerance exceeded in error handler");
    produce.stage = "KAFKA_PRODUCE";
    expect(conversionRejectionOf(produce)).toBeUndefined();
    expect(conversionRejectionOf(new DataError("x"))).toBeUndefined();
  });

  test("a retriable failure whose retries ran out is no rejection (the task fails, as Connect's)", () => {
    const exhausted = new ToleranceExceededError("Tolerance exceeded in error handler", {
      cause: new RetriableError("the schema registry did not answer"),
    });
    exhausted.stage = "VALUE_CONVERTER";
    expect(conversionRejectionOf(exhausted)).toBeUndefined();
  });
});

describe("recordRejectionOf", () => {
  test("finds Kafka's error through wrapping causes; only the per-record refusals count", () => {
    const inner = withKafkaError(
      new ConnectError("Kafka rejected 1 record(s) for t-0: INVALID_RECORD"),
      "INVALID_RECORD",
    );
    const outer = new ConnectError(inner.message, { cause: inner });
    expect(kafkaErrorOf(outer)).toBe("INVALID_RECORD");
    expect(recordRejectionOf(outer)).toEqual({ error: "INVALID_RECORD", message: inner.message });
    expect(recordRejectionOf(withKafkaError(new ConnectError("x"), "NOT_ENOUGH_REPLICAS"))).toBeUndefined();
    expect(recordRejectionOf(new ConnectError("a lost connection"))).toBeUndefined();
  });
});

/** Acknowledges records a..d, written at offsets 0..3, to `task`; each ERROR line its log got: its message, its text. */
async function acknowledge(task: Partial<SourceTask>, whole: boolean): Promise<[message: string, line: string][]> {
  const records = ["a", "b", "c", "d"].map((value) => sourceRecord({ topic: "t", value }));
  const metadata: RecordMetadata[] = [0, 1, 2, 3].map((offset) => ({
    topic: "t",
    partition: 0,
    offset,
    timestamp: null,
  }));
  const lines: string[] = [];
  const log = new LogManager({ sink: (line) => lines.push(line) }).get("WorkerSourceTask");
  const positions = Int32Array.from([0, 1, 2, 3]);
  await commitSourceRecords(task as SourceTask, records, positions, metadata, new Map(), log, whole);
  return lines.filter((l) => l.includes(" ERROR ")).map((l) => [l.split(" ERROR ")[1]!.split("\n")[0]!, l]);
}

// p3mix item 3: a commitRecord that failed ended the batch's acknowledgements; Connect's commitTaskRecord logs a
// throw and goes on with the next record.
describe("commitSourceRecords, record by record", () => {
  test("tells every record though commitRecord fails on some (a rejected promise, a throw), logging each failure", async () => {
    const told: string[] = [];
    const errors = await acknowledge(
      {
        commitRecord: (record: SourceRecord, metadata: RecordMetadata | null) => {
          told.push(`${record.value}@${metadata?.offset ?? null}`);
          if (record.value === "b") return Promise.reject(new Error("b not acknowledged upstream"));
          if (record.value === "c") throw new Error("c not acknowledged upstream");
          return Promise.resolve();
        },
      },
      false,
    );
    expect(told).toEqual(["a@0", "b@1", "c@2", "d@3"]);
    expect(
      errors.map(([message, l]) => [message, ["b", "c"].find((v) => l.includes(`${v} not acknowledged upstream`))]),
    ).toEqual([
      ["Exception thrown while calling task.commitRecord()", "b"],
      ["Exception thrown while calling task.commitRecord()", "c"],
    ]);
  });
});

// p3mix review: the commitRecords failure's own log line had no test.
describe("commitSourceRecords, a whole batch", () => {
  test.each([
    [
      "throws",
      () => {
        throw new Error("batch not acknowledged upstream");
      },
    ],
    ["rejects", () => Promise.reject(new Error("batch not acknowledged upstream"))],
  ])(
    "commitRecords that %s is logged once under its own name, with its cause; the acknowledgement resolves",
    async (_, fail) => {
      const told: string[][] = [];
      const errors = await acknowledge(
        {
          commitRecords: (records: readonly SourceRecord[], metadata: readonly (RecordMetadata | null)[]) => {
            told.push(records.map((r, i) => `${r.value}@${metadata[i]?.offset ?? null}`));
            return fail();
          },
        },
        true,
      );
      expect(told).toEqual([["a@0", "b@1", "c@2", "d@3"]]);
      expect(errors.map(([message, l]) => [message, l.includes("batch not acknowledged upstream")])).toEqual([
        ["Exception thrown while calling task.commitRecords()", true],
      ]);
    },
  );
});
