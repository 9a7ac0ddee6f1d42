import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask } from "../api/connector.ts";
import type { TopicPartition, TopicPartitionOffset } from "../api/record.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { KafkaConsumer } from "../kafka/kafka-port.ts";
import { deferred } from "../util/async.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { SinkOffsets } from "./sink-offsets.ts";
import { TaskMetrics } from "./task-metrics.ts";

const tp = (partition: number): TopicPartition => ({ topic: "in", partition });
const at = (partition: number, offset: number): TopicPartitionOffset => ({ topic: "in", partition, offset });

/**
 * SinkOffsets over a task and a live consumer that record the calls, in one list. The consumer's
 * commit throws `commitFailure` every time, or each of a list once in turn; each commit first waits
 * for `o.commitsHeld` when given (the group does not answer), or for each of a list once in turn.
 * `landed` lists the offsets of partition 0 in the order the group applied them; `givenUpSettled`
 * counts the given-up commits that settled.
 */
function setup(
  task: Partial<SinkTask> = {},
  commitFailure?: Error | Error[],
  o: { commitTimeoutMs?: number; commitsHeld?: Promise<void> | Promise<void>[]; debug?: boolean } = {},
) {
  const calls: string[] = [];
  const landed: number[] = [];
  const inFlight = { now: 0, most: 0 };
  const givenUpSettled = { count: 0 };
  const logged: string[] = [];
  const metrics = new TaskMetrics();
  let cancelled = false;
  const consumer = {
    commit: async (offsets: readonly TopicPartitionOffset[]) => {
      calls.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(",")}`);
      inFlight.most = Math.max(inFlight.most, ++inFlight.now);
      try {
        await (Array.isArray(o.commitsHeld) ? o.commitsHeld.shift() : o.commitsHeld);
        const failure = Array.isArray(commitFailure) ? commitFailure.shift() : commitFailure;
        if (failure) throw failure;
        for (const c of offsets) if (c.partition === 0) landed.push(c.offset);
      } finally {
        inFlight.now--;
      }
    },
    seek: (o: TopicPartitionOffset) => void calls.push(`seek ${o.partition}@${o.offset}`),
    // Partition p is at 5·p unless `positionFailures` has errors for it (each thrown once, in turn).
    position: async (p: TopicPartition) => {
      calls.push(`position ${p.partition}`);
      const failure = positionFailures.get(p.partition)?.shift();
      if (failure) throw failure;
      return 5 * p.partition;
    },
    assignment: () => assigned,
  } as unknown as KafkaConsumer;
  const positionFailures = new Map<number, Error[]>();
  let assigned = [tp(0), tp(1), tp(2)];
  const stop = new AbortController();
  const clock = new ManualClock();
  const offsets = new SinkOffsets({
    task: {
      close: (partitions: readonly TopicPartition[]) => {
        calls.push(`close ${partitions.map((p) => p.partition).join(",")}`);
      },
      ...task,
    } as SinkTask,
    operator: {
      flush: async () => {
        calls.push("dlq flush");
      },
    },
    metrics,
    log: new LogManager({ sink: (line) => void logged.push(line), ...(o.debug ? { rootLevel: "DEBUG" } : {}) }).get(
      "test",
    ),
    clock,
    consumer: () => consumer,
    cancelled: () => cancelled,
    stopSignal: () => stop.signal,
    givenUpSettled: () => givenUpSettled.count++,
    ...(o.commitTimeoutMs === undefined ? {} : { commitTimeoutMs: o.commitTimeoutMs }),
  });
  offsets.live = true;
  /** The worker abandons the task (WorkerTask.cancel). */
  const cancel = () => {
    cancelled = true;
  };
  /** The consumer gives up `partitions` (a rebalance overtook the task's callback). */
  const unassign = (...partitions: number[]) => {
    assigned = assigned.filter((a) => !partitions.includes(a.partition));
  };
  return {
    calls,
    logged,
    metrics,
    offsets,
    cancel,
    clock,
    positionFailures,
    unassign,
    stop,
    landed,
    inFlight,
    givenUpSettled,
  };
}

/** Lets every callback already due run (timers the manual clock fired, promise reactions). */
const callbacksRun = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("SinkOffsets", () => {
  test("once any offset preCommit confirms moved, commits it with every other requested partition at its last commit, as Connect's committable offsets", async () => {
    const { calls, offsets } = setup({
      preCommit: (pending) => pending.map((o) => (o.partition === 1 ? at(1, 3) : o)),
    });
    offsets.advance(at(0, 10));
    offsets.advance(at(1, 7));
    await offsets.commit();
    await offsets.commit();
    offsets.advance(at(0, 12));
    await offsets.commit();
    expect(calls).toEqual(["dlq flush", "commit 0@10,1@3", "dlq flush", "commit 0@12,1@3"]);
  });

  test("assigned partitions start at the consumer's position (Connect's onPartitionsAssigned): flushed every commit, committed along once any moved", async () => {
    const flushed: string[] = [];
    const { calls, offsets } = setup({
      flush: (pending) => void flushed.push(pending.map((o) => `${o.partition}@${o.offset}`).join(",")),
    });
    await offsets.assigned([tp(0), tp(1), tp(2)]);
    calls.length = 0;
    // Nothing consumed: flushed, nothing committed (Connect's "no change since last commit").
    await offsets.commit();
    offsets.advance(at(0, 3));
    await offsets.commit();
    expect(flushed).toEqual(["0@0,1@5,2@10", "0@3,1@5,2@10"]);
    expect(calls).toEqual(["dlq flush", "commit 0@3,1@5,2@10"]);
  });

  describe("a position that cannot be resolved (Connect's consumer.position() in onPartitionsAssigned)", () => {
    test("a retriable failure is retried with the consumer's backoff", async () => {
      const { calls, clock, offsets, positionFailures } = setup();
      positionFailures.set(2, [new RetriableError("coordinator loading"), new RetriableError("coordinator loading")]);
      const assigned = offsets.assigned([tp(0), tp(1), tp(2)]);
      await waitFor(() => clock.pending === 1, { what: "the first backoff" });
      clock.advance(100);
      await waitFor(() => clock.pending === 1 && calls.length === 4, { what: "the second backoff" });
      clock.advance(200);
      await assigned;
      expect(clock.sleeps).toEqual([100, 200]);
      offsets.advance(at(0, 1));
      await offsets.commit();
      expect(calls.slice(-1)).toEqual(["commit 0@1,1@5,2@10"]);
    });

    test("still failing after default.api.timeout.ms (60 s): rejects with Java's TimeoutException message", async () => {
      const { clock, offsets, positionFailures } = setup();
      positionFailures.set(
        2,
        Array.from({ length: 100 }, () => new RetriableError("coordinator loading")),
      );
      const assigned = offsets.assigned([tp(0), tp(2)]);
      let settled = false;
      assigned
        .catch(() => {})
        .finally(() => {
          settled = true;
        });
      while (!settled) {
        await waitFor(() => clock.pending === 1 || settled, { what: "the next backoff", intervalMs: 1 });
        clock.advanceToNext();
      }
      await expect(assigned).rejects.toThrow(
        "Timeout of 60000ms expired before the position for partition in-2 could be determined",
      );
      expect(clock.monotonic()).toBe(60_000);
    });

    test("a failure that is not retriable rejects at once", async () => {
      const { calls, offsets, positionFailures } = setup();
      positionFailures.set(1, [new ConnectError("Not authorized to access group")]);
      await expect(offsets.assigned([tp(0), tp(1)])).rejects.toThrow("Not authorized to access group");
      expect(calls.filter((c) => c === "position 1")).toHaveLength(1);
    });

    test("a partition given up meanwhile (a rebalance or stop overtook the callback) is skipped", async () => {
      const { calls, clock, offsets, positionFailures, unassign, stop } = setup();
      positionFailures.set(1, [new RetriableError("coordinator loading")]);
      positionFailures.set(2, [new ConnectError("No current assignment for partition in-2")]);
      unassign(2);
      const assigned = offsets.assigned([tp(0), tp(1), tp(2)]);
      await waitFor(() => clock.pending === 1, { what: "the backoff of partition 1" });
      stop.abort();
      await assigned;
      offsets.advance(at(0, 1));
      await offsets.commit();
      expect(calls.slice(-1)).toEqual(["commit 0@1"]);
    });
  });

  test("ignores what preCommit returns past what was put or for partitions not assigned, at WARN, as Connect", async () => {
    const { calls, logged, offsets } = setup({
      preCommit: () => [at(0, 11), at(1, 7), at(5, 2)],
    });
    offsets.advance(at(0, 10));
    offsets.advance(at(1, 7));
    await offsets.commit();
    expect(calls).toEqual(["dlq flush", "commit 1@7"]);
    expect(logged.filter((l) => l.includes(" WARN "))).toEqual([
      expect.stringContaining(
        "Ignoring invalid task provided offset in-0/11 -- not yet consumed, taskOffset=11 currentOffset=10",
      ),
      expect.stringContaining("Ignoring invalid task provided offset in-5/2 -- partition not assigned"),
    ]);
  });

  describe("when flush/preCommit throws (Connect's rewind to the last committed offsets)", () => {
    /** A task whose flush throws while `failing` holds errors, recording the flushes. */
    function failingFlush() {
      const failing: Error[] = [];
      const s = setup({
        flush: (pending) => {
          s.calls.push(`flush ${pending.map((o) => `${o.partition}@${o.offset}`).join(",")}`);
          const error = failing.shift();
          if (error) throw error;
        },
      });
      return { ...s, failing };
    }

    test("seeks each pending partition to its last commit and commits nothing past it afterwards", async () => {
      const { calls, logged, metrics, offsets, failing } = failingFlush();
      const rewound: string[] = [];
      offsets.onRewind((tps) => rewound.push(tps.map((o) => `${o.partition}`).join(",")));
      offsets.consumed(at(0, 0));
      offsets.advance(at(0, 2));
      await offsets.commit();
      offsets.consumed(at(0, 2));
      offsets.consumed(at(1, 40));
      offsets.advance(at(0, 3));
      offsets.advance(at(1, 42));
      failing.push(new Error("buffer dropped"));
      await offsets.commit();
      // Nothing more was put: the next commit sends nothing past what the failed flush held.
      await offsets.commit();
      expect(calls).toEqual([
        "flush 0@2",
        "dlq flush",
        "commit 0@2",
        "flush 0@3,1@42",
        "seek 0@2",
        "seek 1@40",
        "flush 0@2,1@40",
        "dlq flush",
        "commit 0@2,1@40",
      ]);
      expect(rewound).toEqual(["0,1"]);
      expect(metrics.offsetCommitFailure).toBe(1);
      expect(logged.filter((l) => l.includes(" ERROR "))).toEqual([
        expect.stringContaining("Offset commit failed, rewinding to last committed offsets"),
      ]);
    });

    test("before any commit since the assignment, goes back to the first offset consumed since it", async () => {
      const { calls, offsets, failing } = failingFlush();
      offsets.consumed(at(0, 7));
      offsets.advance(at(0, 8));
      offsets.consumed(at(0, 8));
      offsets.advance(at(0, 9));
      failing.push(new Error("buffer dropped"));
      await offsets.commit();
      offsets.forget([tp(0)]);
      offsets.consumed(at(0, 20));
      offsets.advance(at(0, 21));
      failing.push(new Error("buffer dropped"));
      await offsets.commit();
      expect(calls).toEqual(["flush 0@9", "seek 0@7", "flush 0@21", "seek 0@20"]);
    });

    test("after the task's seek (context.offset), goes back to the offset it asked for, as Connect's lastCommittedOffsets", async () => {
      const { calls, offsets, failing } = failingFlush();
      offsets.consumed(at(0, 0));
      offsets.advance(at(0, 5));
      await offsets.commit();
      offsets.seek(at(0, 2));
      offsets.advance(at(0, 6));
      failing.push(new Error("buffer dropped"));
      await offsets.commit();
      expect(calls).toEqual(["flush 0@5", "dlq flush", "commit 0@5", "seek 0@2", "flush 0@6", "seek 0@2"]);
    });

    test("a failed commit to the group (the flush succeeded) does not rewind, as Connect's onCommitCompleted", async () => {
      const { calls, metrics, offsets } = setup({}, new Error("coordinator moved"));
      offsets.consumed(at(0, 0));
      offsets.advance(at(0, 1));
      await offsets.commit();
      expect(calls).toEqual(["dlq flush", "commit 0@1"]);
      expect(metrics.offsetCommitFailure).toBe(1);
    });
  });

  test("seek (the task's context.offset): seeks, sets the current offset, notifies the rewind listener; committing it alone sends nothing", async () => {
    const { calls, offsets } = setup();
    const rewound: string[] = [];
    offsets.onRewind((tps) => rewound.push(tps.map((o) => `${o.partition}`).join(",")));
    offsets.advance(at(0, 9));
    offsets.seek(at(0, 4));
    await offsets.commit();
    expect(calls).toEqual(["seek 0@4"]);
    expect(rewound).toEqual(["0"]);
  });

  describe("only through a live consumer (the adapters drop a commit on one closed or stopping without an error)", () => {
    test("while the consumer is being replaced no commit may run (nothing flushed, committed or counted); once it is live the offsets go", async () => {
      const { calls, metrics, offsets } = setup({ flush: () => void calls.push("flush") });
      offsets.advance(at(0, 5));
      offsets.live = false;
      expect(offsets.mayCommit()).toBe(false);
      await offsets.commit();
      expect(calls).toEqual([]);
      expect(metrics.offsetCommitSuccess + metrics.offsetCommitFailure).toBe(0);
      offsets.live = true;
      expect(offsets.mayCommit()).toBe(true);
      await offsets.commit();
      expect(calls).toEqual(["flush", "dlq flush", "commit 0@5"]);
      expect(metrics.offsetCommitSuccess).toBe(1);
    });

    test("a commit that waits for it says why (DEBUG) only with offsets pending", () => {
      const { logged, offsets } = setup({}, undefined, { debug: true });
      offsets.live = false;
      offsets.commitWaits(); // nothing consumed yet
      offsets.advance(at(0, 5));
      offsets.commitWaits();
      expect(logged.map((l) => l.replace(/^.* DEBUG /, ""))).toEqual([
        "Offset commit of 1 partitions waits: the consumer is not running (test)",
      ]);
    });

    test("a consumer that stops during the flush: the commit is not made, and counts as failed, not done; the next one sends it", async () => {
      let stops = 1;
      const { calls, logged, metrics, offsets } = setup({
        flush: () => {
          calls.push("flush");
          if (stops-- > 0) offsets.live = false;
        },
      });
      offsets.advance(at(0, 5));
      await offsets.commit();
      expect(calls).toEqual(["flush", "dlq flush"]);
      expect([metrics.offsetCommitSuccess, metrics.offsetCommitFailure]).toEqual([0, 1]);
      expect(logged.filter((l) => l.includes(" ERROR "))).toEqual([
        expect.stringContaining("Commit of offsets threw an unexpected exception"),
      ]);
      offsets.live = true;
      await offsets.commit();
      expect(calls.slice(2)).toEqual(["flush", "dlq flush", "commit 0@5"]);
    });

    test("a commit the group refuses (rebalance in progress, unknown member) is kept: the next one sends the same offsets, with no new records", async () => {
      const refusals = [new RetriableError("REBALANCE_IN_PROGRESS"), new RetriableError("UNKNOWN_MEMBER_ID")];
      const { calls, metrics, offsets } = setup({}, refusals);
      offsets.advance(at(0, 5));
      for (let i = 0; i < 4; i++) await offsets.commit();
      // Refused twice, committed the third time; the fourth has nothing new to send (a success, as
      // Connect's "Skipping offset commit, no change since last commit").
      expect(calls.filter((c) => c !== "dlq flush")).toEqual(["commit 0@5", "commit 0@5", "commit 0@5"]);
      expect([metrics.offsetCommitSuccess, metrics.offsetCommitFailure]).toEqual([2, 2]);
    });

    test("a revocation without a live consumer only closes the partitions, as lost ones: nothing flushed or committed", async () => {
      const { calls, offsets } = setup({ flush: () => void calls.push("flush") });
      offsets.advance(at(0, 5));
      offsets.live = false;
      await offsets.closePartitions([tp(0)]);
      expect(calls).toEqual(["close 0"]);
    });
  });

  // explore27: a 2.6 KB trace every commit interval per sink task while the broker was down (22 MB a day).
  describe("commits failing while Kafka is unreachable are logged within the outage log budget", () => {
    test("the first five with their trace, then one line a minute with the count not logged; in full again after a commit succeeds", async () => {
      const unreachable = () =>
        new RetriableError("Failed to commit offsets: commit failed 4 times.", {
          cause: new Error("Connection to 127.0.0.1:9092 failed."),
        });
      const failures = Array.from({ length: 22 }, unreachable);
      const { clock, logged, metrics, offsets } = setup({}, failures);
      offsets.advance(at(0, 5));
      // Connect's offset.flush.interval.ms (10 s): failing from 0 s to 210 s, committed at 220 s, failing at 230 s.
      const commitEveryInterval = async (times: number) => {
        for (let i = 0; i < times; i++) {
          await offsets.commit();
          clock.advance(10_000);
        }
      };
      await commitEveryInterval(23);
      offsets.advance(at(0, 6));
      failures.push(unreachable());
      await commitEveryInterval(1);
      const commit = (seq: number, offset = 5) =>
        `ERROR Commit of offsets threw an unexpected exception for sequence number ${seq}: {in-0=${offset}}`;
      const full = (seq: number, offset?: number) => `${commit(seq, offset)} [trace]`;
      const thinned = (seq: number, n: number) =>
        `${commit(seq)} (${n} failed commits not logged): Failed to commit offsets: commit failed 4 times. (test)`;
      expect(
        logged.map((l) => {
          const [first, ...rest] = l.replace(/^\[[^\]]+\] /, "").split("\n");
          return rest.some((r) => r.includes("Caused by: Error: Connection to 127.0.0.1:9092 failed."))
            ? `${first} [trace]`
            : first;
        }),
      ).toEqual([
        ...[1, 2, 3, 4, 5].map((seq) => full(seq)), // 0 s to 40 s
        thinned(11, 5), // 100 s, after 50 s to 90 s
        thinned(17, 5), // 160 s
        "INFO Committed offsets after retrying (5 failed commits not logged) (test)", // 220 s, after 170 s to 210 s
        full(24, 6), // 230 s
      ]);
      expect([metrics.offsetCommitSuccess, metrics.offsetCommitFailure]).toEqual([1, 23]);
    });
  });

  describe("a task abandoned while a commit is under way commits nothing (Connect's doCommit)", () => {
    test("abandoned during the DLQ flush of a commit (SinkTask.cancel cut its requests short)", async () => {
      const { calls, offsets, cancel } = setup();
      offsets.advance(at(0, 5));
      const commit = offsets.commit();
      cancel();
      await commit;
      expect(calls).toEqual(["dlq flush"]);
    });

    test("abandoned while close of revoked partitions waited: their preCommitted offsets are not committed", async () => {
      const { calls, offsets, cancel } = setup({
        close: () => {
          calls.push("close 0");
          cancel();
        },
      });
      offsets.advance(at(0, 5));
      await offsets.closePartitions([tp(0)]);
      expect(calls).toEqual(["close 0", "dlq flush"]);
    });
  });

  describe("closePartitions (Connect's, for revoked partitions)", () => {
    test("flush, then close, then the commit of the revoked partitions only; they are forgotten after", async () => {
      const { calls, offsets } = setup({
        flush: (pending) => void calls.push(`flush ${pending.map((o) => o.partition).join(",")}`),
      });
      offsets.advance(at(0, 5));
      offsets.advance(at(1, 9));
      await offsets.closePartitions([tp(1)]);
      expect(calls).toEqual(["flush 1", "close 1", "dlq flush", "commit 1@9"]);
      offsets.forget([tp(1)]);
      await offsets.commit();
      expect(calls.slice(4)).toEqual(["flush 0", "dlq flush", "commit 0@5"]);
    });

    test("a revocation commits only the revoked partitions preCommit returned, not the others it named", async () => {
      const { calls, offsets } = setup({ preCommit: () => [at(0, 5), at(1, 9)] });
      offsets.advance(at(0, 5));
      offsets.advance(at(1, 9));
      await offsets.closePartitions([tp(1)]);
      expect(calls).toEqual(["close 1", "dlq flush", "commit 1@9"]);
    });

    test("a failing preCommit still closes the partitions and commits nothing", async () => {
      const { calls, metrics, offsets } = setup({
        preCommit: () => {
          throw new Error("endpoint gone");
        },
      });
      offsets.advance(at(0, 5));
      await offsets.closePartitions([tp(0)]);
      expect(calls).toEqual(["close 0"]);
      expect(metrics.offsetCommitFailure).toBe(1);
    });

    test("a failing close is thrown (it fails the task), after the flush and without a commit", async () => {
      const { calls, offsets } = setup({
        flush: () => void calls.push("flush"),
        close: () => {
          throw new Error("close failed");
        },
      });
      offsets.advance(at(0, 5));
      await expect(offsets.closePartitions([tp(0)])).rejects.toThrow("close failed");
      expect(calls).toEqual(["flush"]);
    });

    test("a partition with nothing put is still closed", async () => {
      const { calls, offsets } = setup();
      await offsets.closePartitions([tp(3)]);
      expect(calls).toEqual(["close 3"]);
    });
  });

  describe("the preCommit after close (what the first one held back, confirmed while close waited)", () => {
    type Answer = (asked: readonly TopicPartitionOffset[]) => TopicPartitionOffset[];

    /**
     * A task whose preCommit gives, call after call, each of `answers` in turn, recording what it
     * was asked in `calls`; its close runs `onClose` (with the setup) as close returns.
     */
    function answering(answers: Answer[], onClose: (s: ReturnType<typeof setup>) => void = () => {}) {
      const s = setup({
        preCommit: (asked) => {
          s.calls.push(`preCommit ${asked.map((o) => `${o.partition}@${o.offset}`).join(",")}`);
          return answers.shift()!(asked);
        },
        close: (partitions) => {
          s.calls.push(`close ${partitions.map((p) => p.partition).join(",")}`);
          onClose(s);
        },
      });
      return s;
    }

    test("only the partitions the first answer held back are asked again", async () => {
      const { calls, offsets } = answering([() => [at(0, 3), at(1, 9)], () => [at(0, 5)]]);
      offsets.advance(at(0, 5));
      offsets.advance(at(1, 9));
      await offsets.closePartitions([tp(0), tp(1)]);
      expect(calls).toEqual(["preCommit 0@5,1@9", "close 0,1", "preCommit 0@5", "dlq flush", "commit 0@5,1@9"]);
    });

    test("each partition keeps the further of its two answers, never a lower one", async () => {
      const { calls, offsets } = answering([() => [at(0, 3), at(1, 4), at(2, 11)], () => [at(0, 5), at(1, 2)]]);
      offsets.advance(at(0, 5));
      offsets.advance(at(1, 9));
      offsets.advance(at(2, 12));
      await offsets.closePartitions([tp(0), tp(1), tp(2)]);
      // 0 moved on to 5; 1 answered lower (2) and 2 not at all the second time: both keep their first answer.
      expect(calls.slice(2)).toEqual(["preCommit 0@5,1@9,2@12", "dlq flush", "commit 0@5,1@4,2@11"]);
    });

    test("a second preCommit that throws keeps the first answer, with a WARN", async () => {
      const { calls, logged, metrics, offsets } = answering([
        () => [at(0, 3)],
        () => {
          throw new ConnectError("endpoint refused the credentials");
        },
      ]);
      offsets.advance(at(0, 5));
      await offsets.closePartitions([tp(0)]);
      expect(calls).toEqual(["preCommit 0@5", "close 0", "preCommit 0@5", "dlq flush", "commit 0@3"]);
      expect(metrics.offsetCommitSuccess).toBe(1);
      expect(logged.filter((l) => l.includes(" WARN "))).toEqual([
        expect.stringContaining("Offset commit after close kept what was confirmed before the close"),
      ]);
    });

    test("a task cancelled while close waited is not asked again, and commits nothing", async () => {
      const { calls, offsets } = answering([() => [at(0, 3)], () => [at(0, 5)]], (s) => s.cancel());
      offsets.advance(at(0, 5));
      await offsets.closePartitions([tp(0)]);
      expect(calls).toEqual(["preCommit 0@5", "close 0", "dlq flush"]);
    });

    test("a task whose consumer stopped while close waited is not asked again, and commits nothing", async () => {
      const { calls, metrics, offsets } = answering([() => [at(0, 3)], () => [at(0, 5)]], (s) => {
        s.offsets.live = false;
      });
      offsets.advance(at(0, 5));
      await offsets.closePartitions([tp(0)]);
      expect(calls).toEqual(["preCommit 0@5", "close 0", "dlq flush"]);
      expect(metrics.offsetCommitFailure).toBe(1);
    });

    test("a partition the first answer left out is not asked again, nor committed on the second answer", async () => {
      const { calls, offsets } = answering([() => [at(0, 3)], () => [at(0, 5), at(1, 9)]]);
      offsets.advance(at(0, 5));
      offsets.advance(at(1, 9));
      await offsets.closePartitions([tp(0), tp(1)]);
      expect(calls).toEqual(["preCommit 0@5,1@9", "close 0,1", "preCommit 0@5", "dlq flush", "commit 0@5"]);
    });
  });
  describe("offset.flush.timeout.ms (explore28: the group held a commit up for as long as the broker was stopped)", () => {
    test("a commit the group does not answer in time is given up, as Connect's: WARN, counted as failed, not as done; the next sends the offsets again", async () => {
      const held = deferred<void>();
      const { calls, clock, logged, metrics, offsets } = setup({}, undefined, {
        commitTimeoutMs: 5000,
        commitsHeld: held.promise,
      });
      offsets.advance(at(0, 5));
      const committing = offsets.commit();
      await waitFor(() => calls.includes("commit 0@5") && clock.pending === 1);
      clock.advance(4999);
      await callbacksRun();
      expect([logged.filter((l) => l.includes(" WARN ")), metrics.offsetCommitFailure]).toEqual([[], 0]);
      clock.advance(1);
      await committing;
      expect([metrics.offsetCommitSuccess, metrics.offsetCommitFailure]).toEqual([0, 1]);
      expect(logged.filter((l) => l.includes(" WARN ")).map((l) => l.replace(/^.* WARN /, ""))).toEqual([
        "Commit of offsets timed out (sequence number 1) (test)",
      ]);
      held.resolve(); // the late answer is not counted: the next commit sends the same offsets
      await callbacksRun();
      await offsets.commit();
      expect(calls).toEqual(["dlq flush", "commit 0@5", "dlq flush", "commit 0@5"]);
      expect([metrics.offsetCommitSuccess, metrics.offsetCommitFailure]).toEqual([1, 1]);
    });

    test("commits timing out each interval are warned about within the outage log budget (explore27's)", async () => {
      const answers = Array.from({ length: 11 }, () => deferred<void>());
      const { clock, logged, metrics, offsets } = setup({}, undefined, {
        commitTimeoutMs: 5000,
        commitsHeld: answers.map((a) => a.promise),
      });
      offsets.advance(at(0, 5));
      // offset.flush.interval.ms 10 s: each commit times out 5 s after it was sent, its late answer comes before the next.
      for (const answer of answers) {
        const committing = offsets.commit();
        await waitFor(() => clock.pending === 1);
        clock.advance(5000);
        await committing;
        answer.reject(new RetriableError("The coordinator is not available."));
        await callbacksRun();
        clock.advance(5000);
      }
      expect(logged.map((l) => l.replace(/^\[[^\]]+\] /, ""))).toEqual([
        ...[1, 2, 3, 4, 5].map((seq) => `WARN Commit of offsets timed out (sequence number ${seq}) (test)`),
        "WARN Commit of offsets timed out (sequence number 11) (5 failed commits not logged) (test)", // 105 s
      ]);
      expect(metrics.offsetCommitFailure).toBe(11);
    });

    describe("a given-up commit the client still runs (its retries): no other is sent before it lands, so the group's offsets never go back", () => {
      /** The first commit (0@5) given up at 50 ms, the client still running it; partition 0 put up to 9 since. */
      async function givenUp(task: Partial<SinkTask> = {}) {
        const held = deferred<void>();
        const s = setup(task, undefined, { commitTimeoutMs: 50, commitsHeld: [held.promise], debug: true });
        s.offsets.advance(at(0, 5));
        const committing = s.offsets.commit();
        await waitFor(() => s.clock.pending === 1);
        s.clock.advance(50);
        await committing;
        s.offsets.advance(at(0, 9));
        return { ...s, held };
      }

      test("the loop's commit may not run (one DEBUG, not one each turn), the offsets stay pending; once it landed, givenUpSettled says so and the next one sends them", async () => {
        const { calls, givenUpSettled, held, inFlight, landed, logged, offsets } = await givenUp();
        expect(offsets.mayCommit()).toBe(false);
        offsets.commitWaits();
        offsets.commitWaits();
        await offsets.commit();
        expect(calls).toEqual(["dlq flush", "commit 0@5"]);
        expect(logged.filter((l) => l.includes(" DEBUG ")).map((l) => l.replace(/^.* DEBUG /, ""))).toEqual([
          "Offset commit of 1 partitions waits: the commit given up at offset.flush.timeout.ms is still running (test)",
        ]);
        expect(givenUpSettled.count).toBe(0);
        held.resolve();
        await waitFor(() => landed.length === 1);
        await callbacksRun();
        expect([givenUpSettled.count, offsets.mayCommit()]).toEqual([1, true]);
        await offsets.commit();
        expect(calls).toEqual(["dlq flush", "commit 0@5", "dlq flush", "commit 0@9"]);
        expect([landed, inFlight.most]).toEqual([[5, 9], 1]);
      });

      test("closePartitions (a revocation) waits for it before sending its own", async () => {
        const { calls, held, inFlight, landed, offsets } = await givenUp();
        const closing = offsets.closePartitions([tp(0)]);
        await waitFor(() => calls.lastIndexOf("dlq flush") > 1);
        await callbacksRun();
        expect(calls.filter((c) => c.startsWith("commit"))).toEqual(["commit 0@5"]);
        held.resolve();
        await closing;
        expect(calls.filter((c) => c.startsWith("commit"))).toEqual(["commit 0@5", "commit 0@9"]);
        expect([landed, inFlight.most]).toEqual([[5, 9], 1]);
      });

      test("closePartitions with nothing to send (its preCommit threw) still resolves only once it settled: the rejoin comes after", async () => {
        let preCommitFails = false;
        const { calls, held, offsets } = await givenUp({
          preCommit: async (pending) => {
            if (preCommitFails) throw new Error("buffer dropped");
            return pending;
          },
        });
        preCommitFails = true;
        let closed = false;
        const closing = offsets.closePartitions([tp(0)]).then(() => {
          closed = true;
        });
        await waitFor(() => calls.includes("close 0"));
        await callbacksRun();
        expect(closed).toBe(false);
        held.resolve();
        await closing;
        expect(calls.filter((c) => c.startsWith("commit"))).toEqual(["commit 0@5"]);
      });
    });

    test("a commit answered in time is not timed out, leaves no timer behind, and is no given-up one settling", async () => {
      const { calls, clock, givenUpSettled, metrics, offsets } = setup({}, undefined, { commitTimeoutMs: 5000 });
      offsets.advance(at(0, 5));
      await offsets.commit();
      await callbacksRun();
      expect(calls).toEqual(["dlq flush", "commit 0@5"]);
      expect([metrics.offsetCommitSuccess, metrics.offsetCommitFailure, clock.pending]).toEqual([1, 0, 0]);
      expect(givenUpSettled.count).toBe(0);
    });
  });
});
