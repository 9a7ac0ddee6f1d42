/**
 * WorkerSinkTask's empty puts, as Connect's WorkerSinkTask: its poll waits for records at most until
 * the next offset commit falls due, and deliverMessages calls `put` with whatever the poll returned,
 * so an idle task gets `put([])` before each periodic commit (while the connector is PAUSED too),
 * never concurrently with another put, never once the task failed or while it stops. A
 * RetriableError from it is redelivered as any put's. Plugins flush time-based buffers there.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord, TopicPartition, TopicPartitionOffset } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { SerialExecutor } from "../util/async.ts";
import { monotonicNow } from "../util/clock.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { awaitFailed, awaitStopped, memorySinkTask, stopAndAwait } from "./task-test-support.ts";

/**
 * A sink that buffers what `put` hands it and writes it out once the oldest record waited
 * `lingerMs` (checked in `put` only, as a plugin batching by time does), confirming in preCommit
 * only what it wrote. `calls` is the worker's calls ("put []" for an empty put); `onPut` runs in
 * each put first (it may throw).
 */
class LingerSink implements SinkTask {
  context!: SinkTaskContext;
  readonly calls: string[] = [];
  readonly written: string[] = [];
  onPut: (records: readonly SinkRecord[]) => void = () => {};
  /** Runs in each open after it is recorded (it may wait). */
  onOpen: () => Promise<void> | void = () => {};
  private buffered: SinkRecord[] = [];
  private bufferedSince: number | undefined;
  private putting = false;
  constructor(private readonly lingerMs = 0) {}
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  put(records: readonly SinkRecord[]): void {
    // Calls into the task are serial: a put never starts while another one runs.
    if (this.putting) this.calls.push("overlapping put");
    this.putting = true;
    try {
      this.calls.push(`put ${records.length === 0 ? "[]" : records.map((r) => String(r.value)).join(",")}`);
      this.onPut(records);
      const now = monotonicNow(this.context.clock);
      if (records.length > 0 && this.buffered.length === 0) this.bufferedSince = now;
      this.buffered.push(...records);
      if (this.buffered.length > 0 && now - this.bufferedSince! >= this.lingerMs) {
        this.written.push(...this.buffered.map((r) => String(r.value)));
        this.calls.push(`wrote ${this.buffered.length}`);
        this.buffered = [];
      }
    } finally {
      this.putting = false;
    }
  }
  preCommit(offsets: readonly TopicPartitionOffset[]): TopicPartitionOffset[] {
    this.calls.push(`preCommit ${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(",")}`);
    // What is still buffered is not confirmed: the commit stops at the first record of it.
    const first = this.buffered[0]?.kafkaOffset;
    return offsets.map((o) => (first === undefined ? o : { ...o, offset: Math.min(o.offset, first) }));
  }
  open(partitions: readonly TopicPartition[]): Promise<void> | void {
    this.calls.push(`open ${partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(",")}`);
    return this.onOpen();
  }
  close(partitions: readonly TopicPartition[]): void {
    this.calls.push(`close ${partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(",")}`);
  }
  stop(): void {}
}

const p0 = { topic: "in", partition: 0 };

function setup(
  offsetFlushIntervalMs: number,
  lingerMs = 0,
  more: Pick<Parameters<typeof memorySinkTask>[0], "options" | "wrapConsumer"> = {},
) {
  const plugin = new LingerSink(lingerMs);
  const { kafka, task, produce, listener } = memorySinkTask({
    plugin,
    taskClass: "test.LingerSink",
    offsetFlushIntervalMs,
    onCommit: (offsets) =>
      plugin.calls.push(`commit ${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(",")}`),
    ...more,
  });
  task.start();
  return { kafka, plugin, task, produce, listener };
}

const count = (calls: readonly string[], call: string) => calls.filter((c) => c === call).length;

describe("WorkerSinkTask when no record comes (Connect's poll that returns nothing)", () => {
  test("an idle task gets put([]) before each periodic commit, and none as it stops", async () => {
    const { plugin, task } = setup(20);
    await waitFor(() => count(plugin.calls, "preCommit in-0@0") >= 3, { what: "three periodic commits" });
    await stopAndAwait(task);
    // Each periodic commit's preCommit follows its empty put; the stop's (closePartitions) follows none.
    expect(plugin.calls.join("|")).toMatch(
      /^open in-0(\|put \[\]\|preCommit in-0@0){3,}\|preCommit in-0@0\|close in-0$/,
    );
  });

  test("records put, then idle: the next commit follows an empty put, as every commit follows a put", async () => {
    const { kafka, plugin, task, produce } = setup(20);
    await waitFor(() => plugin.calls.includes("open in-0"));
    produce("a", "b");
    await kafka.deliver();
    await waitFor(() => plugin.calls.includes("commit in-0@2"), { what: "a and b committed" });
    await waitFor(() => count(plugin.calls, "preCommit in-0@2") >= 2, { what: "an idle commit after them" });
    await stopAndAwait(task);
    const calls = plugin.calls;
    const closing = calls.lastIndexOf("close in-0") - 1;
    expect(calls[closing]).toStartWith("preCommit");
    calls.forEach((call, i) => {
      // The delivery of a,b commits after its own put (when due then); every other commit after an empty put.
      if (call.startsWith("preCommit") && i !== closing) expect(calls[i - 1]).toMatch(/^(put \[\]|wrote 2)$/);
    });
    expect(calls.indexOf("put a,b")).toBeLessThan(calls.indexOf("commit in-0@2"));
    expect(calls).not.toContain("overlapping put");
    expect(plugin.written).toEqual(["a", "b"]);
  });

  test("a plugin flushing a time-based buffer in put writes on an empty put, and that commit carries it", async () => {
    const { kafka, plugin, task, produce } = setup(20, 30); // linger 30 ms, checked in put only
    await waitFor(() => plugin.calls.includes("open in-0"));
    produce("a", "b");
    await kafka.deliver();
    expect(plugin.written).toEqual([]); // buffered: the linger has not passed
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "a and b committed" });
    await stopAndAwait(task);
    expect(plugin.written).toEqual(["a", "b"]);
    // No record came after them: an empty put wrote them, and the commit right after it confirmed them.
    const wrote = plugin.calls.indexOf("wrote 2");
    expect(plugin.calls.slice(wrote - 1, wrote + 3)).toEqual([
      "put []",
      "wrote 2",
      "preCommit in-0@2",
      "commit in-0@2",
    ]);
  });

  test("while the connector is PAUSED, each periodic commit follows an empty put (Connect keeps polling)", async () => {
    const { plugin, task, listener } = setup(20);
    await waitFor(() => plugin.calls.includes("open in-0"));
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.at(-1) === "PAUSED", { what: "the task PAUSED" });
    const from = plugin.calls.length;
    await waitFor(() => count(plugin.calls.slice(from), "preCommit in-0@0") >= 2, { what: "two commits while paused" });
    const whilePaused = plugin.calls.slice(from);
    await stopAndAwait(task);
    whilePaused.forEach((call, i) => {
      if (call.startsWith("preCommit")) expect(plugin.calls[from + i - 1]).toBe("put []");
    });
    expect(listener.events).toEqual(["RUNNING", "PAUSED"]);
  });

  test("a RetriableError from an empty put redelivers it after context.timeout, committing meanwhile as Connect", async () => {
    // The redelivery 5 ms after the failure comes long before the next commit falls due (500 ms).
    const { plugin, task } = setup(500);
    let failed = false;
    plugin.onPut = (records) => {
      if (records.length > 0 || failed) return;
      failed = true;
      plugin.context.timeout(5);
      throw new RetriableError("not ready to flush");
    };
    await waitFor(() => count(plugin.calls, "preCommit in-0@0") >= 2, { what: "a commit after the redelivery" });
    await stopAndAwait(task);
    // The failed put, the commit due meanwhile (as Connect's iteration while pausedForRedelivery), the
    // redelivery 5 ms later; the next periodic commit follows an empty put of its own.
    expect(plugin.calls.slice(0, 6)).toEqual([
      "open in-0",
      "put []",
      "preCommit in-0@0",
      "put []",
      "put []",
      "preCommit in-0@0",
    ]);
  });

  test("a rebalance during an empty put's redelivery ends it at once, as it ends any put's for its partitions", async () => {
    const { kafka, plugin, task } = setup(1500);
    let failing = true;
    plugin.onPut = (records) => {
      if (records.length === 0 && failing) throw new RetriableError("not ready to flush");
    };
    // The first idle put fails; the commit due meanwhile runs, and the redelivery waits for the next, 1.5 s away.
    await waitFor(() => plugin.calls.includes("preCommit in-0@0"), { what: "the failed empty put's commit" });
    await kafka.rebalance(); // does not wait for the redelivery (no heartbeat would go out meanwhile)
    failing = false;
    expect(plugin.calls).toEqual([
      "open in-0",
      "put []",
      "preCommit in-0@0",
      "preCommit in-0@0",
      "close in-0",
      "open in-0",
    ]);
    await stopAndAwait(task);
  });

  test("an empty put's redelivery heartbeats with the batch that arrives meanwhile (its handler waits for the put)", async () => {
    // Heartbeats of the consumer's batches (kafkajs: a handler waiting for its put keeps the membership).
    let beats = 0;
    const clock = new ManualClock();
    const { kafka, plugin, task, produce } = setup(10_000, 0, {
      options: { clock },
      wrapConsumer: (consumer) => {
        const start = consumer.start.bind(consumer);
        consumer.start = (handlers) =>
          start({
            ...handlers,
            onRecords: (records) =>
              handlers.onRecords(records, async () => {
                beats++;
              }),
          });
        return consumer;
      },
    });
    let failing = true;
    plugin.onPut = (records) => {
      if (records.length === 0 && failing) throw new RetriableError("not ready to flush");
    };
    await waitFor(() => plugin.calls.includes("open in-0"));
    // No batch came yet: the idle put fails and waits (heartbeating) until the next commit is due.
    clock.advance(10_000);
    await waitFor(() => plugin.calls.includes("preCommit in-0@0") && clock.pending > 0, {
      what: "the failed empty put waiting for its redelivery",
    });
    const executor = (task as unknown as { executor: SerialExecutor }).executor;
    const run = executor.run.bind(executor);
    let jobs = 0;
    executor.run = (operation) => {
      jobs++;
      return run(operation);
    };
    produce("a");
    const delivered = kafka.deliver();
    await waitFor(() => jobs === 1, { what: "the batch waiting behind the redelivery" });
    clock.advance(3000); // the redelivery's wait heartbeats every 3 s
    await waitFor(() => beats > 0, { what: "a heartbeat during the redelivery's wait" });
    failing = false;
    clock.advance(7000);
    await delivered;
    expect(plugin.calls).toContain("put a");
    await stopAndAwait(task);
  });

  test("a failure raised during an empty put fails the task before the commit; nothing more is put", async () => {
    const { plugin, task, listener } = setup(20);
    let puts = 0;
    plugin.onPut = () => {
      if (++puts === 2) plugin.context.raiseError!(new ConnectError("the sink gave up"));
    };
    await awaitFailed(listener);
    await awaitStopped(task);
    expect(String(listener.failure)).toContain("the sink gave up");
    // The close (Connect's closeAllPartitions) flushes and closes; the failed put's commit never ran.
    expect(plugin.calls).toEqual([
      "open in-0",
      "put []",
      "preCommit in-0@0",
      "put []",
      "preCommit in-0@0",
      "close in-0",
    ]);
  });

  test("an empty put that throws fails the task, as any put", async () => {
    const { plugin, task, listener } = setup(20);
    plugin.onPut = () => {
      throw new ConnectError("cannot flush");
    };
    await awaitFailed(listener);
    await awaitStopped(task);
    expect(String(listener.failure)).toContain("cannot flush");
    expect(plugin.calls).toEqual(["open in-0", "put []", "preCommit in-0@0", "close in-0"]);
  });
});

/**
 * A task whose executor holds, in order: a rebalance's open (waiting for `release`), the loop's
 * commit fallen due (on a ManualClock), then the delivery of "a". `after()` is the calls since that open.
 */
async function commitDueWithRecordsQueued() {
  const clock = new ManualClock();
  const { kafka, plugin, task, produce } = setup(10_000, 0, { options: { clock } });
  await waitFor(() => plugin.calls.includes("open in-0"));
  // Counts the jobs queued on the task's serial executor (puts, commits, rebalance callbacks).
  const executor = (task as unknown as { executor: SerialExecutor }).executor;
  const run = executor.run.bind(executor);
  let jobs = 0;
  executor.run = (operation) => {
    jobs++;
    return run(operation);
  };
  // A rebalance whose open holds the executor (nothing is due yet, so nothing is committed before it).
  let release = () => {};
  plugin.onOpen = () =>
    new Promise<void>((resolve) => {
      release = resolve;
    });
  const rebalanced = kafka.rebalance();
  await waitFor(() => count(plugin.calls, "open in-0") === 2, { what: "the second open under way" });
  const [from, queued] = [plugin.calls.length, jobs];
  // The commit falls due: the loop queues it behind the open; then a batch is queued behind the commit.
  clock.advance(10_000);
  await waitFor(() => jobs === queued + 1, { what: "the due commit queued" });
  produce("a");
  const delivered = kafka.deliver();
  await waitFor(() => jobs === queued + 2, { what: "the delivery queued" });
  return {
    kafka,
    plugin,
    task,
    after: () => plugin.calls.slice(from),
    release: async () => {
      release();
      await rebalanced;
      await delivered;
    },
  };
}

describe("WorkerSinkTask when the commit falls due with records waiting (Connect's poll spanning the deadline)", () => {
  test("records waiting on the executor when the commit falls due are put before it, not after", async () => {
    const { kafka, task, after, release } = await commitDueWithRecordsQueued();
    await release();
    await waitFor(() => after().includes("put a") && after().some((c) => c.startsWith("preCommit")), {
      what: "a put and the due commit",
    });
    // As Connect's poll spanning the deadline: its records are put, then the commit follows (and carries them).
    expect(after().slice(0, 3)).toEqual(["put a", "wrote 1", "preCommit in-0@1"]);
    await waitFor(() => kafka.committed("connect-c", p0) === 1, { what: "a committed" });
    expect(after()).toEqual(["put a", "wrote 1", "preCommit in-0@1", "commit in-0@1"]);
    await stopAndAwait(task);
  });

  test("a stop begun meanwhile puts nothing and commits only as the task closes (Connect's closeAllPartitions)", async () => {
    const { task, after, release } = await commitDueWithRecordsQueued();
    task.stop();
    await release();
    await awaitStopped(task);
    expect(after()).toEqual(["preCommit in-0@0", "close in-0"]);
  });
});
