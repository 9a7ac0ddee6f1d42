/**
 * WorkerSinkTask and the task's `context.timeout(ms)` outside a failed put, as Connect 4.3's
 * WorkerSinkTask.poll: each poll reads the timeout (> 0), resets it and waits for records at most
 * that long, then puts what it got, nothing included. So a task that sets it in a put that returns
 * (or in preCommit) gets `put([])` after `ms` when no record comes; a put that comes first uses it
 * up. Driven by a ManualClock: the time of each call is the clock's.
 * Also: a failure raised during a put's redelivery ends the redelivery at once.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord, TopicPartitionOffset } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import { deferred } from "../util/async.ts";
import { monotonicNow } from "../util/clock.ts";
import { ManualClock } from "../util/manual-clock.ts";
import type { SinkPutRetry } from "./sink-put-retry.ts";
import { awaitFailed, awaitStopped, memorySinkTask, stopAndAwait } from "./task-test-support.ts";

/** Records the worker's calls with the clock's time ("put a@0", "put []@100"); the hooks run first. */
class TimedSink implements SinkTask {
  context!: SinkTaskContext;
  readonly calls: string[] = [];
  /** Runs inside the put; a promise it returns keeps the put under way until it settles. */
  onPut: (records: readonly SinkRecord[]) => void | Promise<void> = () => {};
  onPreCommit: () => void = () => {};
  opened = false;
  private putting = false;
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  async put(records: readonly SinkRecord[]): Promise<void> {
    if (this.putting) this.calls.push("overlapping put");
    this.putting = true;
    try {
      const values = records.length === 0 ? "[]" : records.map((r) => String(r.value)).join(",");
      this.calls.push(`put ${values}@${monotonicNow(this.context.clock)}`);
      await this.onPut(records);
    } finally {
      this.putting = false;
    }
  }
  preCommit(offsets: readonly TopicPartitionOffset[]): readonly TopicPartitionOffset[] {
    this.calls.push(`preCommit@${monotonicNow(this.context.clock)}`);
    this.onPreCommit();
    return offsets;
  }
  open(): void {
    this.opened = true;
  }
  stop(): void {}
}

const FLUSH_MS = 60_000;

async function setup() {
  const clock = new ManualClock(0);
  const plugin = new TimedSink();
  const { kafka, task, produce, listener } = memorySinkTask({
    plugin,
    taskClass: "test.TimedSink",
    offsetFlushIntervalMs: FLUSH_MS,
    options: { clock },
  });
  task.start();
  await waitFor(() => plugin.opened, { what: "the task started" });
  const putRetry = (task as unknown as { putRetry: SinkPutRetry }).putRetry;
  return { clock, kafka, plugin, task, produce, listener, idlePutInMs: () => putRetry.idlePutInMs() };
}

describe("WorkerSinkTask when the task sets context.timeout(ms) outside a failed put", () => {
  test("a put that sets it and returns is followed by put([]) ms later when no record comes", async () => {
    const { clock, kafka, plugin, task, produce, idlePutInMs } = await setup();
    plugin.onPut = (records) => {
      if (records.length > 0) plugin.context.timeout(100);
    };
    produce("a");
    await kafka.deliver();
    expect(plugin.calls).toEqual(["put a@0"]);
    expect(idlePutInMs()).toBe(100);
    clock.advance(99);
    // A requested commit makes the loop go round at 99 ms: no put yet.
    plugin.context.requestCommit();
    await waitFor(() => plugin.calls.includes("preCommit@99"), { what: "the requested commit" });
    clock.advance(1);
    await waitFor(() => plugin.calls.includes("put []@100"), { what: "the idle put" });
    // Used once: the empty put set nothing, so the next one comes with the periodic commit.
    expect(idlePutInMs()).toBe(Number.POSITIVE_INFINITY);
    clock.advance(FLUSH_MS);
    await waitFor(() => plugin.calls.includes(`preCommit@${FLUSH_MS + 100}`), { what: "the periodic commit" });
    await stopAndAwait(task);
    expect(plugin.calls).toEqual([
      "put a@0",
      "preCommit@99",
      "put []@100",
      `put []@${FLUSH_MS + 100}`,
      `preCommit@${FLUSH_MS + 100}`,
      `preCommit@${FLUSH_MS + 100}`, // the stop's (closePartitions)
    ]);
  });

  test("a task setting it in every put gets put([]) every ms, one at a time", async () => {
    const { clock, plugin, task } = await setup();
    plugin.onPut = () => plugin.context.timeout(50);
    plugin.context.timeout(50); // outside a put (as in start or open): counts from now
    for (const at of [50, 100, 150]) {
      clock.advance(50);
      await waitFor(() => plugin.calls.includes(`put []@${at}`), { what: `the idle put at ${at} ms` });
    }
    await stopAndAwait(task);
    expect(plugin.calls.filter((c) => !c.startsWith("preCommit"))).toEqual(["put []@50", "put []@100", "put []@150"]);
  });

  test("records that come during an idle put are put after it, not beside it", async () => {
    const { clock, kafka, plugin, task, produce } = await setup();
    const idlePutDone = deferred<void>();
    plugin.onPut = (records) => (records.length === 0 ? idlePutDone.promise : undefined);
    plugin.context.timeout(10);
    clock.advance(10);
    await waitFor(() => plugin.calls.includes("put []@10"), { what: "the idle put under way" });
    produce("a");
    const delivered = kafka.deliver();
    // The batch waits for the idle put (the task's executor), however many turns it is given.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(plugin.calls.filter((c) => !c.startsWith("preCommit"))).toEqual(["put []@10"]);
    idlePutDone.resolve();
    await delivered;
    await stopAndAwait(task);
    expect(plugin.calls.filter((c) => !c.startsWith("preCommit"))).toEqual(["put []@10", "put a@10"]);
  });

  test("records put before the timeout ends use it up: no idle put follows", async () => {
    const { clock, kafka, plugin, task, produce, idlePutInMs } = await setup();
    plugin.onPut = (records) => {
      if (records.some((r) => r.value === "a")) plugin.context.timeout(100);
    };
    produce("a");
    await kafka.deliver();
    clock.advance(50);
    produce("b");
    await kafka.deliver();
    // Connect's poll that returned b read (and reset) the timeout: the next poll waits for the commit.
    expect(idlePutInMs()).toBe(Number.POSITIVE_INFINITY);
    await stopAndAwait(task);
    expect(plugin.calls).toEqual(["put a@0", "put b@50", "preCommit@50"]);
  });

  test("set in preCommit, it is read by the poll after the commit: put([]) ms after it", async () => {
    const { clock, plugin, task, idlePutInMs } = await setup();
    plugin.onPreCommit = () => plugin.context.timeout(30);
    plugin.context.requestCommit();
    await waitFor(() => plugin.calls.includes("preCommit@0"), { what: "the requested commit" });
    expect(idlePutInMs()).toBe(30);
    plugin.onPreCommit = () => {};
    clock.advance(30);
    await waitFor(() => plugin.calls.includes("put []@30"), { what: "the idle put" });
    await stopAndAwait(task);
    expect(plugin.calls).toEqual(["preCommit@0", "put []@30", "preCommit@30"]);
  });

  test("while the connector is PAUSED the idle put comes too (Connect keeps polling its paused consumer)", async () => {
    const { clock, plugin, task, listener } = await setup();
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.at(-1) === "PAUSED", { what: "the task PAUSED" });
    plugin.context.timeout(20);
    clock.advance(20);
    await waitFor(() => plugin.calls.includes("put []@20"), { what: "the idle put while PAUSED" });
    await stopAndAwait(task);
    expect(listener.events).toEqual(["RUNNING", "PAUSED"]);
  });

  test.each([0, -1, Number.NaN])("a timeout of %p schedules nothing", async (ms) => {
    const { plugin, task, idlePutInMs } = await setup();
    plugin.context.timeout(ms);
    // NaN is no bound either: an idle put due at NaN ms would never run, and the loop would wait 0 ms in turn.
    expect(idlePutInMs()).toBe(Number.POSITIVE_INFINITY);
    await stopAndAwait(task);
    expect(plugin.calls.filter((c) => c.startsWith("put"))).toEqual([]);
  });
});

describe("WorkerSinkTask when a failure is raised during a put's redelivery", () => {
  test("the task fails at once, without waiting for the redelivery, and the batch is not put again", async () => {
    const { clock, kafka, plugin, task, produce, listener } = await setup();
    plugin.onPut = () => {
      throw new RetriableError("not now");
    };
    produce("a");
    const delivered = kafka.deliver().catch(() => undefined);
    // The redelivery waits for the next commit (60 s on the clock, which never moves here).
    await waitFor(() => plugin.calls.length > 0 && clock.pending > 0, { what: "the failed put's redelivery waiting" });
    plugin.context.raiseError!(new ConnectError("the sink gave up"));
    await awaitFailed(listener);
    await delivered;
    await awaitStopped(task);
    expect(String(listener.failure)).toContain("the sink gave up");
    expect(plugin.calls.filter((c) => c.startsWith("put"))).toEqual(["put a@0"]);
  });
});
