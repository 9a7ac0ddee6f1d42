/**
 * A sink task that fails commits what it delivered before, against the real broker, on both Kafka
 * clients, as Connect 4.3.1's WorkerSinkTask.execute: its finally runs closeAllPartitions, which
 * calls preCommit (flush) with the offsets of the records put successfully, closes the partitions
 * and commits those offsets synchronously (unless the task was cancelled). The failed put's records
 * are not committed. Before, a failed task committed nothing, so a restart delivered again every
 * record since the last periodic commit (here an hour away).
 *
 * The gateway's plugins are built in and none throws from put on a chosen record, so this drives
 * WorkerSinkTask with a SinkTask that does over the adapter `kafka.client` selects.
 */
import { expect, test } from "bun:test";
import type { SinkTask } from "../src/api/connector.ts";
import type { SinkRecord } from "../src/api/record.ts";
import { ConnectError } from "../src/errors.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { stringConverters, taskBasics } from "../src/runtime/task-test-support.ts";
import { TransformationChain } from "../src/runtime/transformation-chain.ts";
import { WorkerSinkTask } from "../src/runtime/worker-sink-task.ts";
import { LogManager } from "../src/util/logger.ts";
import { createTopic, kafkaBroker, produce, testClient, uniqueTopic } from "./support/kafka.ts";
import { waitFor } from "./support/wait-for.ts";

/** Writes what is put; a put holding the record "poison" throws (nothing of that put is written). */
class PoisonedSink implements SinkTask {
  readonly written: string[] = [];
  readonly calls: string[] = [];
  initialize(): void {}
  start(): void {}
  put(records: readonly SinkRecord[]): void {
    const values = records.map((r) => String(r.value));
    if (values.includes("poison")) throw new ConnectError("the endpoint rejected a record");
    this.written.push(...values);
  }
  flush(): void {
    this.calls.push("flush");
  }
  close(): void {
    this.calls.push("close");
  }
  stop(): void {}
}

async function committed(groupId: string, topic: string): Promise<number> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(offsets!.partitions[0]!.offset);
  } finally {
    await admin.disconnect();
  }
}

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: a put that throws fails the task, which commits the records put before it (Connect's closeAllPartitions)",
  async (client) => {
    const kafka = await kafkaBroker();
    const topic = uniqueTopic(`sink-failure-commit-${client}`);
    const groupId = `connect-${topic}`;
    await createTopic(topic);
    const port = kafkaPorts[client](new LogManager({ sink: () => {} }));
    const plugin = new PoisonedSink();
    const basics = taskBasics();
    const task = new WorkerSinkTask({
      ...basics,
      initialState: "STARTED",
      task: plugin,
      taskClass: "test.PoisonedSink",
      errantRecordReporter: false,
      config: {},
      consumer: () =>
        port.consumer({
          groupId,
          topics: [topic],
          properties: { "bootstrap.servers": kafka.bootstrap, "fetch.max.wait.ms": "100" },
        }),
      converters: stringConverters,
      transformations: TransformationChain.EMPTY,
      offsetFlushIntervalMs: 3_600_000, // no periodic commit during the test
      onTopic: () => {},
    });
    task.start();
    try {
      await produce(topic, [{ value: "a" }, { value: "b" }]);
      await waitFor(() => plugin.written.length === 2, { what: "a and b put" });
      await produce(topic, [{ value: "c" }, { value: "poison" }, { value: "e" }]);
      await waitFor(() => basics.listener.events.includes("FAILED"), { what: "the task's failure" });
      expect(String(basics.listener.failure)).toContain("the endpoint rejected a record");
    } finally {
      task.stop();
      expect(await task.awaitStop(30_000)).toBe(true);
    }
    expect(plugin.written).toEqual(["a", "b"]);
    // Flushed, closed, then committed: a and b (offset 2), nothing of the failed put.
    expect(plugin.calls).toEqual(["flush", "close"]);
    expect(await committed(groupId, topic)).toBe(2);
  },
  120_000,
);
