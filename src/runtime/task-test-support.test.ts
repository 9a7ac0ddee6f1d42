/**
 * The test helpers of task-test-support.ts that can fail a test: `stopAndAwait` and `awaitStopped`
 * must fail one whose task does not stop, `awaitFailed` one whose task does not fail, and say which
 * task it was.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SourceTask } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import { deferred } from "../util/async.ts";
import {
  awaitFailed,
  awaitStopped,
  idlePoll,
  memorySourceTask,
  stopAndAwait,
  taskBasics,
} from "./task-test-support.ts";

/** How its poll behaves: waits for the stop signal, ignores it until released, or throws. */
type PollMode = "idle" | "stuck" | "failing";

class ModalSource implements SourceTask {
  polling = false;
  readonly release = deferred<void>();
  constructor(private readonly mode: PollMode) {}
  initialize(): void {}
  start(): void {}
  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    this.polling = true;
    if (this.mode === "failing") throw new Error("poll failed");
    if (this.mode === "stuck") await this.release.promise;
    else await idlePoll(signal);
    return null;
  }
  stop(): void {}
}

/** Task 3 of connector "orders", started, once its first poll began. */
async function polling(mode: PollMode) {
  const plugin = new ModalSource(mode);
  const basics = { ...taskBasics(), id: { connector: "orders", task: 3 } };
  const { task } = memorySourceTask({ plugin, taskClass: "test.ModalSource", basics });
  task.start();
  await waitFor(() => plugin.polling, { what: "a poll" });
  return { plugin, task, listener: basics.listener };
}

describe("stopAndAwait", () => {
  test("resolves once a task stops", async () => {
    const { task } = await polling("idle");
    await stopAndAwait(task);
    expect(task.stopping).toBe(true);
  });

  test("rejects, naming the task, when the task does not stop in time", async () => {
    const { plugin, task } = await polling("stuck");
    const message = "WorkerSourceTask [orders|task-3] did not stop within 20 ms of stop()";
    await expect(stopAndAwait(task, 20)).rejects.toThrow(message);
    plugin.release.resolve();
    await stopAndAwait(task);
  });
});

describe("awaitStopped", () => {
  test("resolves once a task ends by itself (it failed)", async () => {
    const { task } = await polling("failing");
    await awaitStopped(task);
    expect(task.stopping).toBe(false);
  });

  test("rejects, naming the task and saying it was not asked to stop, when it does not end in time", async () => {
    const { plugin, task } = await polling("stuck");
    const message = "WorkerSourceTask [orders|task-3] did not stop within 20 ms (stop() was not called)";
    await expect(awaitStopped(task, 20)).rejects.toThrow(message);
    plugin.release.resolve();
    await stopAndAwait(task);
  });
});

describe("awaitFailed", () => {
  test("resolves once the task reports FAILED", async () => {
    const { task, listener } = await polling("failing");
    await awaitFailed(listener);
    expect(String(listener.failure)).toBe("Error: poll failed");
    await awaitStopped(task);
  });

  test("rejects, naming the task and the states it reported, when it does not fail in time", async () => {
    const { task, listener } = await polling("idle");
    const message = "The task [orders|task-3] did not fail within 20 ms (it reported RUNNING)";
    await expect(awaitFailed(listener, 20)).rejects.toThrow(message);
    await stopAndAwait(task);
  });

  test("rejects, saying so, when the task reported no state", async () => {
    const { listener } = taskBasics();
    await expect(awaitFailed(listener, 20)).rejects.toThrow(
      "The task did not fail within 20 ms (it reported no state)",
    );
  });
});
