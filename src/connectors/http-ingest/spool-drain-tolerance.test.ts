/**
 * The spool drainer and errors.tolerance (review findings): a producer-level error never drains the
 * spool into nothing under errors.tolerance=all, and a poison record (a converter failing on it)
 * goes to the quarantine instead of failing the task at every restart.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ConnectError, DataError } from "../../errors.ts";
import type { IngestRecord } from "../../ingest/ingest-record.ts";
import { withKafkaError } from "../../kafka/kafka-port.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import type { RecordConverters } from "../../runtime/record-conversion.ts";
import { memoryOffsetStore, stringConverters, taskBasics } from "../../runtime/task-test-support.ts";
import { SPOOL_FILE } from "../../store/spool-file.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { ingestServices, ingestSourceTask, SPOOL_CONFIG } from "./test-support.ts";

const VALUES = ["v0", "v1", "v2", "v3", "v4", "v5"];
const never = new AbortController().signal;
const text = new TextDecoder();

/** Fails on the value "v3" as IntegerConverter fails on a string. */
const poisonConverters: RecordConverters = {
  ...stringConverters,
  value: {
    ...stringConverters.value,
    fromConnectData: (t, h, s, v) => {
      if (v === "v3") throw new DataError('Invalid type for INT32: "v3" is a string');
      return stringConverters.value.fromConnectData(t, h, s, v);
    },
  },
  valueClass: "org.apache.kafka.connect.converters.IntegerConverter",
};

/** VALUES spooled (acknowledged to their device) and drained by a started spool-mode task. */
async function spooledAndDraining(
  dirPath: string,
  kafka: MemoryKafka,
  o: { tolerance: "none" | "all"; converters?: RecordConverters },
) {
  const store = await SpoolStore.open(dirPath);
  const { services, writer: attached } = ingestServices({ spool: store });
  const basics = taskBasics(o.tolerance);
  const offsets = memoryOffsetStore();
  const { task } = ingestSourceTask({
    services,
    kafka,
    config: SPOOL_CONFIG,
    basics,
    options: { converters: o.converters ?? stringConverters, offsets, offsetFlushIntervalMs: 0 },
  });
  task.start();
  await waitFor(() => attached() !== undefined);
  const writer = attached();
  const records: IngestRecord[] = VALUES.map((v) => ({
    key: "k",
    value: v,
    headers: [],
    partition: null,
    timestamp: 7,
    bytes: 2,
  }));
  const outcomes = await writer!.submit({ topic: "t", records, signal: never });
  expect(outcomes.map((x) => x.kind)).toEqual(VALUES.map(() => "spooled"));
  return { store, task, listener: basics.listener, offsets };
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
    await waitFor(() => listener.events.includes("FAILED"), { what: "the task to fail" });
    task.stop();
    expect(await task.awaitStop(5000)).toBe(true);
    store.flushDeletes();
    // v0, v1 acknowledged (their rows went); v2 was written one by one but its poll batch failed,
    // so its row stays with v3 and everything after: sent again after a restart, never lost.
    expect(store.stats("c").records).toBe(4);
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
    await waitFor(
      () => {
        store.flushDeletes();
        return store.stats("c").records === 0;
      },
      { what: "the spool drained" },
    );
    expect(kafka.records("t").map((r) => text.decode(r.value!))).toEqual(["v0", "v1", "v2", "v4", "v5"]);
    expect(listener.events).toEqual(["RUNNING"]);
    task.stop();
    expect(await task.awaitStop(5000)).toBe(true);
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
});
