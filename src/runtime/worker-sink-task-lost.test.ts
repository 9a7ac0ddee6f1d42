/**
 * WorkerSinkTask when its consumer loses the membership (onPartitionsLost): as Connect's
 * WorkerSinkTask, no record of a lost partition goes to `put` after the loss (the put under way
 * finishes), and the task's close of the lost partitions, which drops what a buffering sink still
 * holds of them, is not held up behind a commit. Regression: HTTP sink across a paused gateway
 * (test/http-sink-gateway-paused.test.ts), where records of lost partitions kept reaching the
 * endpoint after the loss.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord, TopicPartition } from "../api/record.ts";
import { ConnectError } from "../errors.ts";
import { deferred } from "../util/async.ts";
import { memorySinkTask, stopAndAwait } from "./task-test-support.ts";

/**
 * A sink that buffers what `put` hands it and sends it later (`send`, as the HTTP sink's requests),
 * dropping the buffered records of the partitions it closes. The empty puts of an idle task (before
 * each commit) are ignored: these tests are about records.
 */
class BufferingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly calls: string[] = [];
  /** Records sent, in order, as "value@call index" (where in `calls` the send happened). */
  readonly sent: string[] = [];
  private buffered: SinkRecord[] = [];
  /** Resolves the put under way when it is held (`holdPuts`). */
  private held: (() => void) | undefined;
  private holding = false;
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  async put(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.calls.push(`put ${records.map((r) => String(r.value)).join(",")}`);
    this.buffered.push(...records);
    if (!this.holding) return;
    const release = deferred<void>();
    this.held = () => release.resolve();
    await release.promise;
  }
  flush(): void {}
  open(partitions: readonly TopicPartition[]): void {
    this.calls.push(`open ${partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(",")}`);
  }
  close(partitions: readonly TopicPartition[]): void {
    this.calls.push(`close ${partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(",")}`);
    const closed = new Set(partitions.map((tp) => `${tp.topic}-${tp.partition}`));
    this.buffered = this.buffered.filter((r) => !closed.has(`${r.topic}-${r.kafkaPartition}`));
  }
  stop(): void {}
  holdPuts(): void {
    this.holding = true;
  }
  get putHeld(): boolean {
    return this.held !== undefined;
  }
  releasePut(): void {
    this.holding = false;
    this.held?.();
    this.held = undefined;
  }
  /** Sends everything buffered (the endpoint acknowledges it). */
  send(): void {
    for (const r of this.buffered.splice(0)) this.sent.push(String(r.value));
  }
}

/** Commits wait for `release` (the broker holds them up, as while a lost member rejoins), then fail. */
function heldCommits() {
  let commits = 0;
  const gate = deferred<void>();
  return {
    get commits() {
      return commits;
    },
    release: () => gate.reject(new ConnectError("The coordinator is not aware of this member")),
    wrap: <C extends { commit: (...args: never[]) => Promise<void> }>(consumer: C): C => {
      consumer.commit = async () => {
        commits++;
        await gate.promise;
      };
      return consumer;
    },
  };
}

describe("WorkerSinkTask when its partitions are lost", () => {
  test("records of a partition lost during a put are not put afterwards, not even the rest of its batch", async () => {
    const plugin = new BufferingSink();
    const { kafka, task, produce, listener } = memorySinkTask({
      plugin,
      taskClass: "test.BufferingSink",
      offsetFlushIntervalMs: 3_600_000,
      options: { maxPutRecords: 1 },
    });
    produce("a", "b", "c");
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    plugin.holdPuts();
    const delivering = kafka.deliver(); // one batch a,b,c, put one record at a time
    await waitFor(() => plugin.putHeld);
    const rebalancing = kafka.rebalance({ lost: true });
    plugin.releasePut(); // the put under way finishes, as in Connect
    await delivering;
    await rebalancing;
    // b and c were fetched before the loss but are not put after it; the close drops a, unsent.
    expect(plugin.calls).toEqual(["open in-0", "put a", "close in-0", "open in-0"]);
    plugin.send();
    expect(plugin.sent).toEqual([]);
    // The new assignment starts at the committed offset (none): everything comes again, once.
    await kafka.deliver();
    await waitFor(() => plugin.calls.length === 7);
    expect(plugin.calls.slice(4)).toEqual(["put a", "put b", "put c"]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });

  test("the close of lost partitions does not wait for a commit the broker holds up: nothing buffered of them is sent after the loss", async () => {
    const plugin = new BufferingSink();
    const commits = heldCommits();
    const { kafka, task, produce, listener } = memorySinkTask({
      plugin,
      taskClass: "test.BufferingSink",
      offsetFlushIntervalMs: 0, // a commit after every put
      wrapConsumer: commits.wrap,
    });
    produce("a", "b");
    task.start();
    await waitFor(() => plugin.calls.includes("open in-0"));
    // a,b put (buffered by the sink), then their commit waits on the broker (the batch's delivery with it, maybe).
    const delivering = kafka.deliver();
    await waitFor(() => commits.commits === 1, { what: "the commit held", timeoutMs: 3000 });
    expect(plugin.calls).toEqual(["open in-0", "put a,b"]);
    const rebalancing = kafka.rebalance({ lost: true });
    // Closed while the commit is still held: the sink drops a and b at once instead of sending them.
    await waitFor(() => plugin.calls.includes("close in-0"), { what: "the lost partition closed", timeoutMs: 5000 });
    plugin.send();
    expect(plugin.sent).toEqual([]);
    commits.release();
    await delivering;
    await rebalancing;
    expect(plugin.calls).toEqual(["open in-0", "put a,b", "close in-0", "open in-0"]);
    expect(kafka.committed("connect-c", { topic: "in", partition: 0 })).toBeUndefined();
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });
});
