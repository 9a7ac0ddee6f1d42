import { describe, expect, test } from "bun:test";
import { LogManager } from "../util/logger.ts";
import { SpoolCounts } from "./spool-counts.ts";

const stats = (partition: string, records: number, bytes: number) => ({ partition, records, bytes, oldestAt: 1 });

describe("SpoolCounts", () => {
  describe("the bytes of every partition together (ingest.spool.total.max.bytes)", () => {
    test("follow what the worker reports at open, appends that become durable, and deletes", () => {
      const counts = new SpoolCounts();
      counts.set(stats("deleted-connector", 3, 300));
      counts.set(stats("a", 1, 100));
      expect([counts.totalBytes, counts.pendingBytes]).toEqual([400, 0]);
      counts.queued(50, () => {});
      counts.queued(70, () => {});
      expect([counts.totalBytes, counts.pendingBytes]).toEqual([400, 120]);
      counts.added("b", 2, 50, 5);
      expect([counts.totalBytes, counts.pendingBytes]).toEqual([450, 70]);
      counts.added("a", 1, 70, 6);
      expect([counts.totalBytes, counts.pendingBytes]).toEqual([520, 0]);
      counts.removed("a", 100);
      counts.removed("b", 25);
      expect(counts.totalBytes).toBe(395);
      expect([counts.stats("a").bytes, counts.stats("b").bytes]).toEqual([70, 25]);
    });

    test("a failed append is no longer pending; its reject still runs", () => {
      const counts = new SpoolCounts();
      const errors: unknown[] = [];
      const reject = counts.queued(80, (e) => errors.push(e));
      counts.queued(20, () => {});
      reject(new Error("disk full"));
      expect([counts.totalBytes, counts.pendingBytes]).toEqual([0, 20]);
      expect(errors).toEqual([new Error("disk full")]);
    });

    test("a partition set again replaces its bytes; a delete never takes more than the partition held", () => {
      const counts = new SpoolCounts();
      counts.set(stats("a", 4, 400));
      counts.set(stats("b", 1, 10));
      counts.set(stats("a", 2, 150)); // deleteThrough at a drainer's start
      expect(counts.totalBytes).toBe(160);
      counts.removed("b", 99);
      expect([counts.totalBytes, counts.stats("b").bytes]).toEqual([150, 0]);
    });

    test("forgetting an empty partition keeps the total; a partition with rows is not forgotten", () => {
      const counts = new SpoolCounts();
      counts.set(stats("a", 1, 100));
      counts.set(stats("b", 1, 40));
      counts.removed("a", 100);
      counts.forgetEmpty("a");
      counts.forgetEmpty("b");
      counts.forgetEmpty("never-seen");
      expect([counts.totalBytes, counts.partitions()]).toEqual([40, ["b"]]);
    });
  });

  describe("an append released twice (a bug: every path releases once)", () => {
    test("logs one ERROR (not one per release) and keeps the count at 0", () => {
      const lines: string[] = [];
      const counts = new SpoolCounts(new LogManager({ sink: (l) => lines.push(l) }).get("spool"));
      const errors: unknown[] = [];
      const reject = counts.queued(80, (e) => errors.push(e));
      counts.queued(30, () => {});
      counts.added("a", 1, 80, 5);
      reject(new Error("late"));
      expect([counts.pendingBytes, errors.length]).toEqual([0, 1]);
      counts.added("a", 1, 30, 6);
      expect([counts.pendingBytes, counts.totalBytes]).toEqual([0, 110]);
      expect(lines.length).toBe(1);
      expect(lines[0]).toContain(
        "ERROR Spool: an append of 80 bytes left the pending bytes with only 30 pending (released twice?); the pending count is set to 0",
      );
    });
  });
});
