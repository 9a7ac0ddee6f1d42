import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SourceOffsetUpdate } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { sourceRecord } from "../api/record.ts";
import { awaitFailed, memoryOffsetStore, memorySourceTask, QueuedSource, stopAndAwait } from "./task-test-support.ts";

type Entries = ReadonlyArray<SourceOffsetUpdate>;

/** A QueuedSource whose `update` answers updateOffsets. */
class UpdatingSource extends QueuedSource {
  readonly asked: Entries[] = [];
  constructor(private readonly update: (offsets: Entries) => Entries | null | undefined) {
    super();
  }
  updateOffsets(offsets: Entries): Entries | null | undefined {
    this.asked.push(offsets);
    return this.update(offsets);
  }
}

const rec = (file: string, pos: number) =>
  sourceRecord({
    topic: "t",
    value: `${file}:${pos}`,
    valueSchema: Schemas.STRING,
    sourcePartition: { file },
    sourceOffset: { pos },
  });

describe("SourceTask.updateOffsets (gateway extension after the KIP-910 proposal)", () => {
  test("is asked before each commit, also with nothing staged; what it returns is committed with the rest", async () => {
    const offsets = memoryOffsetStore();
    let extra = false;
    const plugin = new UpdatingSource(() =>
      extra
        ? [
            { partition: { file: "a" }, offset: { pos: 9 } },
            { partition: { file: "z" }, offset: { pos: 1 } },
          ]
        : null,
    );
    plugin.queue.push([rec("a", 1), rec("b", 1)]);
    const { task } = memorySourceTask({
      plugin,
      taskClass: "test.UpdatingSource",
      options: { offsets, offsetFlushIntervalMs: 0 },
    });
    task.start();
    await waitFor(() => offsets.get("c", { file: "b" }) !== null);
    expect(offsets.get("c", { file: "a" })).toEqual({ pos: 1 });
    expect(plugin.asked.some((entries) => entries.length === 2)).toBe(true);
    extra = true;
    await waitFor(() => offsets.get("c", { file: "z" }) !== null);
    expect(offsets.get("c", { file: "a" })).toEqual({ pos: 9 });
    expect(offsets.get("c", { file: "b" })).toEqual({ pos: 1 });
    expect(plugin.asked.some((entries) => entries.length === 0)).toBe(true);
    await stopAndAwait(task);
  });

  test("a null offset it returns is a tombstone: the commit carrying it removes the partition's stored offset", async () => {
    const offsets = memoryOffsetStore();
    offsets.write("c", [{ partition: { file: "old" }, offset: { pos: 7 } }]);
    let tombstone = false;
    const plugin = new UpdatingSource(() => (tombstone ? [{ partition: { file: "old" }, offset: null }] : null));
    plugin.queue.push([rec("a", 1)]);
    const { task } = memorySourceTask({
      plugin,
      taskClass: "test.UpdatingSource",
      options: { offsets, offsetFlushIntervalMs: 0 },
    });
    task.start();
    await waitFor(() => offsets.get("c", { file: "a" }) !== null);
    expect(offsets.get("c", { file: "old" })).toEqual({ pos: 7 });
    tombstone = true;
    await waitFor(() => offsets.get("c", { file: "old" }) === null);
    expect(offsets.all("c")).toEqual([{ partition: { file: "a" }, offset: { pos: 1 } }]);
    await stopAndAwait(task);
  });

  // The HTTP source returns its key migration (an offset moved to a new partition and a tombstone
  // for the old one) once only: a failed commit must keep both staged, or the move is lost.
  test("entries it returned once, a tombstone among them, are kept and shown to it again when their commit fails", async () => {
    const offsets = memoryOffsetStore();
    offsets.write("c", [{ partition: { file: "old" }, offset: { pos: 7 } }]);
    let migration: Entries | null = [
      { partition: { file: "new" }, offset: { pos: 7 } },
      { partition: { file: "old" }, offset: null },
    ];
    const plugin = new UpdatingSource(() => {
      const once = migration;
      migration = null;
      return once;
    });
    const write = offsets.write.bind(offsets);
    let failures = 0;
    offsets.write = (connector, entries) => {
      if (failures++ === 0) throw new Error("database or disk is full");
      write(connector, entries);
    };
    const { task } = memorySourceTask({
      plugin,
      taskClass: "test.UpdatingSource",
      options: { offsets, offsetFlushIntervalMs: 0 },
    });
    task.start();
    await waitFor(() => offsets.get("c", { file: "old" }) === null);
    expect(offsets.all("c")).toEqual([{ partition: { file: "new" }, offset: { pos: 7 } }]);
    expect(plugin.asked[0]).toEqual([]);
    expect(plugin.asked[1]).toEqual([
      { partition: { file: "new" }, offset: { pos: 7 } },
      { partition: { file: "old" }, offset: null },
    ]);
    await stopAndAwait(task);
  });

  test("a task that throws there has the acknowledged offsets committed as they are", async () => {
    const offsets = memoryOffsetStore();
    const plugin = new UpdatingSource(() => {
      throw new Error("boom");
    });
    plugin.queue.push([rec("a", 1)]);
    const { task } = memorySourceTask({ plugin, taskClass: "test.UpdatingSource", options: { offsets } });
    task.start();
    await waitFor(() => plugin.queue.length === 0);
    await stopAndAwait(task);
    expect(offsets.get("c", { file: "a" })).toEqual({ pos: 1 });
  });
});

describe("SourceTask.updateOffsets on a task that never started", () => {
  test("is not called when start failed (the task has nothing of its own to add; it may not be set up to answer)", async () => {
    const plugin = new UpdatingSource(() => null);
    plugin.start = () => {
      throw new Error("bad config");
    };
    const { task, listener } = memorySourceTask({ plugin, taskClass: "test.UpdatingSource" });
    task.start();
    await awaitFailed(listener);
    await stopAndAwait(task);
    expect(plugin.asked).toEqual([]);
  });
});
