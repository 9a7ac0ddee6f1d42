import { describe, expect, test } from "bun:test";
import { NetworkError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";

/** A broker of one node whose metadata asks are recorded. */
class AskedBroker extends FakeBroker {
  readonly asked: string[][] = [];
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.asked.push([...topics]);
    return super.leaders(topics);
  }
}

/** A pipeline with metadata.max.idle.ms 5000 on a clock the test sets, that wrote once to `idle` and `busy` at 0. */
async function sentToBoth() {
  const broker = new AskedBroker(1);
  const clock = { now: 0 };
  const pipeline = new ProducePipeline(broker, settings({ metadataMaxIdleMs: 5000 }), () => clock.now);
  const first = ["idle", "busy"].map((t) => append(pipeline, t, 0, batch(0), 1));
  await broker.deliverUntil(Promise.all(first));
  broker.asked.splice(0);
  return { broker, clock, pipeline };
}

describe("ProducePipeline: a topic not sent to for metadata.max.idle.ms", () => {
  test("is asked for neither when a broker's connection closes nor with a broker mark; its next send asks for it in the foreground and is written", async () => {
    const { broker, clock, pipeline } = await sentToBoth();
    clock.now = 5000;
    await broker.deliverUntil(append(pipeline, "busy", 0, batch(1), 1)); // this turn forgets `idle`
    expect(pipeline.knownPartitionCount("idle")).toBeUndefined();
    pipeline.disconnected(1);
    await waitFor(() => broker.asked.length === 1);
    expect(broker.asked).toEqual([["busy"]]);
    // A request to broker 1 failing as a whole marks it: the next ask is for `busy` alone.
    clock.now = 6000;
    const requests = broker.requests.length;
    const marked = append(pipeline, "busy", 0, batch(2), 1);
    await waitFor(() => broker.requests.length > requests);
    broker.requests[requests]!.failWith(new NetworkError("Connection closed", { canRetry: true }));
    // The failure taken: the batch is off the wire, waiting out its retry's backoff.
    await waitFor(() => pipeline.accumulator.queuedBatches("busy", 0) === 1);
    clock.now = 7000; // that and the refresh backoff over: the next send's turn asks, with only busy's batches waiting
    const next = append(pipeline, "busy", 0, batch(3), 1);
    await broker.deliverUntil(Promise.all([marked, next]));
    expect(broker.asked).toEqual([["busy"], ["busy"]]);
    // Sent to again: asked first, as a new topic (the producer's partitionCount before its append), then written.
    expect(await pipeline.partitionCount("idle")).toBe(1);
    const again = append(pipeline, "idle", 0, batch(1), 1);
    await broker.deliverUntil(again);
    expect(await again).toBe(1);
    expect(broker.asked).toEqual([["busy"], ["busy"], ["idle"]]);
    expect(broker.logs.get("idle-0")).toEqual([0, 1]);
    pipeline.close(new Error("closed"));
  });

  test("one whose batch is on the wire is kept, and asked again when its broker's connection closes", async () => {
    const { broker, clock, pipeline } = await sentToBoth();
    const requests = broker.requests.length;
    const held = append(pipeline, "idle", 0, batch(1), 1); // not answered for longer than metadata.max.idle.ms
    await waitFor(() => broker.requests.length > requests);
    clock.now = 10_000;
    const busy = append(pipeline, "busy", 0, batch(1), 1);
    await waitFor(() => broker.requests.length > requests + 1);
    broker.deliver(requests + 1);
    await busy;
    expect(pipeline.knownPartitionCount("idle")).toBe(1);
    pipeline.disconnected(1);
    await waitFor(() => broker.asked.length === 1);
    expect(broker.asked).toEqual([["idle", "busy"]]);
    broker.deliver(requests);
    expect(await held).toBe(1);
    pipeline.close(new Error("closed"));
  });
});
