/**
 * ProducePipeline.retryFailure (explore20 F2): while the pipeline retries a send on its own, its last
 * failure, which the source task shows as its Degraded trace; before it a task read RUNNING without a
 * trace until delivery.timeout.ms. Only once the run of retries is RETRY_GRACE_MS old (a leader move's
 * single retry is not shown); cleared once the retried batches are written or failed for good.
 * Metadata not to be had: turn-metadata.test.ts ("when metadata cannot be had").
 */
import { describe, expect, test } from "bun:test";
import { MultipleErrors, NetworkError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { brokerAnswerText, kafkaErrorOf } from "../send-rejection.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import {
  append,
  appendAll,
  batch,
  FakeBroker,
  NoMetadata,
  settings,
  splitter,
  warmedUp,
} from "./produce-pipeline-test-support.ts";

const NOT_LEADER = "Kafka rejected 1 record(s) for t-0: NOT_LEADER_OR_FOLLOWER";

describe("ProducePipeline.retryFailure", () => {
  test("a batch retried after NOT_LEADER_OR_FOLLOWER: none within the grace period; then its answer, though another partition's batch is written; none once it is written", async () => {
    let now = 0;
    const broker = new FakeBroker(2);
    // No backoff: the retry goes out at once on the test's clock.
    const pipeline = await warmedUp(broker, settings({ retryBackoffMs: 0 }), () => now, [0, 1]);
    expect(pipeline.retryFailure).toBeUndefined();
    const first = appendAll(pipeline, [0], 0);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 });
    await waitFor(() => broker.requests.length === 2, { what: "the retry on the wire" });
    now = RETRY_GRACE_MS - 1;
    expect(pipeline.retryFailure).toBeUndefined();
    now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure?.message).toBe(NOT_LEADER);

    const other = appendAll(pipeline, [1], 1);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(2);
    await other.all;
    expect(other.outcomes).toEqual([0]); // the broker forgot the warm-up write
    expect(pipeline.retryFailure?.message).toBe(NOT_LEADER);

    broker.deliver(1);
    await first.all;
    expect(first.outcomes).toEqual([0]);
    expect(pipeline.retryFailure).toBeUndefined();
  });

  // explore26 F4: an ingest request timing out during a min.insync.replicas outage named only the timeout.
  test("a batch retried after NOT_ENOUGH_REPLICAS: the failure is marked with the broker's answer and Java's message for it", async () => {
    let now = 0;
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ retryBackoffMs: 0 }), () => now);
    const { all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 19 });
    await waitFor(() => broker.requests.length === 2, { what: "the retry on the wire" });
    now = RETRY_GRACE_MS;
    const failure = pipeline.retryFailure;
    expect([failure?.message, kafkaErrorOf(failure), brokerAnswerText(failure)]).toEqual([
      "Kafka rejected 1 record(s) for t-0: NOT_ENOUGH_REPLICAS",
      "NOT_ENOUGH_REPLICAS",
      "NOT_ENOUGH_REPLICAS (Messages are rejected since there are fewer in-sync replicas than required.)",
    ]);
    broker.deliver(1);
    await all;
    expect(pipeline.retryFailure).toBeUndefined();
  });

  test("the grace period counts from the run's first failure, not the batch's last", async () => {
    let now = 0;
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ retryBackoffMs: 0 }), () => now);
    const { all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 });
    await waitFor(() => broker.requests.length === 2);
    now = RETRY_GRACE_MS - 1;
    broker.deliver(1, { "t-0": 6 });
    await waitFor(() => broker.requests.length === 3);
    now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure?.message).toBe(NOT_LEADER);
    broker.deliver(2);
    await all;
    expect(pipeline.retryFailure).toBeUndefined();
  });

  test("a batch out of retries fails, and the pipeline's retrying ends with it (the caller's retries take over)", async () => {
    let now = 0;
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ retries: 1, retryBackoffMs: 0 }), () => now);
    const { outcomes, all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 });
    await waitFor(() => broker.requests.length === 2);
    now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure).toBeDefined();
    broker.deliver(1, { "t-0": 6 });
    await all;
    expect(outcomes).toEqual([`failed: ${NOT_LEADER}; retries (1) exhausted`]);
    expect(pipeline.retryFailure).toBeUndefined();
  });

  test("a retried batch then split (MESSAGE_TOO_LARGE) no longer counts once its pieces are written", async () => {
    let now = 0;
    const broker = new FakeBroker();
    const pipeline = await warmedUp(broker, settings({ retryBackoffMs: 0 }), () => now);
    const labels = [0, 1, 2, 3];
    const big = append(pipeline, "t", 0, batch(...labels), 4, splitter(labels));
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0, { "t-0": 6 });
    await waitFor(() => broker.requests.length === 2);
    now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure?.message).toBe("Kafka rejected 4 record(s) for t-0: NOT_LEADER_OR_FOLLOWER");
    broker.maxRecords = 2;
    await broker.deliverUntil(big);
    expect(await big).toEqual([0, 1, 2, 3]);
    expect(pipeline.retryFailure).toBeUndefined();
  });

  test("metadata not to be had: none once the pipeline is closed (no batch waits for it)", async () => {
    let now = 0;
    const broker = new NoMetadata(new NetworkError("Connection to 127.0.0.1:9 failed.", { canRetry: true }));
    const pipeline = new ProducePipeline(broker, settings(), () => now);
    const { outcomes, all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.calls === 1);
    now = 1; // retry.backoff.ms later on the test's clock: metadata may be asked again
    await waitFor(() => broker.calls >= 2, { what: "metadata asked again" });
    now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure?.message).toBe("Could not get metadata: Connection to 127.0.0.1:9 failed.");
    pipeline.close(new Error("The producer is closed"));
    await all;
    expect(outcomes).toEqual(["failed: The producer is closed"]);
    expect(pipeline.retryFailure).toBeUndefined();
  });

  // explore21 P3: the trace said "Could not get metadata: metadata failed 4 times." while the WARN line named the connection.
  test("metadata not to be had after the library's own retries: names the connection that failed and why, as the WARN line", async () => {
    let now = 0;
    const socket = new Error("connect ECONNREFUSED 127.0.0.1:9");
    const refused = new NetworkError("Connection to 127.0.0.1:9 failed.", { cause: socket });
    const broker = new NoMetadata(new MultipleErrors("metadata failed 4 times.", [refused, refused, refused, refused]));
    const pipeline = new ProducePipeline(broker, settings(), () => now);
    const { all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.calls === 1);
    now = 1; // retry.backoff.ms later on the test's clock: metadata may be asked again
    await waitFor(() => broker.calls >= 2, { what: "metadata asked again" });
    now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure?.message).toBe(
      "Could not get metadata: metadata failed 4 times. (Connection to 127.0.0.1:9 failed: connect ECONNREFUSED 127.0.0.1:9)",
    );
    pipeline.close(new Error("The producer is closed"));
    await all;
  });
});
