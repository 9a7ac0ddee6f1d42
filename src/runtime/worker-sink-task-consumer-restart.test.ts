/**
 * WorkerSinkTask while it replaces its consumer (a retriable consumer failure: dropped, closed,
 * started again). The adapters drop a commit on a consumer that is stopping or closed without an
 * error (kafkajs' runner once it stops, either adapter once closed), so the task commits only
 * through a live consumer: a commit due in that window waits, not flushed for and not counted as
 * done (nor the request dropped), and the group's offsets reach what was put once the new member has it again.
 * A non-retriable consumer failure (FENCED_INSTANCE_ID) fails the task instead, as Connect's.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { ConsumerHandlers, KafkaConsumer } from "../kafka/kafka-port.ts";
import { awaitFailed, awaitStopped, memorySinkTask, stopAndAwait } from "./task-test-support.ts";

/** A SinkTask that asks for a commit after every put; `onPut` may hold a put up. */
class CommittingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly written: string[] = [];
  readonly calls: string[] = [];
  onPut: () => Promise<void> = async () => {};
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  async put(records: readonly SinkRecord[]): Promise<void> {
    this.calls.push("put");
    await this.onPut();
    this.written.push(...records.map((r) => String(r.value)));
    this.context.requestCommit();
  }
  flush(): void {
    this.calls.push("flush");
  }
  stop(): void {}
}

/**
 * The task's consumer as the adapters behave: from a crash (kafkajs stops its runner before it
 * reports the crash) or a close until the next start, a commit does nothing and reports no error.
 * Each start is noted in `calls`.
 */
function adapterLike(inner: KafkaConsumer, calls: string[]) {
  const state = { handlers: undefined as ConsumerHandlers | undefined, stopped: false, starts: 0, made: 0, dropped: 0 };
  const consumer: KafkaConsumer = {
    start: (handlers) => {
      calls.push("start");
      state.handlers = handlers;
      state.stopped = false;
      state.starts++;
      return inner.start(handlers);
    },
    commit: async (offsets) => {
      if (state.stopped) return void state.dropped++;
      await inner.commit(offsets);
      state.made++;
    },
    seek: (offset) => inner.seek(offset),
    position: (tp) => inner.position(tp),
    pause: (partitions) => inner.pause(partitions),
    resume: (partitions) => inner.resume(partitions),
    assignment: () => inner.assignment(),
    close: () => {
      state.stopped = true;
      return inner.close();
    },
  };
  return { consumer, state };
}

const p0 = { topic: "in", partition: 0 };

/**
 * A CommittingSink's memorySinkTask (not started) whose consumer is wrapped by `adapterLike`;
 * `adapter()` is that wrapper once the task created its consumer.
 */
function adaptedSinkTask() {
  const plugin = new CommittingSink();
  let adapter: ReturnType<typeof adapterLike> | undefined;
  const sinkTask = memorySinkTask({
    plugin,
    taskClass: "test.CommittingSink",
    offsetFlushIntervalMs: 3_600_000,
    wrapConsumer: (inner) => {
      adapter = adapterLike(inner, plugin.calls);
      return adapter.consumer;
    },
  });
  return { ...sinkTask, plugin, adapter: () => adapter };
}

describe("WorkerSinkTask replacing its consumer", () => {
  test("a commit due while the consumer is down waits, neither made nor counted as done; the group gets the offsets through the new member", async () => {
    const { kafka, task, produce, basics, plugin, adapter } = adaptedSinkTask();
    task.start();
    produce("a", "b");
    await waitFor(() => adapter()?.state.handlers !== undefined, { what: "the consumer started" });
    const a = adapter()!;
    await kafka.deliver();
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "a and b committed" });
    // c is being put when the consumer fails: it stops, then reports the crash.
    produce("c");
    let release!: () => void;
    plugin.onPut = () => new Promise<void>((resolve) => (release = resolve));
    const delivered = kafka.deliver();
    await waitFor(() => plugin.calls.filter((c) => c === "put").length === 2, { what: "c being put" });
    plugin.onPut = async () => {};
    a.state.stopped = true;
    plugin.calls.push("crash");
    a.state.handlers!.onCrash(new RetriableError("the broker is unreachable"));
    release();
    await delivered;
    // The task restarts the consumer; the new member starts at the group's offset 2, so c comes again.
    await waitFor(() => a.state.starts === 2, { what: "the consumer started again" });
    await kafka.deliver();
    await waitFor(() => plugin.written.length === 4, { what: "c put again by the new member" });
    await waitFor(() => kafka.committed("connect-c", p0) === 3, { what: "c committed" });
    expect(plugin.written).toEqual(["a", "b", "c", "c"]);
    expect(a.state.dropped).toBe(0); // nothing went to the stopped consumer
    // The task was not asked to flush for a commit the stopped consumer could not make: the commit c's put
    // requested waits for the new member, which makes it at once (commitsched: the request is not dropped).
    const afterCrash = plugin.calls.slice(plugin.calls.indexOf("crash") + 1);
    expect(afterCrash.slice(0, afterCrash.indexOf("put") + 1)).toEqual(["start", "flush", "put"]);
    // Each flush was a commit made or one with nothing new (a success in Connect's metrics too);
    // the one due while the consumer was down is not counted.
    expect(basics.metrics.offsetCommitSuccess).toBe(plugin.calls.filter((c) => c === "flush").length);
    expect(basics.metrics.offsetCommitFailure).toBe(0);
    await stopAndAwait(task);
  });

  test("a non-retriable consumer failure (a static member fenced by another process) fails the task; the consumer is not started again", async () => {
    const { task, listener, adapter } = adaptedSinkTask();
    task.start();
    await waitFor(() => adapter()?.state.handlers !== undefined, { what: "the consumer started" });
    const fenced =
      "The consumer of group connect-c stopped: The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id.";
    adapter()!.state.handlers!.onCrash(new ConnectError(fenced));
    await awaitFailed(listener);
    expect(String(listener.failure)).toContain(fenced);
    await awaitStopped(task);
    expect(adapter()!.state.starts).toBe(1);
  });
});
