import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";
import { StickyPartitioner } from "./sticky-partitioner.ts";

/** NOT_ENOUGH_REPLICAS: retried as it is, leaders not asked again. */
const NOT_ENOUGH_REPLICAS = 19;

/** A broker whose metadata lists `leaders` as the leader of each partition of every topic. */
function brokerLeading(leaders: readonly number[]): FakeBroker {
  return new (class extends FakeBroker {
    override async leaders(topics: readonly string[]) {
      return new Map(topics.map((t) => [t, leaders]));
    }
  })(leaders.length);
}

describe("RecordAccumulator as the partitioner's PartitionLoad (its brokers noted by ProducePipeline's turns)", () => {
  test("a broker whose request slots stay full past the timeout is unavailable; queued batches exclude those on the wire", async () => {
    const broker = new FakeBroker();
    let now = 0;
    // batch.size 100: each batch here (65 bytes) counts one, two count two.
    const s = settings({ idempotent: false, maxInFlight: 1, availabilityTimeoutMs: 1000, batchBytes: 100 });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const first = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 1);
    now = 500;
    const second = append(pipeline, "t", 0, batch(2), 1);
    await waitFor(() => pipeline.accumulator.queuedBatches("t", 0) === 1);
    expect(pipeline.accumulator.leaderUnavailable(1)).toBe(false);
    now = 1500;
    const third = append(pipeline, "t", 0, batch(3), 1);
    await waitFor(() => pipeline.accumulator.leaderUnavailable(1));
    expect(pipeline.accumulator.queuedBatches("t", 0)).toBe(2);
    expect(pipeline.accumulator.queuedBatches("t", 1)).toBe(0);
    broker.deliver(0);
    await waitFor(() => broker.requests.length === 2);
    expect(pipeline.accumulator.leaderUnavailable(1)).toBe(false);
    await broker.deliverUntil(Promise.all([first, second, third]));
    expect(broker.logs.get("t-0")).toEqual([1, 2, 3]);
  });

  test.each([
    ["connected, never answering (an idempotent partition has one batch on the wire until one is written)", true, true],
    ["whose connection never comes up: every batch goes out, each request waits for it", false, false],
  ])("a broker %s is unavailable past the timeout (review P2-1)", async (_, idempotent, reachable) => {
    const broker = new FakeBroker();
    if (!reachable) broker.unreachable.add(1);
    let now = 0;
    const pipeline = new ProducePipeline(broker, settings({ idempotent, availabilityTimeoutMs: 1000 }), () => now);
    const sends = [append(pipeline, "t", 0, batch(1), 1)];
    await waitFor(() => broker.requests.length === 1);
    for (const at of [500, 1500, 2500, 5000]) {
      now = at;
      sends.push(append(pipeline, "t", 0, batch(sends.length + 1), 1));
      await waitFor(() => pipeline.accumulator.leaderUnavailable(1) === at > 1000);
    }
    pipeline.close(new Error("closed"));
    expect(await Promise.all(sends.map((s) => s.catch((e: Error) => e.message)))).toEqual(sends.map(() => "closed"));
  });

  test("a broker whose only batch waits out a retry's backoff longer than the timeout stays available (review P2-1)", async () => {
    /** t-1 led by broker 2: its batch makes the pipeline take a turn that can be seen (a request to broker 2). */
    const broker = brokerLeading([1, 2]);
    let now = 0;
    const s = settings({
      idempotent: false,
      availabilityTimeoutMs: 1000,
      retryBackoffMs: 2000,
      retryBackoffMaxMs: 2000,
    });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const retried = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": NOT_ENOUGH_REPLICAS }); // t-0's batch waits 2000 ms before it goes again
    await waitFor(() => pipeline.accumulator.queuedBatches("t", 0) === 1);
    now = 1500;
    const other = append(pipeline, "t", 1, batch(2), 1);
    await waitFor(() => broker.requests.length === 2);
    expect(broker.requests[1]!.node).toBe(2);
    expect(pipeline.accumulator.leaderUnavailable(1)).toBe(false);
    broker.deliver(1);
    await other;
    pipeline.close(new Error("closed"));
    expect(await retried.catch((e: Error) => e.message)).toBe("closed");
  });

  test("a broker with every request slot taken whose only batch not on the wire waits out a retry's backoff stays available (review prodfix P3-3)", async () => {
    /** t-0 and t-1 led by broker 1 (one slot); t-2 by broker 2: its batch makes the pipeline take a turn that can be seen. */
    const broker = brokerLeading([1, 1, 2]);
    let now = 0;
    const s = settings({
      idempotent: false,
      maxInFlight: 1,
      availabilityTimeoutMs: 1000,
      retryBackoffMs: 2000,
      retryBackoffMaxMs: 2000,
    });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const retried = append(pipeline, "t", 0, batch(1), 1);
    const written = [append(pipeline, "t", 1, batch(2), 1)];
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": NOT_ENOUGH_REPLICAS }); // t-0's batch waits 2000 ms before it goes again
    await waitFor(() => pipeline.accumulator.queuedBatches("t", 0) === 1);
    written.push(append(pipeline, "t", 1, batch(3), 1)); // takes broker 1's only slot
    await waitFor(() => broker.requests.length === 2);
    now = 1500;
    written.push(append(pipeline, "t", 2, batch(4), 1));
    await waitFor(() => broker.requests.length === 3);
    expect(broker.requests.map((r) => r.node)).toEqual([1, 1, 2]);
    expect(pipeline.accumulator.leaderUnavailable(1)).toBe(false);
    broker.deliver(1);
    broker.deliver(2);
    await Promise.all(written);
    pipeline.close(new Error("closed"));
    expect(await retried.catch((e: Error) => e.message)).toBe("closed");
  });

  test("a broker whose batches wait only for buffer.memory, held by requests to another broker that get no answer, stays available (review prodfix P2-2)", async () => {
    const broker = brokerLeading([1, 2]);
    let now = 0;
    // buffer.memory 130: broker 1's batch (65 bytes) on the wire leaves room for another of 65, not for t-1's of 69.
    const s = settings({ idempotent: false, availabilityTimeoutMs: 1000, maxInFlightBytes: 130 });
    const pipeline = new ProducePipeline(broker, s, () => now);
    const sends = [append(pipeline, "t", 0, batch(1), 1), append(pipeline, "t", 1, batch(2, 3), 1)];
    await waitFor(() => broker.requests.length === 1);
    now = 1500;
    sends.push(append(pipeline, "t", 0, batch(4), 1)); // fits: the turn is seen (a second request to broker 1)
    await waitFor(() => broker.requests.length === 2);
    expect(broker.requests.map((r) => r.node)).toEqual([1, 1]);
    expect([pipeline.accumulator.leaderUnavailable(1), pipeline.accumulator.leaderUnavailable(2)]).toEqual([
      false,
      false,
    ]);
    await broker.deliverUntil(Promise.all(sends));
    expect(broker.logs.get("t-1")).toEqual([2, 3]);
  });

  test("queued batches count in batch.size units (Java's batches fill up to batch.size; ours are one per send)", async () => {
    const broker = new FakeBroker();
    const pipeline = new ProducePipeline(broker, settings({ idempotent: false, maxInFlight: 1, batchBytes: 200 }));
    const sends = [append(pipeline, "t", 0, batch(1), 1)];
    await waitFor(() => broker.requests.length === 1);
    // Five batches of 65 bytes wait behind the one on the wire: 325 bytes, two batches of 200.
    for (let n = 2; n <= 6; n++) sends.push(append(pipeline, "t", 0, batch(n), 1));
    expect(pipeline.accumulator.queuedBatches("t", 0)).toBe(2);
    await broker.deliverUntil(Promise.all(sends));
    expect(pipeline.accumulator.queuedBatches("t", 0)).toBe(0);
  });

  test("batch.size 0 (batching off): keyless records still spread by queue, not all on one partition (review P1-1)", async () => {
    const broker = new FakeBroker();
    const pipeline = new ProducePipeline(broker, settings({ idempotent: false, maxInFlight: 1, batchBytes: 0 }));
    const sends = [append(pipeline, "t", 0, batch(1), 1)];
    await waitFor(() => broker.requests.length === 1);
    sends.push(append(pipeline, "t", 0, batch(2), 1));
    const picks = [0, 0, 0];
    for (let d = 0; d < 30; d++) {
      const sticky = new StickyPartitioner(0, { load: pipeline.accumulator, random: () => (d + 0.5) / 30 });
      picks[sticky.current("t", 3, [1, 1, 1])]!++;
    }
    // Partition 0 has a record queued: it weighs 1 to the others' 2 each, as in Java (a batch a record).
    expect(picks).toEqual([6, 12, 12]);
    await broker.deliverUntil(Promise.all(sends));
  });

  test("batch.size 0: a queue counts its records not on the wire, as Java's deque of a batch a record (review P3-6)", async () => {
    const broker = new FakeBroker();
    const pipeline = new ProducePipeline(broker, settings({ idempotent: false, maxInFlight: 1, batchBytes: 0 }));
    const sends = [append(pipeline, "t", 0, batch(1, 2), 2)];
    await waitFor(() => broker.requests.length === 1);
    sends.push(append(pipeline, "t", 0, batch(3), 1), append(pipeline, "t", 0, batch(4, 5), 2));
    expect(pipeline.accumulator.queuedBatches("t", 0)).toBe(3);
    await broker.deliverUntil(Promise.all(sends));
    expect(pipeline.accumulator.queuedBatches("t", 0)).toBe(0);
  });
});
