import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceMap, sourceRecord } from "../api/record.ts";
import { type StagedOffsets, stageOffsets } from "./source-offset-staging.ts";
import { memoryOffsetStore, memorySourceTask, QueuedSource, stopAndAwait } from "./task-test-support.ts";

const rec = (partition: SourceMap | null, offset: SourceMap | null) =>
  sourceRecord({
    topic: "t",
    value: "v",
    valueSchema: Schemas.STRING,
    sourcePartition: partition,
    sourceOffset: offset,
  });

describe("stageOffsets", () => {
  test("stages each partition's last offset, a null one as a tombstone (Connect's SubmittedRecords)", () => {
    const staged: StagedOffsets = new Map();
    stageOffsets(staged, [
      rec({ file: "a" }, { pos: 1 }),
      rec({ file: "b" }, { pos: 1 }),
      rec({ file: "a" }, null),
      rec({ file: "b" }, { pos: 2 }),
    ]);
    expect([...staged.values()]).toEqual([
      { partition: { file: "b" }, offset: { pos: 2 } },
      { partition: { file: "a" }, offset: null },
    ]);
  });

  test("a record without a partition stages nothing, whatever its offset", () => {
    const staged: StagedOffsets = new Map();
    stageOffsets(staged, [rec(null, null), rec(null, { pos: 1 })]);
    expect(staged.size).toBe(0);
  });

  test("a later batch's offset replaces a tombstone staged before it", () => {
    const staged: StagedOffsets = new Map();
    stageOffsets(staged, [rec({ file: "a" }, null)]);
    stageOffsets(staged, [rec({ file: "a" }, { pos: 3 })]);
    expect([...staged.values()]).toEqual([{ partition: { file: "a" }, offset: { pos: 3 } }]);
  });
});

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
