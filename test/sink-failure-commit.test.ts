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
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { SinkTask } from "../src/api/connector.ts";
import type { SinkRecord } from "../src/api/record.ts";
import { ConnectError } from "../src/errors.ts";
import { awaitFailed, stopAndAwait } from "../src/runtime/task-test-support.ts";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { committedOffset, startSinkTask } from "./support/sink-task.ts";
import { tempDir } from "./support/temp-dir.ts";
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

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: a put that throws fails the task, which commits the records put before it (Connect's closeAllPartitions)",
  async (client) => {
    const plugin = new PoisonedSink();
    const { task, basics, topic, groupId } = await startSinkTask(client, "sink-failure-commit", plugin);
    try {
      await produce(topic, [{ value: "a" }, { value: "b" }]);
      await waitFor(() => plugin.written.length === 2, { what: "a and b put" });
      await produce(topic, [{ value: "c" }, { value: "poison" }, { value: "e" }]);
      await awaitFailed(basics.listener);
      expect(String(basics.listener.failure)).toContain("the endpoint rejected a record");
    } finally {
      await stopAndAwait(task, 30_000);
    }
    expect(plugin.written).toEqual(["a", "b"]);
    // Flushed, closed, then committed: a and b (offset 2), nothing of the failed put.
    expect(plugin.calls).toEqual(["flush", "close"]);
    expect(await committedOffset(groupId, topic)).toBe(2);
  },
  120_000,
);

// Recorded from Apache Kafka Connect 4.3.1 (distributed worker, offset.flush.interval.ms=3600000) on
// 2026-12-03 with the same connector and records: task FAILED ("Tolerance exceeded in error
// handler"), {n=1} and {n=2} written, the group's committed offset 2.
const CONNECT_COMMITTED = 2;

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: a FileStreamSink failing at a record its converter rejects (errors.tolerance=none) commits what it wrote, as Connect 4.3.1",
  async (client) => {
    const kafka = await kafkaBroker();
    const topic = uniqueTopic(`sink-failure-convert-${client}`);
    await createTopic(topic);
    await using dir = await tempDir();
    const out = dir.file("out.txt");
    const sink = dir.file("sink.properties");
    writeFileSync(
      sink,
      [
        `name=${topic}`,
        "connector.class=FileStreamSink",
        `topics=${topic}`,
        `file=${out}`,
        "value.converter=org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable=false",
        "errors.tolerance=none",
        "",
      ].join("\n"),
    );
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "kafka.client": client,
        "offset.flush.interval.ms": "3600000",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
      args: [sink],
    });
    const written = () => (existsSync(out) ? readFileSync(out, "utf8") : "");
    await produce(topic, [{ value: '{"n":1}' }, { value: '{"n":2}' }]);
    await waitFor(() => written() === "{n=1}\n{n=2}\n", { what: "two records written" });
    await produce(topic, [{ value: "not json" }, { value: '{"n":4}' }]);
    await waitFor(
      async () => {
        const status = (await gw.rest.get(`/connectors/${topic}/status`)).body as { tasks?: { state: string }[] };
        return status.tasks?.[0]?.state === "FAILED";
      },
      { what: "the sink task's failure", timeoutMs: 60_000 },
    );
    await waitFor(async () => (await committedOffset(`connect-${topic}`, topic)) === CONNECT_COMMITTED, {
      what: "the commit of the records written",
    });
    expect(written()).toBe("{n=1}\n{n=2}\n");
  },
  120_000,
);
