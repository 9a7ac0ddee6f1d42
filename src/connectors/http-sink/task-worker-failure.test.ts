/**
 * HttpSinkTask under WorkerSinkTask when the task fails outside the HTTP sink (a put the runtime
 * fails) while a request is on the wire: the failed task's closing commit (Connect's
 * closeAllPartitions: preCommit, close, then preCommit again for what it held back, and commit)
 * takes the request close waited for as delivered once answered 200, never the record put failed on.
 */
import { expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { SinkRecord } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";
import { awaitFailed, memorySinkTask, stopAndAwait } from "../../runtime/task-test-support.ts";
import { HttpSinkTask } from "./task.ts";
import { endpoint } from "./test-support.ts";

/** The HTTP sink, but a put holding "poison" throws (a put that fails the task). */
class PoisonedHttpSink extends HttpSinkTask {
  override async put(records: ReadonlyArray<SinkRecord>): Promise<void> {
    if (records.some((r) => String(r.value) === "poison")) throw new ConnectError("poisoned put");
    await super.put(records);
  }
}

test("a task failing while a request is on the wire commits what was delivered, not past the request", async () => {
  await using server = endpoint();
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  server.answer(async (r) => {
    if (r.body.includes("c")) await held;
    return new Response("ok");
  });
  const { task, produce, listener, kafka } = memorySinkTask({
    plugin: new PoisonedHttpSink(),
    taskClass: "io.example.HttpSinkTask",
    offsetFlushIntervalMs: 3_600_000,
    options: { config: { url: server.url(), "sink.flush-buffer.timeout": "0" } },
  });
  const p0 = { topic: "in", partition: 0 };
  task.start();
  try {
    produce("a", "b");
    await waitFor(
      async () => {
        await kafka.deliver(); // once the consumer joined
        return kafka.committed("connect-c", p0) === 2;
      },
      { what: "a and b delivered and committed" },
    );
    produce("c");
    await kafka.deliver();
    await waitFor(() => server.received.some((r) => r.body.includes("c")), { what: "c on the wire" });
    produce("poison");
    await kafka.deliver().catch(() => undefined);
    await awaitFailed(listener);
    release();
  } finally {
    await stopAndAwait(task, 30_000);
  }
  expect(String(listener.failure)).toContain("poisoned put");
  // c, answered while the close waited for it, is committed (the runtime's preCommit after close); poison never was put.
  expect(kafka.committed("connect-c", p0)).toBe(3);
});
