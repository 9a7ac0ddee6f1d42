import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import { JsonText } from "../api/data/json-text.ts";
import type { SinkRecord, TopicPartition, TopicPartitionOffset } from "../api/record.ts";
import { JsonConverter } from "../converters/json-converter.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import { builtInRegistry } from "../plugins.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { type Logger, LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import {
  awaitFailed,
  awaitStopped,
  memorySinkTask,
  stopAndAwait,
  stringConverters,
  taskBasics,
} from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";

/**
 * A SinkTask that records what the worker hands it; `failPut` makes the next puts of records throw.
 * The empty puts of an idle task (before each commit, every ms at offset.flush.interval.ms=0) are
 * ignored: the tests here are about records (worker-sink-task-idle-put.test.ts is about them).
 */
class RecordingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly puts: string[][] = [];
  readonly flushes: TopicPartitionOffset[][] = [];
  readonly calls: string[] = [];
  readonly failPut: Error[] = [];
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  put(records: readonly SinkRecord[]): void {
    if (records.length === 0) return;
    this.calls.push("put");
    const failure = this.failPut.shift();
    if (failure) throw failure;
    this.puts.push(records.map((r) => String(r.value)));
  }
  flush(offsets: readonly TopicPartitionOffset[]): void {
    this.calls.push("flush");
    this.flushes.push([...offsets]);
  }
  open(partitions: readonly TopicPartition[]): void {
    this.calls.push(`open ${names(partitions)}`);
  }
  close(partitions: readonly TopicPartition[]): void {
    this.calls.push(`close ${names(partitions)}`);
  }
  stop(): void {}
}

const names = (tps: readonly TopicPartition[]) => tps.map((tp) => `${tp.topic}-${tp.partition}`).join(",");

function setup(flushMs = 0, log?: Logger, maxPutRecords?: number, clock?: Clock) {
  const plugin = new RecordingSink();
  const { kafka, task, produce, listener } = memorySinkTask({
    plugin,
    taskClass: "test.RecordingSink",
    offsetFlushIntervalMs: flushMs,
    onCommit: (offsets) =>
      plugin.calls.push(`commit ${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(",")}`),
    options: { ...(log ? { log } : {}), ...(clock ? { clock } : {}), ...(maxPutRecords ? { maxPutRecords } : {}) },
  });
  return { kafka, plugin, task, produce, listener };
}

describe("WorkerSinkTask's SinkTaskContext", () => {
  test("carries a logger named for the task class with [connector|task-N], and the worker's clock", async () => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (l) => lines.push(l) });
    const { plugin, task } = setup(0, logs.get("org.apache.kafka.connect.runtime.WorkerSinkTask"));
    task.start();
    await waitFor(() => plugin.context !== undefined);
    plugin.context.logger.info("hello from the plugin");
    expect(lines.at(-1)).toEndWith("INFO [c|task-0] hello from the plugin (test.RecordingSink)");
    expect(plugin.context.clock).toBe(systemClock);
    await stopAndAwait(task);
  });
});

describe("WorkerSinkTask", () => {
  test("put and commit times are whole ms, as Connect's two time.milliseconds() readings", async () => {
    // The system clock's monotonic reading (performance.now) has fractions of a ms.
    const { kafka, plugin, task, produce } = setup();
    produce("a");
    task.start();
    await waitFor(() => plugin.context !== undefined);
    await kafka.deliver();
    await waitFor(() => task.metrics.putBatch.count() > 0 && task.metrics.offsetCommit.count() > 0);
    expect([task.metrics.putBatch.max(), task.metrics.offsetCommit.max()].map(Number.isInteger)).toEqual([true, true]);
    await stopAndAwait(task);
  });

  test("batches of several partitions fetched together go to one put, each partition's offset committed", async () => {
    const plugin = new RecordingSink();
    const { kafka, task, produceTo } = memorySinkTask({
      plugin,
      taskClass: "test.RecordingSink",
      offsetFlushIntervalMs: 0,
      partitions: 3,
    });
    for (const [partition, v] of [
      [0, "a0"],
      [1, "b0"],
      [2, "c0"],
      [0, "a1"],
      [2, "c1"],
    ] as const)
      produceTo(partition, v);
    task.start();
    await waitFor(() => plugin.context !== undefined);
    await kafka.deliver({ concurrently: true });
    await waitFor(() => kafka.committed("connect-c", { topic: "in", partition: 2 }) === 2);
    expect(plugin.puts).toEqual([["a0", "a1", "b0", "c0", "c1"]]);
    expect([0, 1, 2].map((partition) => kafka.committed("connect-c", { topic: "in", partition }))).toEqual([2, 1, 2]);
    await stopAndAwait(task);
  });

  test("a fetched batch larger than max.poll.records is put in slices, in order, then committed once", async () => {
    const { kafka, plugin, task, produce } = setup(0, undefined, 2);
    produce("a", "b", "c", "d", "e");
    task.start();
    await waitFor(() => plugin.context !== undefined);
    await kafka.deliver();
    await waitFor(() => kafka.committed("connect-c", { topic: "in", partition: 0 }) === 5);
    expect(plugin.puts).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    await stopAndAwait(task);
  });

  test("puts converted records, flushes, then commits offset+1 to the group", async () => {
    const { kafka, plugin, task, produce } = setup();
    produce("a", "b", "c");
    task.start();
    await waitFor(
      () => plugin.context !== undefined && kafka.committed("connect-c", { topic: "in", partition: 0 }) === undefined,
    );
    await kafka.deliver();
    await waitFor(() => kafka.committed("connect-c", { topic: "in", partition: 0 }) === 3);
    expect(plugin.puts).toEqual([["a", "b", "c"]]);
    // Flushed every interval from the assignment on (Connect's currentOffsets hold the position), committed once moved.
    const calls = plugin.calls.filter((c, i) => c !== "flush" || plugin.calls[i + 1]?.startsWith("commit"));
    expect(calls.slice(0, 4)).toEqual(["open in-0", "put", "flush", "commit in-0@3"]);
    expect(plugin.flushes).toContainEqual([{ topic: "in", partition: 0, offset: 3 }]);
    await stopAndAwait(task);
  });

  test("a RetriableError from put redelivers the same batch, after the task's context.timeout", async () => {
    const { kafka, plugin, task, produce, listener } = setup();
    plugin.failPut.push(new RetriableError("endpoint busy"));
    produce("x", "y");
    task.start();
    await waitFor(() => plugin.context !== undefined);
    plugin.context.timeout(10);
    await kafka.deliver();
    await waitFor(() => kafka.committed("connect-c", { topic: "in", partition: 0 }) === 2);
    expect(plugin.calls.filter((c) => c === "put")).toHaveLength(2);
    expect(plugin.puts).toEqual([["x", "y"]]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });

  test("offset.flush.interval.ms runs on the monotonic clock: the wall clock stepping back an hour does not hold commits back", async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const { kafka, plugin, task, produce } = setup(1000, undefined, undefined, clock);
    produce("a");
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 1);
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBeUndefined();
    clock.stepWallClock(-3_600_000);
    clock.advance(1000);
    await waitFor(() => kafka.committed("connect-c", { topic: "in", partition: 0 }) === 1);
    await stopAndAwait(task);
  });

  test("any other error from put fails the task and commits nothing", async () => {
    const { kafka, plugin, task, produce, listener } = setup();
    plugin.failPut.push(new ConnectError("endpoint rejected the batch"));
    produce("x");
    task.start();
    await waitFor(() => plugin.context !== undefined);
    await kafka.deliver().catch(() => undefined);
    await awaitFailed(listener);
    expect(String(listener.failure)).toContain("endpoint rejected the batch");
    await awaitStopped(task);
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBeUndefined();
  });

  test("pausing holds a batch already in flight and fetches nothing more until resume", async () => {
    const { kafka, plugin, task, produce, listener } = setup(3_600_000);
    task.start();
    await waitFor(() => plugin.context !== undefined && listener.events.includes("RUNNING"));
    produce("in-flight");
    task.transitionTo("PAUSED");
    // The batch reaches the task as the pause begins: it must wait, not be put or dropped.
    const inFlight = kafka.deliver();
    await waitFor(() => listener.events.includes("PAUSED"));
    produce("while-paused");
    await kafka.deliver();
    expect(plugin.puts).toEqual([]);
    task.transitionTo("STARTED");
    await inFlight;
    await waitFor(() => plugin.puts.length === 1);
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 2);
    expect(plugin.puts).toEqual([["in-flight"], ["while-paused"]]);
    expect(listener.events).toEqual(["RUNNING", "PAUSED", "RUNNING"]);
    // Stop commits what was put, even between flush intervals.
    await stopAndAwait(task);
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBe(2);
  });
});

describe("WorkerSinkTask in a rebalance (Connect's HandleRebalance)", () => {
  test("revoked partitions are flushed, closed, then committed before the consumer rejoins; nothing comes twice", async () => {
    const { kafka, plugin, task, produce } = setup(3_600_000);
    produce("a", "b");
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 1);
    // No periodic commit yet (an hour's interval): without the commit at revocation, a and b would
    // come again to whoever owns in-0 next.
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBeUndefined();
    await kafka.rebalance();
    expect(plugin.calls).toEqual(["open in-0", "put", "flush", "close in-0", "commit in-0@2", "open in-0"]);
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBe(2);
    produce("c");
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 2);
    expect(plugin.puts).toEqual([["a", "b"], ["c"]]);
    await stopAndAwait(task);
  });

  test("lost partitions are closed without a flush or a commit; what was not committed comes again", async () => {
    const { kafka, plugin, task, produce, listener } = setup(3_600_000);
    produce("a", "b");
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 1);
    await kafka.rebalance({ lost: true });
    expect(plugin.calls).toEqual(["open in-0", "put", "close in-0", "open in-0"]);
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBeUndefined();
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 2);
    expect(plugin.puts).toEqual([
      ["a", "b"],
      ["a", "b"],
    ]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });

  test("a batch of a revoked partition that was waiting (connector paused) is never put: its records come from the commit", async () => {
    const { kafka, plugin, task, produce, listener } = setup(3_600_000);
    produce("a");
    task.start();
    await waitFor(() => listener.events.includes("RUNNING"));
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 1);
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.includes("PAUSED"));
    produce("b");
    const waiting = kafka.deliver(); // handed over while paused: it waits for the resume
    await kafka.rebalance();
    task.transitionTo("STARTED");
    await waiting;
    await waitFor(() => listener.events.at(-1) === "RUNNING");
    // The stale batch was dropped; the new assignment fetches b again from the committed offset 1.
    expect(plugin.puts).toEqual([["a"]]);
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 2);
    expect(plugin.puts).toEqual([["a"], ["b"]]);
    await stopAndAwait(task);
  });

  test("a revocation does not wait for a put that keeps failing retriably: the batch is dropped, uncommitted, and comes again", async () => {
    const { kafka, plugin, task, produce, listener } = setup(3_600_000);
    produce("a");
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    plugin.context.timeout(3_600_000); // without the revocation ending it, the retry waits an hour
    plugin.failPut.push(new RetriableError("endpoint busy"));
    const delivering = kafka.deliver();
    await waitFor(() => plugin.calls.includes("put"));
    await kafka.rebalance();
    await delivering;
    // Revoked, the partition is flushed at its position (nothing was put) and closed, as Connect's closePartitions.
    expect(plugin.calls).toEqual(["open in-0", "put", "flush", "close in-0", "open in-0"]);
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBeUndefined();
    await kafka.deliver();
    await waitFor(() => plugin.puts.length === 1);
    expect(plugin.puts).toEqual([["a"]]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });

  test("a partition lost while its batch is being put is not committed after the put", async () => {
    const { kafka, plugin, task, produce } = setup(0); // a commit after every put
    let release!: () => void;
    const putting = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = false;
    const put = plugin.put.bind(plugin);
    plugin.put = async (records) => {
      if (records.length === 0) return put(records); // an idle put before a commit
      entered = true;
      await putting;
      put(records);
    };
    produce("a");
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    const delivering = kafka.deliver();
    await waitFor(() => entered);
    const rebalancing = kafka.rebalance({ lost: true }); // waits for the put: callbacks run in turn
    release();
    await delivering;
    await rebalancing;
    // Another member may own in-0 already: a is delivered again instead of being committed here.
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBeUndefined();
    expect(plugin.calls.filter((c) => c.startsWith("commit"))).toEqual([]);
    await stopAndAwait(task);
  });

  test("a stopped task is not called by a late rebalance of its consumer (Connect's taskStopped)", async () => {
    const { kafka, plugin, task } = setup(3_600_000);
    const late: (() => Promise<void>)[] = [];
    const rejoin = async () => {
      for (const c of (kafka as unknown as { consumers: { rejoin(lost: boolean): Promise<void> }[] }).consumers)
        late.push(() => c.rejoin(false));
    };
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    await rejoin(); // the consumer as it was before the task stopped
    await stopAndAwait(task);
    const calls = [...plugin.calls];
    for (const again of late) await again();
    expect(plugin.calls).toEqual(calls);
  });

  test("a close() that throws at revocation fails the task, as Connect's rebalance exception does", async () => {
    const { kafka, plugin, task, listener } = setup(3_600_000);
    plugin.close = () => {
      throw new ConnectError("close failed");
    };
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    await kafka.rebalance();
    await awaitFailed(listener);
    expect(String(listener.failure)).toContain("close failed");
    await awaitStopped(task);
  });
});

/** A SinkTask that takes JsonText values and keeps what `put` received. */
class JsonTextSink implements SinkTask {
  readonly acceptsJsonText = true;
  context!: SinkTaskContext;
  readonly values: unknown[] = [];
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  put(records: readonly SinkRecord[]): void {
    for (const r of records) this.values.push(r.value);
  }
  stop(): void {}
}

describe("WorkerSinkTask with a task that accepts JsonText", () => {
  function jsonSetup(transformations: TransformationChain, schemasEnable = "false") {
    const plugin = new JsonTextSink();
    const value = new JsonConverter();
    value.configure({ "schemas.enable": schemasEnable }, false);
    const { kafka, task, produceTo } = memorySinkTask({
      plugin,
      taskClass: "test.JsonTextSink",
      offsetFlushIntervalMs: 0,
      basics: taskBasics("all"),
      options: {
        converters: { ...stringConverters, value, valueClass: "org.apache.kafka.connect.json.JsonConverter" },
        transformations,
      },
    });
    const sent: Uint8Array[] = [];
    const produce = (...values: string[]) => {
      for (const v of values) {
        const bytes = new TextEncoder().encode(v);
        sent.push(bytes);
        produceTo(0, bytes);
      }
    };
    return { kafka, plugin, task, produce, sent };
  }

  const LONG = '{"ts": 1700000000123456789, "n":12345678901234567890}';

  test("with no transformation, schemaless JSON arrives as a JsonText of the consumed bytes; not-JSON goes to errors.tolerance", async () => {
    const s = jsonSetup(TransformationChain.EMPTY);
    s.produce(LONG, "{oops", "null", "  ", '"text"');
    s.task.start();
    await waitFor(() => s.plugin.context !== undefined);
    await s.kafka.deliver();
    await waitFor(() => s.kafka.committed("connect-c", { topic: "in", partition: 0 }) === 5);
    // "{oops" is skipped by errors.tolerance=all, exactly as when it is parsed; JSON null and an
    // empty value read as null, as toConnectData reads them.
    expect(s.plugin.values.map((v) => (v instanceof JsonText ? { text: v.text } : v))).toEqual([
      { text: LONG },
      null,
      null,
      { text: '"text"' },
    ]);
    expect((s.plugin.values[0] as JsonText).bytes()).toBe(s.sent[0]!);
    s.task.stop();
    await s.task.awaitStop(5000);
  });

  test("with a transformation, or schemas.enable=true, the value arrives parsed as before", async () => {
    const insert = TransformationChain.fromConfig(builtInRegistry(), {
      transforms: "via",
      "transforms.via.type": "org.apache.kafka.connect.transforms.InsertField$Value",
      "transforms.via.static.field": "via",
      "transforms.via.static.value": "gw",
    });
    const transformed = jsonSetup(insert);
    const enveloped = jsonSetup(TransformationChain.EMPTY, "true");
    transformed.produce(LONG);
    enveloped.produce('{"schema":null,"payload":{"a":1}}');
    for (const s of [transformed, enveloped]) {
      s.task.start();
      await waitFor(() => s.plugin.context !== undefined);
      await s.kafka.deliver();
      await waitFor(() => s.plugin.values.length === 1);
      s.task.stop();
      await s.task.awaitStop(5000);
    }
    expect(transformed.plugin.values).toEqual([{ ts: 1700000000123456789n, n: -6101065172474983726n, via: "gw" }]);
    expect(enveloped.plugin.values).toEqual([{ a: 1 }]);
  });
});
