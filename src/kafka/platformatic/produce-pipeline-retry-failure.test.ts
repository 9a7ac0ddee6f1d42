/**
 * ProducePipeline.retryFailure (explore20 F2): while the pipeline retries a send on its own, its last
 * failure, which the source task shows as its Degraded trace; before it a task read RUNNING without a
 * trace until delivery.timeout.ms. Cleared once the retried batches are written or failed for good.
 */
import { describe, expect, test } from "bun:test";
import { NetworkError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { appendAll, FakeBroker, settings, warmedUp } from "./produce-pipeline-test-support.ts";

/** A broker whose metadata fails with `error` (the cluster unreachable). */
class NoMetadata extends FakeBroker {
  calls = 0;
  constructor(private readonly error: Error) {
    super();
  }
  override async leaders(): Promise<Map<string, readonly number[]>> {
    this.calls++;
    throw this.error;
  }
}

describe("ProducePipeline.retryFailure", () => {
  test("a batch retried after NOT_LEADER_OR_FOLLOWER: its answer while it is retried, though another partition's batch is written; none once it is written", async () => {
    const broker = new FakeBroker(2);
    const pipeline = await warmedUp(broker, settings(), Date.now, [0, 1]);
    expect(pipeline.retryFailure).toBeUndefined();
    const first = appendAll(pipeline, [0], 0);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 });
    await waitFor(() => broker.requests.length === 2, { what: "the retry on the wire" });
    expect(pipeline.retryFailure?.message).toBe("Kafka rejected 1 record(s) for t-0: NOT_LEADER_OR_FOLLOWER");

    const other = appendAll(pipeline, [1], 1);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(2);
    await other.all;
    expect(other.outcomes).toEqual([0]); // the broker forgot the warm-up write
    expect(pipeline.retryFailure?.message).toBe("Kafka rejected 1 record(s) for t-0: NOT_LEADER_OR_FOLLOWER");

    broker.deliver(1);
    await first.all;
    expect(first.outcomes).toEqual([0]);
    expect(pipeline.retryFailure).toBeUndefined();
  });

  test("a batch out of retries fails, and the pipeline's retrying ends with it (the caller's retries take over)", async () => {
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ retries: 1 }));
    const { outcomes, all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 });
    await waitFor(() => broker.requests.length === 2);
    expect(pipeline.retryFailure).toBeDefined();
    broker.deliver(1, { "t-0": 6 });
    await all;
    expect(outcomes).toEqual([
      "failed: Kafka rejected 1 record(s) for t-0: NOT_LEADER_OR_FOLLOWER; retries (1) exhausted",
    ]);
    expect(pipeline.retryFailure).toBeUndefined();
  });

  test("metadata not to be had for a pending batch: its failure until the batch expires", async () => {
    let now = 0;
    const broker = new NoMetadata(new NetworkError("Connection to 127.0.0.1:9 failed.", { canRetry: true }));
    const pipeline = new ProducePipeline(broker, settings({ deliveryTimeoutMs: 1_000 }), () => now);
    const { outcomes, all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.calls >= 2, { what: "metadata asked again" });
    expect(pipeline.retryFailure?.message).toBe("Could not get metadata: Connection to 127.0.0.1:9 failed.");
    now = 1_000;
    await all;
    expect(outcomes[0]).toStartWith("failed: Expiring 1 record(s) for t-0");
    expect(pipeline.retryFailure).toBeUndefined();
  });
});
