/**
 * The times a task's metrics show (poll-batch-, put-batch- and offset-commit-avg/max-time-ms) in
 * whole milliseconds, as Connect measures them: the difference of two `System.currentTimeMillis()`
 * readings. A call of 0.6 ms that crosses a millisecond boundary takes 1 ms there, not 0.6. A poll
 * retried after a RetriableException takes only the answering attempt's time.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SourceTask } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import { RetriableError } from "../errors.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { idlePoll, memorySinkTask, memorySourceTask, stopAndAwait } from "./task-test-support.ts";

const record = () =>
  sourceRecord({
    topic: "t",
    value: "v",
    valueSchema: Schemas.STRING,
    sourcePartition: { f: 1 },
    sourceOffset: { n: 1 },
  });

describe("task times in whole milliseconds (Connect's currentTimeMillis deltas)", () => {
  test("a source task's poll and offset commit crossing a millisecond boundary take 1 ms", async () => {
    const clock = new ManualClock(10.7);
    let polled = false;
    const plugin: SourceTask = {
      initialize: () => {},
      start: () => {},
      async poll(signal): Promise<SourceRecord[] | null> {
        if (polled) {
          await idlePoll(signal);
          return null;
        }
        polled = true;
        clock.advance(0.6); // 10.7 → 11.3
        return [record()];
      },
      stop: () => {},
    };
    let writes = 0;
    const offsets = {
      get: () => null,
      write: () => {
        writes++;
        clock.advance(0.8); // 1011.3 → 1012.1
      },
    };
    const { task } = memorySourceTask({
      plugin,
      taskClass: "test.Source",
      options: { clock, offsets: offsets as never, offsetFlushIntervalMs: 0 },
    });
    task.start();
    // Acknowledged, and the loop waits out its empty poll: a whole second on, the commit falls due.
    await waitFor(() => task.metrics.sourceRecordWriteTotal === 1 && clock.pending > 0);
    clock.advance(1000); // 11.3 → 1011.3
    await waitFor(() => writes === 1);
    await stopAndAwait(task);
    expect([task.metrics.pollBatch.max(), task.metrics.pollBatch.avg()]).toEqual([1, 1]);
    expect(task.metrics.offsetCommit.max()).toBe(1);
  });

  test("a poll retried after a RetriableException takes the time of the attempt that answered (Connect records no failed poll)", async () => {
    const clock = new ManualClock(0);
    let attempts = 0;
    const plugin: SourceTask = {
      initialize: () => {},
      start: () => {},
      async poll(signal): Promise<SourceRecord[] | null> {
        attempts++;
        if (attempts === 1) {
          clock.advance(3);
          throw new RetriableError("source API down");
        }
        if (attempts > 2) {
          await idlePoll(signal);
          return null;
        }
        clock.advance(2);
        return [record()];
      },
      stop: () => {},
    };
    const { task } = memorySourceTask({ plugin, taskClass: "test.Source", options: { clock } });
    task.start();
    await waitFor(() => attempts === 1 && clock.pending > 0); // backing off
    clock.advance(10_000);
    await waitFor(() => task.metrics.sourceRecordPollTotal === 1);
    await stopAndAwait(task);
    expect(task.metrics.pollBatch.max()).toBe(2);
  });

  test("a sink task's put and offset commit crossing a millisecond boundary take 1 ms", async () => {
    const clock = new ManualClock(10.7);
    const puts: number[] = [];
    let initialized = false;
    const plugin: SinkTask = {
      initialize: () => {
        initialized = true;
      },
      start: () => {},
      put(records) {
        puts.push(records.length);
        if (records.length > 0) clock.advance(0.6); // 10.7 → 11.3
      },
      stop: () => {},
    };
    let commits = 0;
    const { kafka, task, produce } = memorySinkTask({
      plugin,
      taskClass: "test.Sink",
      offsetFlushIntervalMs: 0,
      wrapConsumer: (consumer) => {
        const commit = consumer.commit.bind(consumer);
        consumer.commit = (offsets) => {
          commits++;
          clock.advance(0.8); // 12.3 → 13.1
          return commit(offsets);
        };
        return consumer;
      },
      options: { clock },
    });
    produce("a");
    task.start();
    await waitFor(() => initialized);
    await kafka.deliver();
    await waitFor(() => puts.length === 1);
    clock.advance(1); // 11.3 → 12.3: the commit falls due (offset.flush.interval.ms is at least 1)
    await waitFor(() => commits === 1 && kafka.committed("connect-c", { topic: "in", partition: 0 }) === 1);
    await stopAndAwait(task);
    // The idle task's empty put before the commit (Connect's poll that returned nothing) is timed too: 0 ms.
    expect(puts).toEqual([1, 0]);
    expect([task.metrics.putBatch.max(), task.metrics.putBatch.avg()]).toEqual([1, 0.5]);
    expect(task.metrics.offsetCommit.max()).toBe(1);
  });
});
