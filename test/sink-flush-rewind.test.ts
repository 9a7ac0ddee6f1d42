/**
 * A sink task's failed flush against the real broker, on both Kafka clients, as Connect's
 * WorkerSinkTask.commitOffsets: the consumer is sought back to the last committed offsets, so
 * records the sink dropped with its failed flush (Connect's contract allows it) come again from
 * the broker and are written before a later flush commits past them. Before, the consumer read
 * on and the next flush committed offset 3 having written only [c].
 *
 * The gateway's plugins are built in and none fails one flush then recovers, so this drives
 * WorkerSinkTask with a buffering SinkTask over the adapter `kafka.client` selects.
 */
import { expect, test } from "bun:test";
import type { SinkTask, SinkTaskContext } from "../src/api/connector.ts";
import type { SinkRecord } from "../src/api/record.ts";
import { stopAndAwait } from "../src/runtime/task-test-support.ts";
import { produce } from "./support/kafka.ts";
import { committedOffset, startSinkTask } from "./support/sink-task.ts";
import { waitFor } from "./support/wait-for.ts";

/** Buffers what is put and writes it at flush; a failing flush drops the buffer. */
class BufferingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly received: string[] = [];
  readonly written: string[] = [];
  readonly failFlush: Error[] = [];
  flushes = 0;
  private buffer: string[] = [];
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  put(records: readonly SinkRecord[]): void {
    const values = records.map((r) => String(r.value));
    this.received.push(...values);
    this.buffer.push(...values);
  }
  flush(): void {
    this.flushes++;
    const failure = this.failFlush.shift();
    const buffered = this.buffer;
    this.buffer = [];
    if (failure) throw failure;
    this.written.push(...buffered);
  }
  stop(): void {}
}

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: records put before a failed flush are read again and written before the next commit",
  async (client) => {
    const plugin = new BufferingSink();
    const { task, topic, groupId } = await startSinkTask(client, "sink-flush-rewind", plugin);
    try {
      await produce(topic, [{ value: "a" }, { value: "b" }]);
      await waitFor(() => plugin.received.length === 2, { what: "a and b put" });
      plugin.failFlush.push(new Error("connection reset; buffer dropped"));
      plugin.context.requestCommit();
      await waitFor(() => plugin.flushes === 1, { what: "the failed flush" });
      await produce(topic, [{ value: "c" }]);
      await waitFor(() => plugin.received.length >= 5, { what: "a and b again, and c" });
      plugin.context.requestCommit();
      await waitFor(async () => (await committedOffset(groupId, topic)) === 3, { what: "the commit of offset 3" });
      expect(plugin.received).toEqual(["a", "b", "a", "b", "c"]);
      expect(plugin.written).toEqual(["a", "b", "c"]);
    } finally {
      await stopAndAwait(task, 30_000);
    }
  },
  120_000,
);
