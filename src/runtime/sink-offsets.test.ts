import { describe, expect, test } from "bun:test";
import type { SinkTask } from "../api/connector.ts";
import type { TopicPartition, TopicPartitionOffset } from "../api/record.ts";
import type { KafkaConsumer } from "../kafka/kafka-port.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { SinkOffsets } from "./sink-offsets.ts";
import { TaskMetrics } from "./task-metrics.ts";

const tp = (partition: number): TopicPartition => ({ topic: "in", partition });
const at = (partition: number, offset: number): TopicPartitionOffset => ({ topic: "in", partition, offset });

/** SinkOffsets over a task and a consumer that record the calls, in one list. */
function setup(task: Partial<SinkTask> = {}) {
  const calls: string[] = [];
  const logged: string[] = [];
  const metrics = new TaskMetrics();
  const consumer = {
    commit: async (offsets: readonly TopicPartitionOffset[]) => {
      calls.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(",")}`);
    },
  } as unknown as KafkaConsumer;
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
    log: new LogManager({ sink: (line) => void logged.push(line) }).get("test"),
    clock: new ManualClock(),
    consumer: () => consumer,
    cancelled: () => false,
  });
  return { calls, logged, metrics, offsets };
}

describe("SinkOffsets", () => {
  test("commits what preCommit confirms, only offsets that moved since the last commit", async () => {
    const { calls, offsets } = setup({
      preCommit: (pending) => pending.map((o) => (o.partition === 1 ? at(1, 3) : o)),
    });
    offsets.advance(at(0, 10));
    offsets.advance(at(1, 7));
    await offsets.commit();
    await offsets.commit();
    offsets.advance(at(0, 12));
    await offsets.commit();
    expect(calls).toEqual(["dlq flush", "commit 0@10,1@3", "dlq flush", "commit 0@12"]);
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
});
