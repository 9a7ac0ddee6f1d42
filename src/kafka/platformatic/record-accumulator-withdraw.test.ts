import { describe, expect, test } from "bun:test";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import { NeverSentBatch } from "./batch-failures.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, batch, FakeBroker, settings, warmedUp } from "./produce-pipeline-test-support.ts";
import { markRequestNotWritten } from "./produce-transport.ts";

/** What `outcome` settled with: the offset, or the error. */
const outcomeOf = (outcome: Promise<number | readonly number[]>) =>
  settled(
    outcome.then(
      (offset) => offset,
      (error: unknown) => error,
    ),
  );

/** The labels of every batch any Produce request carried so far. */
const labelsSent = (broker: FakeBroker) => broker.requests.flatMap((r) => r.sent.map(([label]) => label));

describe("RecordAccumulator.withdraw", () => {
  test("a batch never stamped leaves at once as never sent, is in no Produce request, and the next batch takes the sequence after the last stamped", async () => {
    const broker = new FakeBroker();
    // batch.size 0: queuedBatches counts the records not on the wire.
    const pipeline = new ProducePipeline(broker, settings({ batchBytes: 0 }));
    const a = pipeline.accumulator.appendBatch("t", 0, batch(0), 1);
    const b = pipeline.accumulator.appendBatch("t", 0, batch(1), 1);
    const c = pipeline.accumulator.appendBatch("t", 0, batch(2), 1);
    // Until a batch of the partition is written only one is on the wire: batch 0, sequence 0.
    await waitFor(() => broker.requests.length === 1);
    expect(broker.requests[0]!.sent).toEqual([[0, 0]]);
    expect(pipeline.accumulator.queuedBatches("t", 0)).toBe(2);

    expect(pipeline.accumulator.withdraw(b.batch!)).toBe(true);
    const withdrawn = await outcomeOf(b.outcome);
    expect(withdrawn).toBeInstanceOf(NeverSentBatch);
    expect(String(withdrawn)).toBe("NeverSentBatch: The batch was withdrawn before it was sent");
    expect(pipeline.accumulator.queuedBatches("t", 0)).toBe(1);
    expect(pipeline.accumulator.withdraw(b.batch!)).toBe(false); // settled already

    await broker.deliverUntil(Promise.all([a.outcome, c.outcome]));
    expect(await Promise.all([a.outcome, c.outcome])).toEqual([0, 1]);
    expect(broker.requests.map((r) => r.sent)).toEqual([[[0, 0]], [[2, 1]]]);
    expect(broker.logs.get("t-0")).toEqual([0, 2]);
    expect(pipeline.accumulator.queuedBatches("t", 0)).toBe(0);
    // Nothing pending: the withdrawn batch counted out.
    expect(await settled(pipeline.accumulator.drained())).toBeUndefined();
  });

  test("with five on the wire, one queued behind them is taken back; the later one's sequence follows the fifth's", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings()); // t-0 wrote sequence 0: up to five on the wire
    const onWire = [1, 2, 3, 4, 5].map((label) => append(pipeline, "t", 0, batch(label), 1));
    const held = pipeline.accumulator.appendBatch("t", 0, batch(6), 1);
    const later = append(pipeline, "t", 0, batch(7), 1);
    await waitFor(() => broker.requests.length === 5);
    expect(pipeline.accumulator.withdraw(held.batch!)).toBe(true);
    expect(await outcomeOf(held.outcome)).toBeInstanceOf(NeverSentBatch);
    await broker.deliverUntil(Promise.all([...onWire, later]));
    expect(await Promise.all([...onWire, later])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(broker.requests.at(-1)!.sent).toEqual([[7, 6]]);
    expect(labelsSent(broker)).not.toContain(6);
    expect(broker.logs.get("t-0")).toEqual([1, 2, 3, 4, 5, 7]);
  });

  test("a batch in a request is not taken back: on the wire, nor waiting for its retry after its connection never came up", async () => {
    const broker = new FakeBroker();
    const clock = { now: 0 };
    const warnings: string[] = [];
    const s = settings({ retryBackoffMs: 100, onRetry: (m) => warnings.push(m) });
    const pipeline = await warmedUp(broker, s, () => clock.now);
    const sent = pipeline.accumulator.appendBatch("t", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    expect(pipeline.accumulator.withdraw(sent.batch!)).toBe(false);
    broker.requests[0]!.failWith(markRequestNotWritten(new Error("Connection to 127.0.0.1:9092 failed.")));
    await waitFor(() => warnings.length === 1, { what: "batch 0 waits for its retry" });
    expect(pipeline.accumulator.withdraw(sent.batch!)).toBe(false);
    clock.now = 200;
    await waitFor(() => broker.requests.length === 2, { what: "the retry" });
    broker.deliver(1);
    expect(await sent.outcome).toBe(0);
    expect(broker.requests.map((r) => r.sent)).toEqual([[[0, 1]], [[0, 1]]]);
  });
});
