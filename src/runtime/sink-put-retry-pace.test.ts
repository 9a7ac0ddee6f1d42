/**
 * The pace of a put's redelivery after a RetriableError, as Connect 4.3.1's WorkerSinkTask poll loop
 * sets it while `pausedForRedelivery`: commit what is due, then wait until the next commit falls due
 * (offset.flush.interval.ms), cut short by the task's `context.timeout(ms)` (used once). So a long
 * `context.timeout` never holds back a commit that falls due, and without one the redelivery comes
 * when the next commit is due (not on a backoff of the worker's own).
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord } from "../api/record.ts";
import { RetriableError } from "../errors.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { memorySinkTask, stopAndAwait, taskBasics } from "./task-test-support.ts";

class ScriptedSink implements SinkTask {
  context!: SinkTaskContext;
  readonly written: string[] = [];
  puts = 0;
  onPut: (records: readonly SinkRecord[]) => void = (records) => this.write(records);
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  write(records: readonly SinkRecord[]): void {
    this.written.push(...records.map((r) => String(r.value)));
  }
  put(records: readonly SinkRecord[]): void {
    this.puts++;
    this.onPut(records);
  }
  flush(): void {}
  stop(): void {}
}

const p0 = { topic: "in", partition: 0 };
const FLUSH_MS = 60_000;

async function setup() {
  const clock = new ManualClock(0);
  const lines: string[] = [];
  const logs = new LogManager({ sink: (l) => lines.push(l) });
  const plugin = new ScriptedSink();
  const { kafka, task, produce, listener } = memorySinkTask({
    plugin,
    taskClass: "test.ScriptedSink",
    offsetFlushIntervalMs: FLUSH_MS,
    basics: taskBasics("none"),
    options: { clock, log: logs.get("org.apache.kafka.connect.runtime.WorkerSinkTask") },
  });
  task.start();
  await waitFor(() => plugin.context !== undefined);
  produce("a");
  await kafka.deliver(); // a is put at t=0, its commit falls due at t=60 s
  expect(plugin.written).toEqual(["a"]);
  const redeliveryDelays = () =>
    lines.flatMap((l) => /redelivering \d+ records in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);
  return { clock, kafka, plugin, task, produce, listener, redeliveryDelays };
}

describe("a put redelivered after a RetriableError", () => {
  test("with a long context.timeout, waits only until the next commit is due, and commits what was put before", async () => {
    const { clock, kafka, plugin, task, produce, listener, redeliveryDelays } = await setup();
    plugin.onPut = () => {
      plugin.context.timeout(300_000); // five minutes
      throw new RetriableError("endpoint busy");
    };
    produce("b");
    const delivering = kafka.deliver().catch(() => undefined);
    await waitFor(() => redeliveryDelays().length === 1, { what: "the first redelivery planned" });
    expect(redeliveryDelays()).toEqual([FLUSH_MS]);
    clock.set(FLUSH_MS);
    // The redelivery at the commit's due time fails again; a (put before) is committed meanwhile.
    await waitFor(() => kafka.committed("connect-c", p0) === 1, { what: "a committed while b is redelivered" });
    await waitFor(() => redeliveryDelays().length === 2, { what: "the second redelivery planned" });
    expect(redeliveryDelays()[1]).toBe(FLUSH_MS);
    plugin.onPut = (records) => plugin.write(records);
    clock.set(2 * FLUSH_MS);
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "b put and committed" });
    expect(plugin.written).toEqual(["a", "b"]);
    expect(listener.events).not.toContain("FAILED");
    await stopAndAwait(task);
    await delivering;
  });

  test("a shorter context.timeout sets the wait; it is used once, then the commit's due time sets it", async () => {
    const { clock, kafka, plugin, task, produce, redeliveryDelays } = await setup();
    let failures = 0;
    plugin.onPut = () => {
      if (++failures === 1) plugin.context.timeout(500);
      throw new RetriableError("endpoint busy");
    };
    produce("b");
    const delivering = kafka.deliver().catch(() => undefined);
    await waitFor(() => redeliveryDelays().length === 1, { what: "the first redelivery planned" });
    expect(redeliveryDelays()).toEqual([500]);
    clock.set(500);
    await waitFor(() => redeliveryDelays().length === 2, { what: "the second redelivery planned" });
    expect(redeliveryDelays()[1]).toBe(FLUSH_MS - 500);
    expect(kafka.committed("connect-c", p0)).toBeUndefined();
    await stopAndAwait(task);
    await delivering;
    expect(kafka.committed("connect-c", p0)).toBe(1); // the stop commits a, never b
  });

  test("without context.timeout, the redelivery comes when the next commit is due (no backoff of the worker's own)", async () => {
    const { clock, kafka, plugin, task, produce, redeliveryDelays } = await setup();
    plugin.onPut = () => {
      throw new RetriableError("endpoint busy");
    };
    produce("b");
    const delivering = kafka.deliver().catch(() => undefined);
    await waitFor(() => redeliveryDelays().length === 1, { what: "the first redelivery planned" });
    expect(redeliveryDelays()).toEqual([FLUSH_MS]);
    expect(plugin.puts).toBe(2);
    plugin.onPut = (records) => plugin.write(records);
    clock.set(FLUSH_MS);
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "b put and committed" });
    expect(plugin.puts).toBe(3);
    await stopAndAwait(task);
    await delivering;
  });
});
