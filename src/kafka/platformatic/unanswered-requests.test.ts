/**
 * UnansweredRequests through ProducePipeline (explore31 F2): a Produce request a broker has not answered for
 * RETRY_GRACE_MS is the pipeline's retryFailure (naming the broker, marked for the source task's Degraded trace) and
 * one WARN, before request.timeout.ms makes it a retry; none once it is answered. Driven by the test's clock.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { unansweredRequestOf } from "../unanswered-request.ts";
import { appendAll, FakeBroker, settings, warmedUp } from "./produce-pipeline-test-support.ts";
import { RETRY_GRACE_MS } from "./producer-retries.ts";

const SILENT = "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 5 s (request.timeout.ms 30000)";

async function silentBroker() {
  const clock = { now: 0 };
  const warnings: string[] = [];
  const broker = new FakeBroker(2);
  const s = settings({ requestTimeoutMs: 30_000, onRetry: (m) => warnings.push(m) });
  const pipeline = await warmedUp(broker, s, () => clock.now, [0, 1]);
  const first = appendAll(pipeline, [0], 0);
  await waitFor(() => broker.requests.length === 1, { what: "the request on the wire" });
  return { clock, warnings, broker, pipeline, first };
}

describe("UnansweredRequests", () => {
  test("a request unanswered for the grace period: the broker named, one WARN for the silence; none once answered", async () => {
    const { clock, warnings, broker, pipeline, first } = await silentBroker();
    clock.now = 1_000;
    const second = appendAll(pipeline, [1], 1);
    await waitFor(() => broker.requests.length === 2);
    clock.now = RETRY_GRACE_MS - 1;
    expect(pipeline.retryFailure).toBeUndefined();

    clock.now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure?.message).toBe(SILENT);
    expect(unansweredRequestOf(pipeline.retryFailure)).toEqual({
      node: 1,
      address: "127.0.0.1:9091",
      waitedMs: RETRY_GRACE_MS,
      requestTimeoutMs: 30_000,
    });
    // Each turn of the pump checks (a send makes one).
    const third = appendAll(pipeline, [2], 1);
    await waitFor(() => broker.requests.length === 3);
    expect(warnings).toEqual([`${SILENT}; waiting until request.timeout.ms`]);

    clock.now = 3 * RETRY_GRACE_MS;
    expect(pipeline.retryFailure?.message).toStartWith(
      "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 15 s",
    );
    broker.deliver(0);
    await first.all;
    // The next oldest went at 1 s, before the WARN: of the same silence, no second WARN.
    expect(pipeline.retryFailure?.message).toStartWith(
      "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 14 s",
    );
    broker.deliver(1);
    await second.all;
    expect(warnings).toHaveLength(1);
    broker.deliver(2);
    await third.all;
    expect(pipeline.retryFailure).toBeUndefined();
  });

  test("a request answered within the grace period: no failure, no WARN", async () => {
    const { clock, warnings, broker, pipeline, first } = await silentBroker();
    clock.now = RETRY_GRACE_MS - 1;
    broker.deliver(0);
    await first.all;
    clock.now = RETRY_GRACE_MS;
    const later = appendAll(pipeline, [1], 1);
    await waitFor(() => broker.requests.length === 2);
    expect([pipeline.retryFailure, warnings]).toEqual([undefined, []]);
    broker.deliver(1);
    await later.all;
  });
});
