/**
 * WorkerSourceTask when its SourceTask withdraws a record it handed over (SourceTaskContext.withdrawUnsent, explore27
 * F2) before it reached the producer: the record is never written, its commitRecord comes in its turn with null
 * metadata, and neither the later records' acknowledgements nor the source offsets wait on it.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordMetadata } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import type { KafkaProducer } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { deferred } from "../util/async.ts";
import { line, memoryOffsetStore, memorySourceTask, QueuedSource, stopAndAwait } from "./task-test-support.ts";

class CommittingSource extends QueuedSource {
  readonly committed: [string, number | null][] = [];
  commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void {
    this.committed.push([String(record.value), metadata?.offset ?? null]);
  }
}

describe("WorkerSourceTask when its SourceTask withdraws a record not yet handed to the producer", () => {
  test("it is never written; commitRecord gets it with null metadata in its turn; later records and the offsets go on", async () => {
    const kafka = new MemoryKafka();
    kafka.createTopic("t");
    const connecting = deferred<KafkaProducer>();
    const offsets = memoryOffsetStore();
    const plugin = new CommittingSource();
    const { task } = memorySourceTask({
      plugin,
      taskClass: "Committing",
      kafka,
      options: { producer: () => connecting.promise, offsets },
    });
    const [one, two, three] = [line(1), line(2), line(3)];
    plugin.queue.push([one, two]);
    task.start();
    await waitFor(() => plugin.polls >= 2, { what: "the batch handed to the sender" });
    expect(plugin.context?.withdrawUnsent?.([one])).toEqual(new Set([one]));
    plugin.queue.push([three]);
    connecting.resolve(await kafka.producer());
    await waitFor(() => plugin.committed.length === 3, { what: "the three records committed" });
    expect(plugin.committed).toEqual([
      ["line 1", null],
      ["line 2", 0],
      ["line 3", 1],
    ]);
    expect(kafka.records("t").map((r) => new TextDecoder().decode(r.value!))).toEqual(["line 2", "line 3"]);
    // Once written, a record is the producer's: not taken back.
    expect(plugin.context?.withdrawUnsent?.([three])?.size).toBe(0);
    await stopAndAwait(task);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 3 });
  });

  test("a batch converted and waiting for room in flight (buffer.memory) is taken back too", async () => {
    const kafka = new MemoryKafka();
    kafka.createTopic("t");
    const connecting = deferred<KafkaProducer>();
    const plugin = new CommittingSource();
    // Room for one record of ~70 bytes: the second batch waits for the first to be acknowledged.
    const { task } = memorySourceTask({
      plugin,
      taskClass: "Committing",
      kafka,
      options: { producer: () => connecting.promise, maxInFlightBytes: 100 },
    });
    const [one, two] = [line(1), line(2)];
    plugin.queue.push([one], [two]);
    task.start();
    await waitFor(() => plugin.polls >= 2, { what: "the second batch polled" });
    expect(plugin.context?.withdrawUnsent?.([one, two])).toEqual(new Set([one, two]));
    connecting.resolve(await kafka.producer());
    await waitFor(() => plugin.committed.length === 2, { what: "both records committed" });
    expect(plugin.committed).toEqual([
      ["line 1", null],
      ["line 2", null],
    ]);
    expect(kafka.records("t")).toEqual([]);
    await stopAndAwait(task);
  });
});
