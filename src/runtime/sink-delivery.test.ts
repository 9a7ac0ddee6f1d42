/**
 * deliverBatches, through a WorkerSinkTask on a MemoryKafka, when the task pauses partitions itself
 * (`context.pause`, as the HTTP sink past sink.requests.max-buffered) while a delivery is put in
 * slices: nothing more of a paused partition is put in that delivery (Connect overshoots by one
 * poll, here by one slice), the other partitions go on, the paused one's records not put are held
 * (not sought or fetched again) and its next commit commits the first of them; once resumed they
 * are put first, once, without a fetch (while the connector is paused, once it resumes; never once
 * the task failed). A rewind, the task's own seek, a rebalance or the stop drops them.
 * Regression: one 1,500-record delivery went into the HTTP sink within 3 ms despite
 * sink.requests.max-buffered=20.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord, TopicPartitionOffset } from "../api/record.ts";
import { type Deferred, deferred } from "../util/async.ts";
import { awaitFailed, memorySinkTask, stopAndAwait, stringConverters } from "./task-test-support.ts";

/** Records each put as "partition:value" strings; `duringPut` runs inside the next put. */
class PausingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly puts: string[][] = [];
  /** Runs inside the next put (once), before a `gate` is awaited. */
  duringPut: (() => void) | undefined;
  /** Runs as each record's value is converted (the conversion shares the event loop with the task). */
  duringConvert: ((value: string) => void) | undefined;
  /** While set, a put waits for it. */
  gate: Deferred<void> | undefined;
  /** Errors the next flushes throw. */
  readonly failFlush: Error[] = [];
  flushes = 0;
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  async put(records: readonly SinkRecord[]): Promise<void> {
    this.puts.push(records.map((r) => `${r.kafkaPartition}:${String(r.value)}`));
    const during = this.duringPut;
    this.duringPut = undefined;
    during?.();
    await this.gate?.promise;
  }
  flush(): void {
    this.flushes++;
    const failure = this.failFlush.shift();
    if (failure) throw failure;
  }
  stop(): void {}
  get received(): string[] {
    return this.puts.flat();
  }
  /** The puts with records: without an idle task's empty puts before its commits (Connect's empty polls). */
  get recordPuts(): string[][] {
    return this.puts.filter((put) => put.length > 0);
  }
}

const p0 = { topic: "in", partition: 0 };
const p1 = { topic: "in", partition: 1 };
const all = ["0:a0", "0:a1", "0:a2", "0:a3", "0:a4", "1:b0", "1:b1", "1:b2", "1:b3", "1:b4"];

async function setup({ offsetFlushIntervalMs = 3_600_000 } = {}) {
  const plugin = new PausingSink();
  const commits: TopicPartitionOffset[][] = [];
  const { kafka, task, produceTo, listener, basics } = memorySinkTask({
    plugin,
    taskClass: "test.PausingSink",
    offsetFlushIntervalMs,
    partitions: 2,
    onCommit: (offsets) => void commits.push([...offsets].sort((a, b) => a.partition - b.partition)),
    options: {
      maxPutRecords: 2,
      converters: {
        ...stringConverters,
        value: {
          ...stringConverters.value,
          toConnectData: (topic, headers, value) => {
            const data = stringConverters.value.toConnectData(topic, headers, value);
            plugin.duringConvert?.(String(data.value));
            return data;
          },
        },
      },
    },
  });
  const produceBoth = () => {
    for (let i = 0; i < 5; i++) produceTo(0, `a${i}`);
    for (let i = 0; i < 5; i++) produceTo(1, `b${i}`);
  };
  task.start();
  await waitFor(() => listener.events.includes("RUNNING") && plugin.context?.assignment().length === 2);
  /** A commit requested now, and its offsets once made. */
  const commit = async () => {
    const before = commits.length;
    plugin.context.requestCommit();
    await waitFor(() => commits.length > before, { what: "a commit" });
    return commits.at(-1);
  };
  const stop = async () => {
    await stopAndAwait(task);
    expect(listener.events).toEqual(["RUNNING"]);
  };
  return { kafka, plugin, task, listener, produceTo, produceBoth, commit, commits, stop, metrics: basics.metrics };
}

describe("deliverBatches when the task pauses a partition during a put", () => {
  test("the paused partition's later slices are not put, the others are; its rest is held and put once resumed, without a fetch", async () => {
    const { kafka, plugin, produceBoth, commit, stop, metrics } = await setup();
    produceBoth();
    plugin.duringPut = () => plugin.context.pause([p0]);
    await kafka.deliver({ concurrently: true });
    // One delivery of both batches in slices of 2: after the first, nothing more of in-0.
    expect(plugin.puts).toEqual([["0:a0", "0:a1"], ["1:b0", "1:b1"], ["1:b2", "1:b3"], ["1:b4"]]);
    // The commit takes in-0 up to its first record not put, exactly; a2..a4 are held, still active.
    expect(await commit()).toEqual([
      { ...p0, offset: 2 },
      { ...p1, offset: 5 },
    ]);
    expect(metrics.recordActiveCount).toBe(3);
    await kafka.deliver({ concurrently: true });
    expect(plugin.puts.length).toBe(4); // still paused: nothing put
    // The resume puts the held records at once: the consumer is past them and has nothing to fetch.
    plugin.context.resume([p0]);
    await waitFor(() => plugin.puts.length === 6, { what: "the held records put" });
    expect(plugin.puts.slice(4)).toEqual([["0:a2", "0:a3"], ["0:a4"]]);
    await kafka.deliver({ concurrently: true });
    expect(plugin.puts.length).toBe(6); // not sought back: nothing fetched again
    expect(plugin.received.toSorted()).toEqual(all);
    // Converted once: the held rest was not converted again (sink-record-read-total).
    expect(metrics.sinkRecordReadTotal).toBe(10);
    expect(await commit()).toEqual([
      { ...p0, offset: 5 },
      { ...p1, offset: 5 },
    ]);
    expect(metrics.recordActiveCount).toBe(0);
    await stop();
  });

  test("held records go before what is fetched of the partition after the resume, in the same put", async () => {
    const { kafka, plugin, produceBoth, produceTo, stop } = await setup();
    produceBoth();
    plugin.duringPut = () => plugin.context.pause([p0]);
    await kafka.deliver({ concurrently: true });
    // A put of in-1 waits; meanwhile in-0 is resumed and a5 fetched: one delivery takes both.
    plugin.gate = deferred<void>();
    produceTo(1, "b5");
    const first = kafka.deliver({ concurrently: true });
    await waitFor(() => plugin.puts.length === 5);
    plugin.context.resume([p0]);
    produceTo(0, "a5");
    const second = kafka.deliver({ concurrently: true });
    plugin.gate.resolve();
    plugin.gate = undefined;
    await first;
    await second;
    expect(plugin.puts.slice(5)).toEqual([
      ["0:a2", "0:a3"],
      ["0:a4", "0:a5"],
    ]);
    await stop();
  });

  test("a partition paused during the conversion has nothing put in that delivery; resumed, its records go once, converted once", async () => {
    const { kafka, plugin, produceBoth, commit, stop, metrics } = await setup();
    produceBoth();
    plugin.duringConvert = (value) => {
      if (value === "a1") plugin.context.pause([p0]);
    };
    await kafka.deliver({ concurrently: true });
    plugin.duringConvert = undefined;
    expect(plugin.puts).toEqual([["1:b0", "1:b1"], ["1:b2", "1:b3"], ["1:b4"]]);
    expect(await commit()).toEqual([
      { ...p0, offset: 0 },
      { ...p1, offset: 5 },
    ]);
    plugin.context.resume([p0]);
    await waitFor(() => plugin.puts.length === 6, { what: "the held records put" });
    expect(plugin.puts.slice(3)).toEqual([["0:a0", "0:a1"], ["0:a2", "0:a3"], ["0:a4"]]);
    expect(metrics.sinkRecordReadTotal).toBe(10);
    await stop();
  });

  test("a partition paused and resumed within the same put keeps going", async () => {
    const { kafka, plugin, produceBoth, stop } = await setup();
    produceBoth();
    plugin.duringPut = () => {
      plugin.context.pause([p0]);
      plugin.context.resume([p0]);
    };
    await kafka.deliver({ concurrently: true });
    expect(plugin.received).toEqual(all);
    await stop();
  });

  test("a partition paused in a later slice keeps what was put before it", async () => {
    const { kafka, plugin, produceBoth, commit, stop } = await setup();
    produceBoth();
    // The second slice (a2, a3) pauses both partitions: in-0 resumes at a4, in-1 at b0.
    const pauseOnSecond = () => {
      plugin.duringPut = () => plugin.context.pause([p0, p1]);
    };
    plugin.duringPut = pauseOnSecond;
    await kafka.deliver({ concurrently: true });
    expect(plugin.puts).toEqual([
      ["0:a0", "0:a1"],
      ["0:a2", "0:a3"],
    ]);
    expect(await commit()).toEqual([
      { ...p0, offset: 4 },
      { ...p1, offset: 0 },
    ]);
    plugin.context.resume([p0, p1]);
    await waitFor(() => plugin.received.length === all.length, { what: "the held records put" });
    await kafka.deliver({ concurrently: true });
    expect(plugin.received.toSorted()).toEqual(all);
    await stop();
  });

  test("a batch taken after the task paused its partition is not put (Connect's poll returns none of it)", async () => {
    const { kafka, plugin, produceTo, commit, stop, metrics } = await setup();
    produceTo(1, "b0");
    plugin.gate = deferred<void>();
    const first = kafka.deliver({ concurrently: true });
    await waitFor(() => plugin.puts.length === 1);
    // Fetched and queued while b0's put runs, paused by the task before its delivery.
    produceTo(0, "a0");
    produceTo(0, "a1");
    const second = kafka.deliver({ concurrently: true });
    plugin.context.pause([p0]);
    plugin.gate.resolve();
    plugin.gate = undefined;
    await first;
    await second;
    // The second delivery held all it took: it puts an empty batch, as Connect's poll that returns nothing.
    expect(plugin.puts).toEqual([["1:b0"], []]);
    expect(await commit()).toEqual([
      { ...p0, offset: 0 },
      { ...p1, offset: 1 },
    ]);
    plugin.context.resume([p0]);
    await waitFor(() => plugin.puts.length === 3, { what: "the held batch put" });
    await kafka.deliver({ concurrently: true });
    expect(plugin.received).toEqual(["1:b0", "0:a0", "0:a1"]);
    // Read (converted) once: the batch taken while paused was not converted (sink-record-read-total).
    expect(metrics.sinkRecordReadTotal).toBe(3);
    await stop();
  });

  test("a failed flush after the pause goes back to the last commit, not to the pause (nothing lost)", async () => {
    const { kafka, plugin, produceBoth, commit, stop } = await setup();
    produceBoth();
    plugin.duringPut = () => plugin.context.pause([p0]);
    await kafka.deliver({ concurrently: true });
    expect(plugin.received).toEqual(["0:a0", "0:a1", "1:b0", "1:b1", "1:b2", "1:b3", "1:b4"]);
    // a0 and a1 were put but never flushed: the failed flush rewinds in-0 before them, not to a2,
    // and drops the held a2..a4 (they come again from a0, not twice).
    plugin.failFlush.push(new Error("flush failed"));
    plugin.context.requestCommit();
    await waitFor(() => plugin.flushes === 1, { what: "the failed flush" });
    plugin.context.resume([p0]);
    await kafka.deliver({ concurrently: true });
    expect(plugin.received.slice(7).toSorted()).toEqual(all);
    expect(await commit()).toEqual([
      { ...p0, offset: 5 },
      { ...p1, offset: 5 },
    ]);
    await stop();
  });

  test("the task's own seek of a partition holding records wins: they are dropped", async () => {
    const { kafka, plugin, produceBoth, stop } = await setup();
    produceBoth();
    plugin.duringPut = () => plugin.context.pause([p0]);
    await kafka.deliver({ concurrently: true });
    plugin.context.offset([{ ...p0, offset: 1 }]);
    plugin.context.resume([p0]);
    await kafka.deliver({ concurrently: true });
    expect(plugin.received.filter((r) => r.startsWith("0:"))).toEqual(["0:a0", "0:a1", "0:a1", "0:a2", "0:a3", "0:a4"]);
    await stop();
  });

  test.each([
    ["revoked", false],
    ["lost", true],
  ])("a partition %s while it holds records drops them: they come again from its commit, once", async (_, lost) => {
    const { kafka, plugin, produceBoth, commit, stop } = await setup();
    produceBoth();
    plugin.duringPut = () => plugin.context.pause([p0]);
    await kafka.deliver({ concurrently: true });
    await commit(); // in-0 at 2
    await kafka.rebalance({ lost });
    // Still assigned: the task's pause is put back (Connect's retainAll); its resume fetches from 2.
    plugin.context.resume([p0]);
    await kafka.deliver({ concurrently: true });
    expect(plugin.received.filter((r) => r.startsWith("0:"))).toEqual(["0:a0", "0:a1", "0:a2", "0:a3", "0:a4"]);
    await stop();
  });

  test("the stop drops held records: its commit is at the first of them", async () => {
    const { kafka, plugin, produceBoth, stop, commits } = await setup();
    produceBoth();
    plugin.duringPut = () => plugin.context.pause([p0]);
    await kafka.deliver({ concurrently: true });
    await stop();
    expect(plugin.received).toEqual(["0:a0", "0:a1", "1:b0", "1:b1", "1:b2", "1:b3", "1:b4"]);
    expect(commits.at(-1)).toEqual([
      { ...p0, offset: 2 },
      { ...p1, offset: 5 },
    ]);
  });

  test("a resume while the connector is paused puts nothing; the connector's resume puts the held records, without a fetch", async () => {
    // Commits every 20 ms, while paused too: each runs on the task's executor, after any delivery asked for before.
    const { kafka, plugin, task, listener, produceBoth } = await setup({ offsetFlushIntervalMs: 20 });
    produceBoth();
    plugin.duringPut = () => plugin.context.pause([p0]);
    await kafka.deliver({ concurrently: true });
    expect(plugin.recordPuts.length).toBe(4);
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.at(-1) === "PAUSED", { what: "the task PAUSED" });
    plugin.context.resume([p0]);
    // The second flush from now runs on the executor after whatever the resume queued there.
    const flushes = plugin.flushes;
    await waitFor(() => plugin.flushes >= flushes + 2, { what: "two commits while paused" });
    // Each commit while paused follows an empty put (Connect's poll of a paused consumer), nothing else.
    expect(plugin.recordPuts.length).toBe(4);
    task.transitionTo("STARTED");
    await waitFor(() => plugin.recordPuts.length === 6, { what: "the held records put" });
    expect(plugin.recordPuts.slice(4)).toEqual([["0:a2", "0:a3"], ["0:a4"]]);
    await stopAndAwait(task);
    expect(listener.events).toEqual(["RUNNING", "PAUSED", "RUNNING"]);
  });

  test("a failure raised before the task resumes a partition holding records: nothing more is put", async () => {
    const { kafka, plugin, task, listener, produceBoth } = await setup();
    produceBoth();
    plugin.duringPut = () => plugin.context.pause([p0]);
    await kafka.deliver({ concurrently: true });
    expect(plugin.puts.length).toBe(4);
    // As the HTTP sink past errors.tolerance: it raises, and the requests it dropped resume its partitions.
    plugin.context.raiseError!(new Error("tolerance exceeded"));
    plugin.context.resume([p0]);
    await awaitFailed(listener);
    await stopAndAwait(task);
    expect(plugin.puts.length).toBe(4);
    expect(listener.events).toEqual(["RUNNING", "FAILED"]);
  });
});
