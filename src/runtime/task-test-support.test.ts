/**
 * The test helpers of task-test-support.ts that can fail a test: `stopAndAwait` and `awaitStopped`
 * must fail one whose task does not stop, and say which task it was.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SourceTask } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import { deferred } from "../util/async.ts";
import { awaitStopped, idlePoll, memorySourceTask, stopAndAwait, taskBasics } from "./task-test-support.ts";

/**
 * Polls nothing; once `stuck`, its poll ignores the stop signal until `release` resolves; once
 * `failing`, its poll throws (the task fails and ends by itself).
 */
class StuckPoll implements SourceTask {
  stuck = false;
  failing = false;
  polling = false;
  readonly release = deferred<void>();
  initialize(): void {}
  start(): void {}
  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    this.polling = true;
    if (this.failing) throw new Error("poll failed");
    if (this.stuck) await this.release.promise;
    else await idlePoll(signal);
    return null;
  }
  stop(): void {}
}

function stuckTask() {
  const plugin = new StuckPoll();
  const basics = { ...taskBasics(), id: { connector: "orders", task: 3 } };
  const { task } = memorySourceTask({ plugin, taskClass: "test.StuckPoll", basics });
  return { plugin, task };
}

describe("stopAndAwait", () => {
  test("resolves once a task stops", async () => {
    const { plugin, task } = stuckTask();
    task.start();
    await waitFor(() => plugin.polling, { what: "a poll" });
    await stopAndAwait(task);
    expect(task.stopping).toBe(true);
  });

  test("rejects, naming the task, when the task does not stop in time", async () => {
    const { plugin, task } = stuckTask();
    plugin.stuck = true;
    task.start();
    await waitFor(() => plugin.polling, { what: "the stuck poll" });
    await expect(stopAndAwait(task, 20)).rejects.toThrow(
      "WorkerSourceTask [orders|task-3] did not stop within 20 ms of stop()",
    );
    plugin.release.resolve();
    await stopAndAwait(task);
  });
});

describe("awaitStopped", () => {
  test("resolves once a task ends by itself (it failed)", async () => {
    const { plugin, task } = stuckTask();
    plugin.failing = true;
    task.start();
    await awaitStopped(task);
    expect(task.stopping).toBe(false);
  });

  test("rejects, naming the task and saying it was not asked to stop, when it does not end in time", async () => {
    const { plugin, task } = stuckTask();
    plugin.stuck = true;
    task.start();
    await waitFor(() => plugin.polling, { what: "the stuck poll" });
    await expect(awaitStopped(task, 20)).rejects.toThrow(
      "WorkerSourceTask [orders|task-3] did not stop within 20 ms (stop() was not called)",
    );
    plugin.release.resolve();
    await stopAndAwait(task);
  });
});
