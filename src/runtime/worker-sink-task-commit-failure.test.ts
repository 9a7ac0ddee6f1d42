/**
 * WorkerSinkTask when the group holds up a commit and then refuses it. Regression (explore28, a
 * broker SIGSTOPped with kafka.client=kafkajs): two identical "Commit of offsets threw an unexpected
 * exception" blocks at the same millisecond. They were two commits in turn, never at once: the one
 * held up past offset.flush.interval.ms, then the next, due at once, refused the same way. As
 * Connect's, each failure names its commit's sequence number and offsets, so they are told apart.
 * Never at once either when offset.flush.timeout.ms gives one up: the client still runs it, so no
 * other is sent before it settles, or the older one could land last and move the group back.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord, TopicPartitionOffset } from "../api/record.ts";
import { ConnectError } from "../errors.ts";
import type { KafkaConsumer } from "../kafka/kafka-port.ts";
import { deferred } from "../util/async.ts";
import { LogManager } from "../util/logger.ts";
import { memorySinkTask, stopAndAwait, taskBasics } from "./task-test-support.ts";

class CollectingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly values: string[] = [];
  /** put([]) calls: the loop's, before each interval's commit. */
  emptyPuts = 0;
  opened = false;
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  async put(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) this.emptyPuts++;
    for (const r of records) this.values.push(String(r.value));
  }
  open(): void {
    this.opened = true;
  }
  stop(): void {}
}

/**
 * A consumer wrapper whose n-th commit runs `run(n, offsets, commit)` (`commit` sends it to the
 * group), counting the commits, and the most of them in flight at once.
 */
function countedCommits(
  run: (n: number, offsets: readonly TopicPartitionOffset[], commit: () => Promise<void>) => Promise<void>,
) {
  const counted = { commits: 0, inFlight: 0, mostInFlight: 0 };
  const wrapConsumer = (consumer: KafkaConsumer) => {
    const commit = consumer.commit.bind(consumer);
    consumer.commit = async (offsets) => {
      const n = ++counted.commits;
      counted.mostInFlight = Math.max(counted.mostInFlight, ++counted.inFlight);
      try {
        await run(n, offsets, () => commit(offsets));
      } finally {
        counted.inFlight--;
      }
    };
    return consumer;
  };
  return { counted, wrapConsumer };
}

describe("WorkerSinkTask when the group holds up a commit past the interval, then refuses it", () => {
  test("commits run one at a time and each failure is logged once, with its sequence number and offsets", async () => {
    const logged: string[] = [];
    const basics = { ...taskBasics(), log: new LogManager({ sink: (line) => void logged.push(line) }).get("test") };
    const held = deferred<void>();
    const { counted, wrapConsumer } = countedCommits(async (n, _, commit) => {
      if (n === 1) await held.promise; // the broker holds the first one up
      if (n <= 2) throw new ConnectError("The coordinator is not aware of this member");
      await commit();
    });
    const plugin = new CollectingSink();
    const { kafka, task, produce } = memorySinkTask({
      plugin,
      taskClass: "test.CollectingSink",
      offsetFlushIntervalMs: 1, // every commit outlasts the interval
      basics,
      wrapConsumer,
    });
    produce("a", "b");
    task.start();
    await waitFor(() => plugin.opened);
    const delivering = kafka.deliver(); // its batch handler waits for the commit after the put
    await waitFor(() => plugin.values.length === 2 && counted.commits === 1, { what: "the first commit held" });
    held.reject(new ConnectError("The coordinator is not aware of this member"));
    await waitFor(() => kafka.committed("connect-c", { topic: "in", partition: 0 }) === 2, {
      what: "the offsets committed after two refusals",
    });
    await delivering;
    await stopAndAwait(task);
    expect(counted.mostInFlight).toBe(1);
    const errors = logged.filter((l) => l.includes(" ERROR ")).map((l) => l.split("\n")[0]?.replace(/^.* ERROR /, ""));
    // Every commit counts (one with nothing new too, as Connect's commitSeqno): the refused ones follow each other.
    const first = Number(/sequence number (\d+)/.exec(errors[0] ?? "")?.[1]);
    expect(errors).toEqual([
      `[c|task-0] Commit of offsets threw an unexpected exception for sequence number ${first}: {in-0=2}`,
      `[c|task-0] Commit of offsets threw an unexpected exception for sequence number ${first + 1}: {in-0=2}`,
    ]);
  });
});

describe("WorkerSinkTask when offset.flush.timeout.ms gives up a commit the client still runs", () => {
  test("no other commit is sent before it lands: at most one in flight, the group's offset never goes back", async () => {
    const logged: string[] = [];
    const logs = new LogManager({ sink: (line) => void logged.push(line), rootLevel: "DEBUG" });
    const basics = { ...taskBasics(), log: logs.get("test") };
    const held = deferred<void>();
    const landed: number[] = [];
    const { counted, wrapConsumer } = countedCommits(async (n, offsets, commit) => {
      if (n === 1) await held.promise; // the broker holds the first one up past the timeout
      await commit();
      landed.push(...offsets.map((o) => o.offset));
    });
    const plugin = new CollectingSink();
    const { kafka, task, produce } = memorySinkTask({
      plugin,
      taskClass: "test.CollectingSink",
      offsetFlushIntervalMs: 20,
      options: { offsetFlushTimeoutMs: 50 },
      basics,
      wrapConsumer,
    });
    produce("a", "b");
    task.start();
    await waitFor(() => plugin.opened);
    const delivering = kafka.deliver();
    await waitFor(() => logged.some((l) => l.includes("Commit of offsets timed out")), { what: "the first given up" });
    produce("c", "d");
    await kafka.deliver();
    await waitFor(() => plugin.values.length === 4);
    // Two turns of the interval since c and d were put: the first turn's commit came (and was skipped) before the second's put.
    const puts = plugin.emptyPuts;
    await waitFor(() => plugin.emptyPuts >= puts + 2, { what: "commits due while the given-up one runs" });
    held.resolve();
    await waitFor(() => landed.at(-1) === 4, { what: "the offsets past c and d committed" });
    await delivering;
    await stopAndAwait(task);
    expect([landed, counted.mostInFlight, kafka.committed("connect-c", { topic: "in", partition: 0 })]).toEqual([
      [2, 4],
      1,
      4,
    ]);
    // The skipped commits are logged once for the given-up one, not every interval.
    expect(logged.filter((l) => l.includes("the commit given up at offset.flush.timeout.ms")).length).toBe(1);
  });
});
