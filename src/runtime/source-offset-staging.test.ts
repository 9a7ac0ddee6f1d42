import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { memoryOffsetStore, memorySourceTask, offsetRecord, QueuedSource, stopAndAwait } from "./task-test-support.ts";

const rec = offsetRecord;

describe("WorkerSourceTask committing a record whose source offset is null", () => {
  test("removes the partition's stored offset, as Connect writes a tombstone to its offsets topic", async () => {
    const offsets = memoryOffsetStore();
    offsets.write("c", [{ partition: { file: "a" }, offset: { pos: 7 } }]);
    const plugin = new QueuedSource();
    plugin.queue.push([rec({ file: "b" }, { pos: 1 })], [rec({ file: "a" }, null)]);
    const { task } = memorySourceTask({
      plugin,
      taskClass: "test.QueuedSource",
      options: { offsets, offsetFlushIntervalMs: 0 },
    });
    task.start();
    await waitFor(() => offsets.get("c", { file: "a" }) === null);
    expect(offsets.all("c")).toEqual([{ partition: { file: "b" }, offset: { pos: 1 } }]);
    await stopAndAwait(task);
  });
});
