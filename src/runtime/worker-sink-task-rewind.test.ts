/**
 * WorkerSinkTask when a flush fails (Connect's commitOffsets): the consumer is sought back to the
 * last committed offsets, so records a sink dropped with its failed flush (as Connect's contract
 * allows) are put again before a later flush commits past them, and batches fetched before the
 * seek are never put. The same holds for a seek the task asks for itself (`context.offset`), which
 * applies after the call into the task it was asked in (Connect's rewind at the next poll) and, for
 * a partition the task does not own, only once it is assigned.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord, TopicPartitionOffset } from "../api/record.ts";
import { type Deferred, deferred } from "../util/async.ts";
import { LogManager } from "../util/logger.ts";
import { memorySinkTask, stopAndAwait, taskBasics } from "./task-test-support.ts";

/** Buffers what is put and writes it at flush; a failing flush drops the buffer. */
class BufferingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly puts: string[][] = [];
  readonly written: string[] = [];
  /** Errors the next flushes throw. */
  readonly failFlush: Error[] = [];
  flushes = 0;
  /** While set, a put waits for it. */
  gate: Deferred<void> | undefined;
  /** Offsets the next put (or flush) asks for through `context.offset`. */
  seekInPut: TopicPartitionOffset[] | undefined;
  seekInFlush: TopicPartitionOffset[] | undefined;
  /** Offsets start() asks for. */
  seekInStart: TopicPartitionOffset[] = [];
  /** The offsets each flush was called with. */
  readonly flushed: TopicPartitionOffset[][] = [];
  private buffer: string[] = [];
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {
    if (this.seekInStart.length > 0) this.context.offset(this.seekInStart);
  }
  async put(records: readonly SinkRecord[]): Promise<void> {
    const values = records.map((r) => String(r.value));
    this.puts.push(values);
    this.buffer.push(...values);
    if (this.seekInPut) this.context.offset(this.seekInPut.splice(0));
    this.seekInPut = undefined;
    await this.gate?.promise;
  }
  flush(offsets: readonly TopicPartitionOffset[]): void {
    this.flushes++;
    this.flushed.push([...offsets]);
    if (this.seekInFlush) this.context.offset(this.seekInFlush.splice(0));
    this.seekInFlush = undefined;
    const failure = this.failFlush.shift();
    const buffered = this.buffer;
    this.buffer = [];
    if (failure) throw failure;
    this.written.push(...buffered);
  }
  closes = 0;
  close(): void {
    this.closes++;
  }
  stop(): void {}
}

const p0 = { topic: "in", partition: 0 };

async function setup(options: { seekInStart?: TopicPartitionOffset[] } = {}) {
  const plugin = new BufferingSink();
  plugin.seekInStart = options.seekInStart ?? [];
  const logged: string[] = [];
  const basics = { ...taskBasics(), log: new LogManager({ sink: (line) => void logged.push(line) }).get("test") };
  const { kafka, task, produce } = memorySinkTask({
    plugin,
    taskClass: "test.BufferingSink",
    offsetFlushIntervalMs: 3_600_000,
    basics,
  });
  /** Requests a commit and waits for its flush. */
  const flush = async () => {
    const before = plugin.flushes;
    plugin.context.requestCommit();
    await waitFor(() => plugin.flushes > before, { what: "a flush" });
  };
  task.start();
  await waitFor(() => basics.listener.events.includes("RUNNING") && plugin.context?.assignment().length === 1);
  return { kafka, plugin, task, produce, flush, logged };
}

describe("WorkerSinkTask when flush fails (Connect's rewind to the last committed offsets)", () => {
  test("records put before the failed flush are put again, so the next flush writes them before the commit", async () => {
    const { kafka, plugin, task, produce, flush } = await setup();
    produce("a");
    await kafka.deliver();
    produce("b");
    await kafka.deliver();
    plugin.failFlush.push(new Error("connection reset; buffer dropped"));
    await flush();
    produce("c");
    await kafka.deliver();
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 3, { what: "the commit of offset 3" });
    expect(plugin.written).toEqual(["a", "b", "c"]);
    expect(plugin.puts).toEqual([["a"], ["b"], ["a", "b", "c"]]);
    await stopAndAwait(task);
  });

  test("after the last commit, the rewind goes back to the committed offset, not to the first record", async () => {
    const { kafka, plugin, task, produce, flush } = await setup();
    produce("a");
    await kafka.deliver();
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 1);
    produce("b");
    await kafka.deliver();
    plugin.failFlush.push(new Error("buffer dropped"));
    await flush();
    await kafka.deliver();
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 2);
    expect(plugin.written).toEqual(["a", "b"]);
    expect(plugin.puts).toEqual([["a"], ["b"], ["b"]]);
    await stopAndAwait(task);
  });

  test("a batch fetched before the rewind and waiting for the put is dropped, not put", async () => {
    const { kafka, plugin, task, produce, flush } = await setup();
    plugin.gate = deferred<void>();
    produce("a");
    const first = kafka.deliver(); // put of [a] waits at the gate
    await waitFor(() => plugin.puts.length === 1);
    produce("b");
    const second = kafka.deliver(); // [b] waits for the put of [a]
    plugin.failFlush.push(new Error("buffer dropped"));
    plugin.context.requestCommit(); // the commit after the put of [a] fails and rewinds to 0
    plugin.gate.resolve();
    plugin.gate = undefined;
    await Promise.all([first, second]);
    await kafka.deliver();
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "the commit of offset 2" });
    expect(plugin.puts).toEqual([["a"], ["a", "b"]]);
    expect(plugin.written).toEqual(["a", "b"]);
    await stopAndAwait(task);
  });
});

describe("WorkerSinkTask when the task asks for an offset (context.offset)", () => {
  // Review finding P2: a batch queued under the assignment before the task's seek was put anyway and
  // advanced past the offset the task asked for, so a commit could pass records it wanted again.
  test.each(["put", "flush"] as const)(
    "a batch fetched before a seek asked for in %s is dropped, and the records come again from the offset",
    async (where) => {
      const { kafka, plugin, task, produce, flush } = await setup();
      plugin.gate = deferred<void>();
      if (where === "put") plugin.seekInPut = [{ ...p0, offset: 0 }];
      else plugin.seekInFlush = [{ ...p0, offset: 0 }];
      produce("a");
      const first = kafka.deliver(); // put of [a] waits at the gate
      await waitFor(() => plugin.puts.length === 1);
      produce("b");
      const second = kafka.deliver(); // [b] waits for the put of [a]
      if (where === "flush") plugin.context.requestCommit(); // the flush after the put of [a] seeks
      plugin.gate.resolve();
      plugin.gate = undefined;
      await Promise.all([first, second]);
      expect(plugin.puts).toEqual([["a"]]);
      await kafka.deliver();
      await flush();
      await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "the commit of offset 2" });
      expect(plugin.puts).toEqual([["a"], ["a", "b"]]);
      await stopAndAwait(task);
    },
  );

  test("a commit right after the seek does not pass the offset asked for (nor commits it, as Connect)", async () => {
    const { kafka, plugin, task, produce, flush } = await setup();
    produce("a");
    await kafka.deliver();
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 1);
    plugin.gate = deferred<void>();
    plugin.seekInPut = [{ ...p0, offset: 0 }];
    produce("b");
    const first = kafka.deliver(); // put of [b] asks for offset 0 and waits at the gate
    await waitFor(() => plugin.puts.length === 2);
    produce("c");
    const second = kafka.deliver(); // [c] waits for the put of [b]
    plugin.gate.resolve();
    plugin.gate = undefined;
    await Promise.all([first, second]);
    await flush();
    await kafka.deliver(); // its put runs after the commit
    expect(plugin.puts).toEqual([["a"], ["b"], ["a", "b", "c"]]);
    expect(kafka.committed("connect-c", p0)).toBe(1);
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 3, { what: "the commit of offset 3" });
    await stopAndAwait(task);
  });
});

describe("WorkerSinkTask when the task asks for an offset outside a put", () => {
  // Review finding P2 (sink-seek2): the commit that ran the flush then recorded its own, older
  // offset as the last committed one, so a later failed flush rewound past the offset asked for.
  test("a seek asked for in flush applies after that commit, so a later failed flush rewinds to it", async () => {
    const { kafka, plugin, task, produce, flush } = await setup();
    produce("a", "b");
    await kafka.deliver();
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 2);
    produce("c");
    await kafka.deliver();
    plugin.seekInFlush = [{ ...p0, offset: 1 }];
    await flush(); // commits 3, then seeks to 1
    await waitFor(() => kafka.committed("connect-c", p0) === 3, { what: "the commit of offset 3" });
    await kafka.deliver();
    plugin.failFlush.push(new Error("buffer dropped"));
    await flush(); // rewinds to 1, the offset the task asked for
    await kafka.deliver();
    expect(plugin.puts).toEqual([["a", "b"], ["c"], ["b", "c"], ["b", "c"]]);
    await stopAndAwait(task);
  });

  // Review finding P3 (sink-seek2): an offset of a partition not owned was recorded as its current
  // and committed offset: flushed and possibly committed for a partition another member owns, and
  // once assigned, a failed flush rewound to it while the consumer had started elsewhere.
  test("an offset asked for in start() applies once the partition is assigned, after open", async () => {
    const { kafka, plugin, task, produce, flush } = await setup({ seekInStart: [{ ...p0, offset: 1 }] });
    produce("a", "b", "c");
    await kafka.deliver();
    expect(plugin.puts).toEqual([["b", "c"]]);
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 3, { what: "the commit of offset 3" });
    expect(plugin.flushed).toEqual([[{ ...p0, offset: 3 }]]);
    await stopAndAwait(task);
  });

  test("an offset of a partition not assigned is neither flushed nor committed", async () => {
    const { kafka, plugin, task, produce, flush } = await setup();
    const other = { topic: "other", partition: 0 };
    plugin.context.offset([{ ...other, offset: 7 }]);
    produce("a");
    await kafka.deliver();
    await flush();
    await waitFor(() => kafka.committed("connect-c", p0) === 1, { what: "the commit of offset 1" });
    expect(plugin.flushed).toEqual([[{ ...p0, offset: 1 }]]);
    expect(kafka.committed("connect-c", other)).toBeUndefined();
    await stopAndAwait(task);
  });

  test("an offset asked for in a revoked partition's close applies when it is assigned again", async () => {
    const { kafka, plugin, task, produce } = await setup();
    produce("a", "b", "c");
    await kafka.deliver();
    const close = plugin.close.bind(plugin);
    plugin.close = () => {
      close();
      plugin.context.offset([{ ...p0, offset: 1 }]);
    };
    await kafka.rebalance(); // commits 3, closes p0 (asking for 1), assigns it again
    expect(kafka.committed("connect-c", p0)).toBe(3);
    await kafka.deliver();
    expect(plugin.puts).toEqual([
      ["a", "b", "c"],
      ["b", "c"],
    ]);
    await stopAndAwait(task);
  });
});

describe("WorkerSinkTask when the flush in stop fails (Connect's commitOffsets with closing=true)", () => {
  // Review finding P3: the failure was logged at ERROR as a rewind and the consumer sought back.
  test("only warns (no ERROR, no rewind), commits nothing and still closes the partitions", async () => {
    const { kafka, plugin, task, produce, logged } = await setup();
    produce("a");
    await kafka.deliver();
    plugin.failFlush.push(new Error("buffer dropped"));
    await stopAndAwait(task);
    expect(plugin.flushes).toBe(1);
    expect(plugin.closes).toBe(1);
    expect(kafka.committed("connect-c", p0)).toBeUndefined();
    expect(logged.filter((l) => l.includes(" ERROR "))).toEqual([]);
    expect(logged.filter((l) => l.includes("Offset commit failed during close"))).toEqual([
      expect.stringContaining(" WARN "),
    ]);
  });
});
