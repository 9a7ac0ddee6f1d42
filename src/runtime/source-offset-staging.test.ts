import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceMap, sourceRecord } from "../api/record.ts";
import { type StagedOffsets, stageOffsets, stagePartitionPrefixes } from "./source-offset-staging.ts";
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

describe("stagePartitionPrefixes (after a failed or given-up batch: Connect's per-partition acknowledged prefix)", () => {
  test("stages each partition's records up to its first one not handled, for good; a record without a partition neither stages nor ends", () => {
    const staged: StagedOffsets = new Map();
    const ended = new Set<string>();
    const first = [
      rec(null, { pos: 9 }), // not handled
      rec({ file: "a" }, { pos: 1 }),
      rec({ file: "b" }, { pos: 1 }), // not handled
      rec({ file: "a" }, null),
      rec({ file: "b" }, { pos: 2 }),
    ];
    stagePartitionPrefixes(staged, ended, first, (i) => i !== 0 && i !== 2);
    // A later batch: b stays ended though its records are handled; a goes on past its tombstone.
    stagePartitionPrefixes(staged, ended, [rec({ file: "b" }, { pos: 3 }), rec({ file: "a" }, { pos: 2 })], () => true);
    expect([...staged.values()]).toEqual([{ partition: { file: "a" }, offset: { pos: 2 } }]);
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
