import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordMetadata } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import type { KafkaProducer, ProducedMetadata, ProducerRecord, SendOptions } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { deferred } from "../util/async.ts";
import type { WorkerSourceTaskOptions } from "./source-task-lifecycle.ts";
import {
  awaitStopped,
  memorySourceTask,
  partlyWritten,
  producerThrough,
  QueuedSource,
  stopAndAwait,
} from "./task-test-support.ts";

/** A SourceTask that commits in any order (as the ingest task), each commit and notSent logged by value. */
class AnyOrderSource extends QueuedSource {
  readonly commitsAnyOrder = true;
  /** Per commitRecords call, the values with whether Kafka wrote each. */
  readonly commits: string[][] = [];
  readonly notSentValues: string[] = [];
  commitRecords(records: ReadonlyArray<SourceRecord>, metadata: ReadonlyArray<RecordMetadata | null>): void {
    this.commits.push(records.map((r, i) => `${r.value}${metadata[i] ? "" : ":null"}`));
  }
  commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void {
    this.commits.push([`${record.value}${metadata ? "" : ":null"}`]);
  }
  notSent(records: ReadonlyArray<SourceRecord>): void {
    for (const r of records) this.notSentValues.push(r.value as string);
  }
  get committed(): string[] {
    return this.commits.flat();
  }
}

const rec = (topic: string, value: string) => sourceRecord({ topic, value, valueSchema: Schemas.STRING });

/**
 * A send whose records of `topic` wait for `released` (a leader away); the others are written and told at once. A send
 * with none of them is answered a turn after its write, as a broker's answer comes: after the task loop waits for room.
 */
function heldPartition(topic: string, released: Promise<void>) {
  return async (
    inner: KafkaProducer,
    records: readonly ProducerRecord[],
    _n: number,
    options?: SendOptions,
  ): Promise<ProducedMetadata[]> => {
    const indexes = Int32Array.from(records.keys()).filter((i) => records[i]!.topic !== topic);
    const first = await inner.send([...indexes].map((i) => records[i]!));
    if (indexes.length < records.length) {
      options?.onWritten?.(indexes, first);
      await released;
    } else await new Promise((answered) => setImmediate(answered));
    const rest = await inner.send(records.filter((r) => r.topic === topic));
    let f = 0;
    let r = 0;
    return records.map((x) => (x.topic !== topic ? first[f++]! : rest[r++]!));
  };
}

/** An AnyOrderSource's task whose producer (`maxInFlight` sends) holds the records of topic s until `held` resolves. */
function heldSourceTask(maxInFlight: number, options: Partial<WorkerSourceTaskOptions> = {}) {
  const kafka = new MemoryKafka();
  const plugin = new AnyOrderSource();
  const held = deferred<void>();
  const { task } = memorySourceTask({
    plugin,
    taskClass: "test.AnyOrder",
    kafka,
    options: { producer: producerThrough(kafka, maxInFlight, heldPartition("s", held.promise)), ...options },
  });
  return { plugin, held, task };
}

describe("a SourceTask that commitsAnyOrder (per-partition-acks steps 3 and 4)", () => {
  test("gets a partition's records Kafka wrote while another partition of their send is held, each once", async () => {
    // h is written at once; s waits for a leader until the test lets it.
    const { plugin, held, task } = heldSourceTask(1);
    plugin.queue.push([rec("s", "S1"), rec("h", "H1"), rec("h", "H2")]);
    task.start();
    await waitFor(() => plugin.commits.length === 1, { what: "h's records committed while s's is held" });
    expect(plugin.commits).toEqual([["H1", "H2"]]);
    held.resolve();
    await waitFor(() => plugin.commits.length === 2, { what: "the rest once the send settled" });
    expect(plugin.commits).toEqual([["H1", "H2"], ["S1"]]);
    await stopAndAwait(task);
    expect(plugin.committed.sort()).toEqual(["H1", "H2", "S1"]);
  });

  test("a record handed out before its batch failed for good is not committed again, nor said not sent", async () => {
    const kafka = new MemoryKafka();
    const plugin = new AnyOrderSource();
    const { task, listener } = memorySourceTask({
      plugin,
      taskClass: "test.AnyOrder",
      kafka,
      options: {
        // h is written; s is refused for good at every attempt (the task fails).
        producer: producerThrough(kafka, 1, (inner, records, _n, options) =>
          partlyWritten(inner, records, (r) => r.topic === "h", new Error("refused for good"), options),
        ),
      },
    });
    plugin.queue.push([rec("h", "H1"), rec("s", "S1"), rec("h", "H2")]);
    task.start();
    await awaitStopped(task);
    expect(listener.events).toContain("FAILED");
    expect(plugin.committed.sort()).toEqual(["H1", "H2"]);
    expect(plugin.notSentValues).not.toContain("H1");
    expect(plugin.notSentValues).not.toContain("H2");
  });

  test("is polled past max.in.flight batches while Kafka writes part of each (buffer.memory bounds them)", async () => {
    const { plugin, held, task } = heldSourceTask(5, { maxInFlightBatches: 2 });
    for (const n of [1, 2, 3, 4]) plugin.queue.push([rec("s", `S${n}`), rec("h", `H${n}`)]);
    task.start();
    await waitFor(() => plugin.queue.length === 0, { what: "every batch polled while s holds a record of each" });
    held.resolve();
    await waitFor(() => plugin.committed.length === 8);
    await stopAndAwait(task);
  });

  test("is polled again as soon as a later batch Kafka wrote stops counting, while the oldest is still held", async () => {
    const { plugin, held, task } = heldSourceTask(5, { maxInFlightBatches: 2 });
    plugin.queue.push([rec("s", "S1"), rec("h", "H1")]);
    for (const n of [2, 3, 4, 5, 6]) plugin.queue.push([rec("h", `H${n}`)]);
    task.start();
    await waitFor(() => ["H4", "H5", "H6"].every((v) => plugin.committed.includes(v)), {
      what: "H4 to H6 polled and committed while s holds S1",
    });
    expect(plugin.committed).not.toContain("S1");
    held.resolve();
    await waitFor(() => plugin.committed.includes("S1"));
    await stopAndAwait(task);
  });
});
