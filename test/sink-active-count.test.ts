/**
 * Connect's sink-record-active-count (-max, -avg) on a WorkerSinkTask against the real broker: the
 * records read and not yet committed, summed over the partitions (WorkerSinkTask's
 * computeSinkRecordLag), back to 0 once the offsets past them are committed (here by the commit of
 * closePartitions as the task stops: no periodic commit during the test). Before, the sink task had
 * no active count (only a source task's was kept); then it left out the records of a put that had not
 * returned (a slow or retrying sink), which Connect counts from convertMessages, before the put.
 */
import { expect, test } from "bun:test";
import type { SinkTask } from "../src/api/connector.ts";
import type { SinkRecord } from "../src/api/record.ts";
import { stopAndAwait } from "../src/runtime/task-test-support.ts";
import { produce } from "./support/kafka.ts";
import { committedOffset, startSinkTask } from "./support/sink-task.ts";
import { waitFor } from "./support/wait-for.ts";

class CountingSink implements SinkTask {
  count = 0;
  initialize(): void {}
  start(): void {}
  put(records: readonly SinkRecord[]): void {
    this.count += records.length;
  }
  stop(): void {}
}

test("a sink task's records put and not yet committed are its sink-record-active-count, 0 once committed", async () => {
  const plugin = new CountingSink();
  const { task, topic, groupId } = await startSinkTask("platformatic", "sink-active-count", plugin);
  try {
    await produce(topic, [{ value: "a" }, { value: "b" }, { value: "c" }]);
    await waitFor(() => plugin.count === 3, { what: "3 records put" });
    await waitFor(() => task.metrics.recordActiveCount === 3, { what: "3 records active" });
    await produce(topic, [{ value: "d" }, { value: "e" }]);
    await waitFor(() => plugin.count === 5, { what: "5 records put" });
    await waitFor(() => task.metrics.recordActiveCount === 5, { what: "5 records active" });
  } finally {
    await stopAndAwait(task, 30_000);
  }
  expect(await committedOffset(groupId, topic)).toBe(5);
  expect(task.metrics.recordActiveCount).toBe(0);
  expect(task.metrics.activeRecordCounts.max()).toBe(5);
}, 120_000);

/** A sink whose put holds its batch until released (a slow or retrying external system). */
class HeldSink extends CountingSink {
  release: () => void = () => {};
  override put(records: readonly SinkRecord[]): Promise<void> | void {
    super.put(records);
    if (records.length === 0) return;
    return new Promise<void>((resolve) => {
      this.release = resolve;
    });
  }
}

test("records read and still in a put that has not returned are active, as Connect's convertMessages counts them", async () => {
  const plugin = new HeldSink();
  const { task, topic } = await startSinkTask("platformatic", "sink-active-held", plugin);
  try {
    await produce(topic, [{ value: "a" }, { value: "b" }, { value: "c" }]);
    await waitFor(() => plugin.count === 3, { what: "3 records in a put" });
    await waitFor(() => task.metrics.recordActiveCount === 3, { what: "3 records active during the put" });
  } finally {
    plugin.release();
    await stopAndAwait(task, 30_000);
  }
  expect(task.metrics.recordActiveCount).toBe(0);
}, 120_000);
