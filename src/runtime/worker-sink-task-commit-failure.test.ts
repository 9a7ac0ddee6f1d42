/**
 * WorkerSinkTask when the group holds up a commit and then refuses it. Regression (explore28, a
 * broker SIGSTOPped with kafka.client=kafkajs): two identical "Commit of offsets threw an unexpected
 * exception" blocks at the same millisecond. They were two commits in turn, never at once: the one
 * held up past offset.flush.interval.ms, then the next, due at once, refused the same way. As
 * Connect's, each failure names its commit's sequence number and offsets, so they are told apart.
 * Never at once either when offset.flush.timeout.ms gives one up: the client still runs it, so no
 * other is sent before it settles, or the older one could land last and move the group back.
 * Meanwhile the commit waits, as Connect's loop starts none while `committing`: a commit that could
 * not run neither restarts offset.flush.interval.ms nor drops a requested one (commitsched), and the
 * loop does not spin while it waits.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord, TopicPartitionOffset } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { KafkaConsumer } from "../kafka/kafka-port.ts";
import { deferred } from "../util/async.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { memorySinkTask, stopAndAwait, taskBasics } from "./task-test-support.ts";

class CollectingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly values: string[] = [];
  /** put([]) calls: the loop's, before each interval's commit. */
  emptyPuts = 0;
  /** put calls with records, redeliveries included. */
  recordPuts = 0;
  /** A put with records throws a RetriableError (the endpoint is busy). */
  busy = false;
  opened = false;
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  async put(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) {
      this.emptyPuts++;
      // Yields to timers and I/O, as a real plugin's put does: a loop spinning on put([]) shows as puts
      // counted at each turn instead of starving the test.
      await new Promise((resolve) => setImmediate(resolve));
    } else this.recordPuts++;
    if (this.busy && records.length > 0) throw new RetriableError("endpoint busy");
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
    await waitFor(() => logged.some((l) => l.includes("waits: the commit given up")), {
      what: "a commit due while the given-up one runs",
    });
    held.resolve();
    await waitFor(() => landed.at(-1) === 4, { what: "the offsets past c and d committed" });
    await delivering;
    await stopAndAwait(task);
    expect([landed, counted.mostInFlight, kafka.committed("connect-c", { topic: "in", partition: 0 })]).toEqual([
      [2, 4],
      1,
      4,
    ]);
    // The waiting commit is logged once for the given-up one, not at every turn of the loop.
    expect(logged.filter((l) => l.includes("the commit given up at offset.flush.timeout.ms")).length).toBe(1);
  });
});

describe("WorkerSinkTask while a commit waits for a given-up one (commitsched)", () => {
  const FLUSH_MS = 60_000;
  const p0 = { topic: "in", partition: 0 };
  /** Each test's task, stopped after it even when it failed (a loop that spins would run on through the file). */
  const running: { task: Parameters<typeof stopAndAwait>[0]; held: { resolve(): void } }[] = [];
  afterEach(async () => {
    for (const { task, held } of running.splice(0)) {
      held.resolve();
      await stopAndAwait(task);
    }
  });

  /**
   * On a manual clock: a is put and its commit, requested at 0, is given up at offset.flush.timeout.ms
   * (5 s) while the client still runs it (until `held` resolves); b is put at 5 s. The interval's next
   * commit falls due at 60 s.
   */
  async function withGivenUpCommit() {
    const clock = new ManualClock(0);
    const logged: string[] = [];
    const held = deferred<void>();
    const { counted, wrapConsumer } = countedCommits(async (n, _, commit) => {
      if (n === 1) await held.promise;
      await commit();
    });
    const plugin = new CollectingSink();
    const { kafka, task, produce, listener } = memorySinkTask({
      plugin,
      taskClass: "test.CollectingSink",
      offsetFlushIntervalMs: FLUSH_MS,
      wrapConsumer,
      options: {
        clock,
        log: new LogManager({ sink: (line) => void logged.push(line) }).get("test"),
        offsetFlushTimeoutMs: 5000,
      },
    });
    // Only a notify wakes the loop (and the paused wait), not their wait's cap: the wake-ups these
    // tests need are the task's own. The waits it asks for are recorded.
    const waits: number[] = [];
    const wake = task as unknown as { waitForWake(ms: number): Promise<void> };
    const waitForWake = wake.waitForWake.bind(task);
    wake.waitForWake = (ms: number) => {
      waits.push(ms);
      return waitForWake(3_600_000);
    };
    running.push({ task, held });
    task.start();
    await waitFor(() => plugin.opened);
    produce("a");
    await kafka.deliver();
    plugin.context.requestCommit();
    await waitFor(() => counted.commits === 1 && clock.pending === 1, { what: "the commit of a sent, held" });
    clock.advance(5000);
    await waitFor(() => logged.some((l) => l.includes("Commit of offsets timed out")), { what: "it given up" });
    produce("b");
    await kafka.deliver();
    /**
     * An idle put the task asks for (context.timeout) at the clock's next step: once made, the loop
     * has turned since that step, past its commit check. Resolves with the put([]) calls made meanwhile.
     */
    const loopTurnedAt = async (ms: number) => {
      const before = plugin.emptyPuts;
      plugin.context.timeout(ms - clock.monotonic());
      clock.set(ms);
      await waitFor(() => plugin.emptyPuts > before, { what: `the idle put at ${ms} ms` });
      return plugin.emptyPuts - before;
    };
    return { clock, counted, held, kafka, listener, logged, loopTurnedAt, plugin, produce, task, waits };
  }

  test("a commit due while it runs is made as soon as it settled, not an interval later", async () => {
    const { counted, held, kafka, loopTurnedAt, plugin, task } = await withGivenUpCommit();
    expect(await loopTurnedAt(FLUSH_MS)).toBe(1); // the commit due at 60 s waits
    const emptyPuts = plugin.emptyPuts;
    held.resolve();
    // The clock stays at 60 s: the commit does not wait for the next interval.
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "b committed", timeoutMs: 5000 });
    // As every interval's commit, a put([]) comes before it (Connect's poll that returned nothing).
    expect([counted.commits, counted.mostInFlight, plugin.emptyPuts - emptyPuts]).toEqual([2, 1, 1]);
    await stopAndAwait(task);
  });

  test("a commit requested while it runs stays requested, and is made as soon as it settled", async () => {
    const { counted, held, kafka, loopTurnedAt, plugin, task } = await withGivenUpCommit();
    plugin.context.requestCommit();
    await loopTurnedAt(6000); // long before the interval's commit
    expect(counted.commits).toBe(1);
    held.resolve();
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "b committed", timeoutMs: 5000 });
    expect([counted.commits, counted.mostInFlight]).toEqual([2, 1]);
    await stopAndAwait(task);
  });

  test("the loop does not spin while the commit is late and cannot run: no put([]) and no commit at each turn", async () => {
    const { counted, held, kafka, loopTurnedAt, task, waits } = await withGivenUpCommit();
    // Late by the idle put's 1 s, the loop turned: one put([]) (the interval's, which the idle put's
    // timeout waited for too), and the commit still waits.
    expect(await loopTurnedAt(FLUSH_MS + 1000)).toBe(1);
    const from = waits.length;
    expect(await loopTurnedAt(FLUSH_MS + 2000)).toBe(1);
    expect(waits.slice(from).filter((ms) => ms <= 0)).toEqual([]);
    expect(counted.commits).toBe(1);
    held.resolve();
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "b committed", timeoutMs: 5000 });
    await stopAndAwait(task);
  });

  test("while it cannot run, the plugin still gets the interval's put([]), once an interval, without a commit", async () => {
    const { clock, counted, held, kafka, plugin, task } = await withGivenUpCommit();
    const emptyPuts = plugin.emptyPuts;
    const emptyPutsAt = (ms: number) => {
      const before = plugin.emptyPuts;
      clock.set(ms);
      plugin.context.requestCommit(); // wakes the loop, which would not make the commit (it cannot run)
      return waitFor(() => plugin.emptyPuts > before, { what: `the interval's put([]) at ${ms} ms` });
    };
    await emptyPutsAt(FLUSH_MS);
    await emptyPutsAt(2 * FLUSH_MS);
    expect([plugin.emptyPuts - emptyPuts, counted.commits]).toEqual([2, 1]);
    held.resolve();
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "b committed", timeoutMs: 5000 });
    await stopAndAwait(task);
  });

  test("while PAUSED, a commit requested while it runs is made as soon as it settled (Connect commits on request while paused)", async () => {
    const { counted, held, kafka, listener, plugin, task } = await withGivenUpCommit();
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.includes("PAUSED"));
    plugin.context.requestCommit();
    held.resolve(); // its settling wakes the paused wait
    await waitFor(() => kafka.committed("connect-c", p0) === 2, { what: "b committed", timeoutMs: 5000 });
    expect([counted.commits, counted.mostInFlight]).toEqual([2, 1]);
    await stopAndAwait(task);
  });

  test("a put's redelivery while the commit is late and cannot run comes an interval later, not at once", async () => {
    const { clock, held, kafka, logged, plugin, produce, task } = await withGivenUpCommit();
    clock.set(FLUSH_MS);
    plugin.busy = true;
    const recordPuts = plugin.recordPuts;
    produce("c");
    const delivering = kafka.deliver().catch(() => undefined);
    await waitFor(() => logged.some((l) => l.includes("redelivering 1 records in")), {
      what: "the redelivery planned",
    });
    expect(logged.flatMap((l) => /redelivering 1 records in (\d+) ms/.exec(l)?.[1] ?? [])).toEqual([`${FLUSH_MS}`]);
    expect(plugin.recordPuts - recordPuts).toBe(1);
    plugin.busy = false;
    held.resolve();
    clock.set(2 * FLUSH_MS);
    await waitFor(() => kafka.committed("connect-c", p0) === 3, { what: "c put and committed" });
    await stopAndAwait(task);
    await delivering;
  });
});
