/**
 * The spool drainer and errors.tolerance (review findings): a producer-level error never drains the
 * spool into nothing under errors.tolerance=all, and a poison record (a converter failing on it)
 * goes to the quarantine instead of failing the task at every restart, or, under errors.tolerance=all
 * (skipped as in Connect), instead of being deleted though its device was told it was accepted; a
 * record a transformation drops on purpose (Filter) is still deleted, and Kafka mode still answers
 * "dropped" for a skipped record.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ConnectError, DataError } from "../../errors.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { withKafkaError } from "../../kafka/send-rejection.ts";
import { builtInRegistry } from "../../plugins.ts";
import type { RecordConverters } from "../../runtime/record-conversion.ts";
import {
  awaitFailed,
  convertersFailingOn,
  memoryOffsetStore,
  stopAndAwait,
  stringConverters,
  taskBasics,
} from "../../runtime/task-test-support.ts";
import { TransformationChain } from "../../runtime/transformation-chain.ts";
import { SPOOL_FILE } from "../../store/spool-file.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import type { SpoolWriter } from "./spool-writer.ts";
import { ingestServices, ingestSourceTask, SPOOL_CONFIG } from "./test-support.ts";

const VALUES = ["v0", "v1", "v2", "v3", "v4", "v5"];
const never = new AbortController().signal;
const text = new TextDecoder();

/** Fails on the value "v3" as IntegerConverter fails on a string. */
const poisonConverters = convertersFailingOn("v3", {
  error: () => new DataError('Invalid type for INT32: "v3" is a string'),
  valueClass: "org.apache.kafka.connect.converters.IntegerConverter",
});

/** Drops the records with a header "drop" (Filter with the HasHeaderKey predicate): v1 in `submitted`. */
const dropFlagged = () =>
  TransformationChain.fromConfig(builtInRegistry(), {
    transforms: "drop",
    "transforms.drop.type": "org.apache.kafka.connect.transforms.Filter",
    "transforms.drop.predicate": "flagged",
    predicates: "flagged",
    "predicates.flagged.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    "predicates.flagged.name": "drop",
  });

/** A started task of connector c (spool mode when `store` is given); `submitted` hands it VALUES. */
async function ingestTask(
  kafka: MemoryKafka,
  o: { tolerance: "none" | "all"; converters?: RecordConverters; store?: SpoolStore; filter?: boolean },
) {
  const { services, writer: attached } = ingestServices(o.store ? { spool: o.store } : {});
  const basics = taskBasics(o.tolerance);
  const offsets = memoryOffsetStore();
  const { task } = ingestSourceTask({
    services,
    kafka,
    config: o.store ? SPOOL_CONFIG : {},
    basics,
    options: {
      converters: o.converters ?? stringConverters,
      offsets,
      offsetFlushIntervalMs: 0,
      ...(o.filter ? { transformations: dropFlagged() } : {}),
    },
  });
  task.start();
  await waitFor(() => attached() !== undefined);
  const writer = attached()!;
  const records: IngestRecord[] = VALUES.map((v) => ({
    key: "k",
    value: v,
    headers: v === "v1" ? [["drop", "yes"]] : [],
    partition: null,
    timestamp: 7,
    bytes: 2,
  }));
  const submitted = writer.submit({ topic: "t", records, signal: never });
  return { task, listener: basics.listener, metrics: basics.metrics, offsets, writer, submitted };
}

/** VALUES spooled (acknowledged to their device) and drained by a started spool-mode task. */
async function spooledAndDraining(
  dirPath: string,
  kafka: MemoryKafka,
  o: { tolerance: "none" | "all"; converters?: RecordConverters; filter?: boolean },
) {
  const store = await SpoolStore.open(dirPath);
  const started = await ingestTask(kafka, { ...o, store });
  const outcomes = await started.submitted;
  expect(outcomes.map((x) => x.kind)).toEqual(VALUES.map(() => "spooled"));
  return { store, ...started };
}

async function drained(store: SpoolStore): Promise<void> {
  await waitFor(
    () => {
      store.flushDeletes();
      return store.stats("c").records === 0;
    },
    { what: "the spool drained" },
  );
}

function quarantined(dirPath: string): unknown[] {
  const db = new Database(join(dirPath, SPOOL_FILE), { readonly: true });
  try {
    return db.query("SELECT seq, topic, kafka_error, message FROM spool_quarantine").all();
  } finally {
    db.close();
  }
}

describe("the spool drainer and errors.tolerance", () => {
  test("a producer-level error (TOPIC_AUTHORIZATION_FAILED) under errors.tolerance=all fails the task and deletes no row Kafka did not acknowledge", async () => {
    await using dir = await tempDir("spool-tolerance-");
    const kafka = new MemoryKafka();
    kafka.rejectRecords(
      (r) => text.decode(r.value!) === "v3",
      () =>
        withKafkaError(
          new ConnectError("Not authorized to access topics: [t] (TOPIC_AUTHORIZATION_FAILED)"),
          "TOPIC_AUTHORIZATION_FAILED",
        ),
    );
    const { store, task, listener } = await spooledAndDraining(dir.path, kafka, { tolerance: "all" });
    await awaitFailed(listener);
    await stopAndAwait(task);
    store.flushDeletes();
    // v0, v1 acknowledged (their rows went); v2, written one by one before v3 was refused, is told
    // written although its poll batch failed (splitrest), so its row went too. v3's row stays with
    // everything after it: sent again after a restart, never lost.
    expect(store.stats("c").records).toBe(3);
    expect(kafka.records("t").map((r) => text.decode(r.value!))).toEqual(["v0", "v1", "v2"]);
    await store.close();
    expect(quarantined(dir.path)).toEqual([]);
  });

  test("a poison record (the value converter fails on it, errors.tolerance=none) goes to the quarantine and the drain goes on", async () => {
    await using dir = await tempDir("spool-tolerance-");
    const kafka = new MemoryKafka();
    const { store, task, listener, offsets } = await spooledAndDraining(dir.path, kafka, {
      tolerance: "none",
      converters: poisonConverters,
    });
    await drained(store);
    expect(kafka.records("t").map((r) => text.decode(r.value!))).toEqual(["v0", "v1", "v2", "v4", "v5"]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
    expect(offsets.get("c", { spool: "c" })).toEqual({ seq: 6 });
    await store.close();
    expect(quarantined(dir.path)).toEqual([
      {
        seq: 4,
        topic: "t",
        kafka_error: "VALUE_CONVERTER",
        message:
          'VALUE_CONVERTER failed in org.apache.kafka.connect.converters.IntegerConverter: Invalid type for INT32: "v3" is a string',
      },
    ]);
  });

  describe("errors.tolerance=all", () => {
    test("a record skipped after a converter failed on it goes to the quarantine, not deleted; a record the Filter drops is deleted", async () => {
      await using dir = await tempDir("spool-tolerance-");
      const kafka = new MemoryKafka();
      const { store, task, listener, offsets, metrics, writer } = await spooledAndDraining(dir.path, kafka, {
        tolerance: "all",
        converters: poisonConverters,
        filter: true,
      });
      await drained(store);
      expect(kafka.records("t").map((r) => text.decode(r.value!))).toEqual(["v0", "v2", "v4", "v5"]);
      expect(listener.events).toEqual(["RUNNING"]);
      // Skipped as in Connect (reported and counted), and counted by the spool's quarantine gauge.
      expect(metrics.totalRecordsSkipped).toBe(1);
      expect((writer as SpoolWriter).quarantined).toBe(1);
      expect((writer as SpoolWriter).drained).toBe(5);
      await stopAndAwait(task);
      expect(offsets.get("c", { spool: "c" })).toEqual({ seq: 6 });
      await store.close();
      expect(quarantined(dir.path)).toEqual([
        {
          seq: 4,
          topic: "t",
          kafka_error: "VALUE_CONVERTER",
          message:
            'VALUE_CONVERTER failed in org.apache.kafka.connect.converters.IntegerConverter: Invalid type for INT32: "v3" is a string',
        },
      ]);
    });

    test("kafka mode: the skipped record and the dropped one are both answered as dropped, the rest as written", async () => {
      const kafka = new MemoryKafka();
      const { task, submitted } = await ingestTask(kafka, {
        tolerance: "all",
        converters: poisonConverters,
        filter: true,
      });
      const outcomes = await submitted;
      expect(outcomes.map((x) => x.kind)).toEqual(["written", "dropped", "written", "dropped", "written", "written"]);
      await stopAndAwait(task);
    });
  });
});
