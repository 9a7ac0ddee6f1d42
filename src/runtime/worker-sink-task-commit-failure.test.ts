/**
 * WorkerSinkTask when the group holds up a commit and then refuses it. Regression (explore28, a
 * broker SIGSTOPped with kafka.client=kafkajs): two identical "Commit of offsets threw an unexpected
 * exception" blocks at the same millisecond. They were two commits in turn, never at once: the one
 * held up past offset.flush.interval.ms, then the next, due at once, refused the same way. As
 * Connect's, each failure names its commit's sequence number and offsets, so they are told apart.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord } from "../api/record.ts";
import { ConnectError } from "../errors.ts";
import { deferred } from "../util/async.ts";
import { LogManager } from "../util/logger.ts";
import { memorySinkTask, stopAndAwait, taskBasics } from "./task-test-support.ts";

class CollectingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly values: string[] = [];
  opened = false;
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  async put(records: readonly SinkRecord[]): Promise<void> {
    for (const r of records) this.values.push(String(r.value));
  }
  open(): void {
    this.opened = true;
  }
  stop(): void {}
}

describe("WorkerSinkTask when the group holds up a commit past the interval, then refuses it", () => {
  test("commits run one at a time and each failure is logged once, with its sequence number and offsets", async () => {
    const logged: string[] = [];
    const basics = { ...taskBasics(), log: new LogManager({ sink: (line) => void logged.push(line) }).get("test") };
    const held = deferred<void>();
    let commits = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    const plugin = new CollectingSink();
    const { kafka, task, produce } = memorySinkTask({
      plugin,
      taskClass: "test.CollectingSink",
      offsetFlushIntervalMs: 1, // every commit outlasts the interval
      basics,
      wrapConsumer: (consumer) => {
        const commit = consumer.commit.bind(consumer);
        consumer.commit = async (offsets) => {
          const n = ++commits;
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          try {
            if (n === 1) await held.promise; // the broker holds the first one up
            if (n <= 2) throw new ConnectError("The coordinator is not aware of this member");
            await commit(offsets);
          } finally {
            inFlight--;
          }
        };
        return consumer;
      },
    });
    produce("a", "b");
    task.start();
    await waitFor(() => plugin.opened);
    const delivering = kafka.deliver(); // its batch handler waits for the commit after the put
    await waitFor(() => plugin.values.length === 2 && commits === 1, { what: "the first commit held" });
    held.reject(new ConnectError("The coordinator is not aware of this member"));
    await waitFor(() => kafka.committed("connect-c", { topic: "in", partition: 0 }) === 2, {
      what: "the offsets committed after two refusals",
    });
    await delivering;
    await stopAndAwait(task);
    expect(mostInFlight).toBe(1);
    const errors = logged.filter((l) => l.includes(" ERROR ")).map((l) => l.split("\n")[0]?.replace(/^.* ERROR /, ""));
    // Every commit counts (one with nothing new too, as Connect's commitSeqno): the refused ones follow each other.
    const first = Number(/sequence number (\d+)/.exec(errors[0] ?? "")?.[1]);
    expect(errors).toEqual([
      `[c|task-0] Commit of offsets threw an unexpected exception for sequence number ${first}: {in-0=2}`,
      `[c|task-0] Commit of offsets threw an unexpected exception for sequence number ${first + 1}: {in-0=2}`,
    ]);
  });
});
