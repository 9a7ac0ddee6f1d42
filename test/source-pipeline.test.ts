/**
 * The pipelined source path (WorkerSourceTask with several produce requests in flight) against
 * the real broker, through each Kafka adapter: every record arrives exactly once and in poll
 * order, commitRecord sees Kafka's own offsets in order, and the committed source offset is the
 * last record's.
 */
import { describe, expect, test } from "bun:test";
import type { RecordMetadata, SourceTask } from "../src/api/connector.ts";
import { Schemas } from "../src/api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../src/api/record.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { memoryOffsetStore, stopAndAwait } from "../src/runtime/task-test-support.ts";
import { LogManager } from "../src/util/logger.ts";
import { kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { brokerSourceTask } from "./support/source-task.ts";
import { waitFor } from "./support/wait-for.ts";

const BATCHES = 40;
const PER_BATCH = 250;

/** Emits BATCHES batches of PER_BATCH numbered records at once, then nothing. */
class CountingSource implements SourceTask {
  private next = 0;
  readonly acknowledged: { n: number; offset: number }[] = [];
  constructor(private readonly topic: string) {}
  initialize(): void {}
  start(): void {}
  async poll(): Promise<SourceRecord[] | null> {
    if (this.next >= BATCHES * PER_BATCH) {
      await Bun.sleep(5);
      return null;
    }
    const out: SourceRecord[] = [];
    for (let i = 0; i < PER_BATCH; i++, this.next++) {
      out.push(
        sourceRecord({
          topic: this.topic,
          kafkaPartition: 0,
          value: `record-${this.next}`,
          valueSchema: Schemas.STRING,
          sourcePartition: { source: "counter" },
          sourceOffset: { n: this.next },
        }),
      );
    }
    return out;
  }
  commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void {
    this.acknowledged.push({ n: Number((record.sourceOffset as { n: number }).n), offset: metadata?.offset ?? -1 });
  }
  stop(): void {}
}

describe.each(Object.keys(kafkaPorts))("WorkerSourceTask pipelined on the real broker (%s)", (adapter) => {
  test("several batches in flight: each record once, in order, offsets committed up to the last", async () => {
    const info = await kafkaBroker();
    const topic = uniqueTopic(`pipeline-${adapter}`);
    const port = kafkaPorts[adapter as keyof typeof kafkaPorts](new LogManager({ sink: () => {} }));
    const admin = await port.admin({ "bootstrap.servers": info.bootstrap });
    await admin.createTopic({ topic, partitions: 1, replicationFactor: 1 });
    await admin.close();
    const offsets = memoryOffsetStore();
    const plugin = new CountingSource(topic);
    const task = await brokerSourceTask(adapter as keyof typeof kafkaPorts, plugin, { offsets });
    task.start();
    const total = BATCHES * PER_BATCH;
    await waitFor(() => plugin.acknowledged.length === total, { timeoutMs: 60_000, what: `${total} acks` });
    await stopAndAwait(task, 30_000);
    expect(offsets.get("c", { source: "counter" })).toEqual({ n: total - 1 });
    // Acknowledged in poll order, each with the offset Kafka gave it.
    expect(plugin.acknowledged.find((a, i) => a.n !== i || a.offset !== i)).toBeUndefined();
    const records = await readTopic(topic, total, 60_000);
    expect(records).toHaveLength(total);
    expect(records.every((r, i) => r.value?.toString("utf8") === `record-${i}` && Number(r.offset) === i)).toBe(true);
  }, 120_000);
});
