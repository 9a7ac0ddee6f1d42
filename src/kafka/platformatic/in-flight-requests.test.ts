import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { SplitRecords } from "./partition-batches.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, appendAll, batch, FakeBroker, settings, warmedUp } from "./produce-pipeline-test-support.ts";

describe("InFlightRequests (through ProducePipeline)", () => {
  test("at most maxInFlight requests per broker; the next goes when one is answered", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ maxInFlight: 2 }));
    const { all } = appendAll(pipeline, [0, 1, 2, 3]);
    await waitFor(() => broker.requests.length === 2);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(broker.requests).toHaveLength(2);
    broker.deliver(0);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(1);
    broker.deliver(2);
    await waitFor(() => broker.requests.length === 4);
    broker.deliver(3);
    await all;
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2, 3]);
  });

  test("at most maxInFlightBytes on the wire (one larger request still goes alone)", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ maxInFlightBytes: 130 }));
    const { all } = appendAll(pipeline, [0, 1, 2]);
    await waitFor(() => broker.requests.length === 2);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(broker.requests).toHaveLength(2); // 65 bytes each: a third would pass 130
    broker.deliver(0);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(1);
    broker.deliver(2);
    await all;
    expect(broker.logs.get("t-0")).toEqual([0, 1, 2]);
  });

  test("a split that cannot be encoded fails its batch with the cause; the rest of the answer settles and the pipeline goes on", async () => {
    const broker = new FakeBroker(2);
    broker.maxRecords = 2;
    const pipeline = new ProducePipeline(broker, settings());
    const cannotSplit: SplitRecords = () => {
      throw new Error("boom while encoding");
    };
    const big = append(pipeline, "t", 0, batch(0, 1, 2), 3, cannotSplit).catch((e: unknown) => e);
    const behindBig = append(pipeline, "t", 0, batch(3), 1).catch((e: unknown) => e);
    const other = appendAll(pipeline, [10, 11], 1);
    await waitFor(() => broker.requests.length === 1);
    expect(broker.requests[0]!.sent).toEqual([
      [0, 0],
      [10, 0],
    ]);
    broker.deliver(0); // t-0: MESSAGE_TOO_LARGE, and its split throws; t-1: written
    const error = (await big) as Error & { retriable: boolean };
    expect(error.message).toBe(
      "Kafka rejected 3 record(s) for t-0: MESSAGE_TOO_LARGE; could not split it: boom while encoding",
    );
    expect(error.retriable).toBe(false);
    expect(((await behindBig) as Error).message).toBe("Not sent: an earlier batch of t-0 failed");
    // t-1's second batch waited for its first to be written: it goes once the answer is processed.
    await waitFor(() => broker.requests.length === 2);
    broker.deliver(1);
    await other.all;
    expect(other.outcomes).toEqual([0, 1]);
  });

  test("a transport that throws instead of rejecting: the request failed as a whole, its batch goes again", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings());
    const produce = broker.produce.bind(broker);
    let throws = 1;
    broker.produce = (node, batches) => {
      if (throws-- > 0) throw new Error("thrown by the transport");
      return produce(node, batches);
    };
    const { outcomes, all } = appendAll(pipeline, [0]);
    await broker.deliverUntil(all);
    expect(outcomes).toEqual([0]);
    expect(broker.logs.get("t-0")).toEqual([0]);
    expect(pipeline.failure).toBeUndefined();
  });
});
