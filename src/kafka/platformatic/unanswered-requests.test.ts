/**
 * UnansweredRequests through ProducePipeline (explore31 F2): a Produce request a broker has not answered for
 * RETRY_GRACE_MS is the pipeline's retryFailure (naming the broker, marked for the source task's Degraded trace) and
 * one WARN, before request.timeout.ms makes it a retry; none once it is answered. Driven by the test's clock.
 */
import { describe, expect, test } from "bun:test";
import { NetworkError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { unansweredRequestOf } from "../unanswered-request.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import { appendAll, FakeBroker, settings, warmedUp } from "./produce-pipeline-test-support.ts";
import { RetryWarnings } from "./retry-warnings.ts";
import { UnansweredRequests } from "./unanswered-requests.ts";

const SILENT = "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 5 s (request.timeout.ms 30000)";

async function silentBroker(over: Partial<PipelineSettings> = {}) {
  const clock = { now: 0 };
  const warnings: string[] = [];
  const broker = new FakeBroker(2);
  const s = settings({ requestTimeoutMs: 30_000, onRetry: (m) => warnings.push(m), ...over });
  const pipeline = await warmedUp(broker, s, () => clock.now, [0, 1]);
  const first = appendAll(pipeline, [0], 0);
  await waitFor(() => broker.requests.length === 1, { what: "the request on the wire" });
  return { clock, warnings, broker, pipeline, first };
}

describe("UnansweredRequests", () => {
  // No append or answer turns the pump: only its wake, scheduled when the request went. The wake timer's delay is
  // RETRY_GRACE_MS of real time (bun's fake timers also stop Bun.sleep, which waitFor polls with): a longer timeout.
  test(
    "a quiet source (one send, nothing appended after it): the pump wakes at the grace period and WARNs",
    async () => {
      const { clock, warnings, broker, first } = await silentBroker();
      clock.now = RETRY_GRACE_MS;
      await waitFor(() => warnings.length > 0, { what: "the WARN" });
      expect(warnings).toEqual([`${SILENT}; waiting until request.timeout.ms`]);
      broker.deliver(0);
      await first.all;
    },
    3 * RETRY_GRACE_MS,
  );

  // A request failing as a whole leaves the set; its batches' run of retries counts from when it went, so the trace
  // goes on at once as the producer-retry one (before, it was gone for RETRY_GRACE_MS at each request.timeout.ms).
  test.each([
    ["timing out", new NetworkError("Request timed out")],
    ["on a connection dropped", new NetworkError("Connection closed", { canRetry: true })],
  ])(
    "a request unanswered past the grace period, then failing %s: its retry is the failure at once",
    async (_, error) => {
      const { clock, broker, pipeline, first } = await silentBroker({ retryBackoffMs: 0 });
      clock.now = RETRY_GRACE_MS + 1_000;
      expect(pipeline.retryFailure?.message).toStartWith(
        "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 6 s",
      );
      broker.requests[0]!.failWith(error);
      await waitFor(() => broker.requests.length === 2, { what: "the retry on the wire" });
      expect(pipeline.retryFailure?.message).toContain(error.message);
      expect(unansweredRequestOf(pipeline.retryFailure)).toBeUndefined();
      broker.deliver(1);
      await first.all;
      expect(pipeline.retryFailure).toBeUndefined();
    },
  );

  test("after close: no failure for a request still on the wire", async () => {
    const { clock, broker, pipeline, first } = await silentBroker();
    clock.now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure).toBeDefined();
    pipeline.close(new Error("closed"));
    await first.all;
    expect(pipeline.retryFailure).toBeUndefined();
    broker.deliver(0);
  });

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

describe("UnansweredRequests on its own", () => {
  const requests = (warnings: RetryWarnings, wakes: number[] = []) =>
    new UnansweredRequests({
      requestTimeoutMs: 30_000,
      address: (node) => `127.0.0.1:${9090 + node}`,
      warnings,
      wakeAt: (at) => wakes.push(at),
      error: (message) => new Error(message),
    });
  /** UnansweredRequests whose WARNs go through a 5 s budget: what it logged and when it asked to be woken. */
  const budgeted = () => {
    const logged: string[] = [];
    const wakes: number[] = [];
    const warnings = new RetryWarnings(
      5_000,
      (m) => logged.push(m),
      (at) => wakes.push(at),
    );
    return { warnings, unanswered: requests(warnings, wakes), logged, wakes };
  };

  test("a WARN the retry warnings' budget held back is written once the budget allows, the pump woken then", () => {
    const { warnings, unanswered, logged, wakes } = budgeted();
    warnings.warn(1_000, () => "a batch retried");
    unanswered.sent(1, 0);
    unanswered.check(RETRY_GRACE_MS);
    expect([logged, wakes]).toEqual([["a batch retried"], [RETRY_GRACE_MS, 6_000]]);
    unanswered.check(6_000);
    warnings.writeHeld(6_000);
    expect(logged).toEqual([
      "a batch retried",
      "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 6 s (request.timeout.ms 30000); waiting until request.timeout.ms",
    ]);
    unanswered.check(20_000);
    warnings.writeHeld(20_000);
    expect(logged).toHaveLength(2);
  });

  test("a WARN held back is not written once no request is unanswered RETRY_GRACE_MS", () => {
    const { warnings, unanswered, logged } = budgeted();
    warnings.warn(1_000, () => "a batch retried");
    const request = unanswered.sent(1, 0);
    unanswered.check(RETRY_GRACE_MS);
    unanswered.answered(request);
    unanswered.sent(1, 5_500);
    warnings.writeHeld(6_000);
    expect(logged).toEqual(["a batch retried"]);
  });

  test("a silent broker's WARN held back, then a retry WARN held back too: the broker's is written once the budget allows", () => {
    const { warnings, unanswered, logged } = budgeted();
    warnings.warn(3_000, () => "a retry at startup");
    unanswered.sent(1, 0); // broker 1 never answers
    unanswered.check(RETRY_GRACE_MS); // held back: the budget allows at 8 s
    warnings.warn(7_000, () => "a batch retried on broker 2");
    warnings.writeHeld(8_000);
    expect(logged).toEqual([
      "a retry at startup",
      "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 8 s (request.timeout.ms 30000); waiting until request.timeout.ms",
    ]);
    warnings.writeHeld(13_000);
    expect(logged[2]).toBe("a batch retried on broker 2");
  });

  test("a held WARN dropped as its request is answered does not hide the next request's silence", () => {
    const { warnings, unanswered, logged } = budgeted();
    warnings.warn(1_000, () => "a batch retried");
    const a = unanswered.sent(1, 0);
    unanswered.sent(2, 4_000);
    unanswered.check(RETRY_GRACE_MS); // A's WARN held back (the budget allows at 6 s)
    unanswered.answered(a); // at 5.5 s
    warnings.writeHeld(6_000); // B is 2 s old: A's WARN dropped
    expect(logged).toEqual(["a batch retried"]);
    unanswered.check(9_000);
    expect(logged).toEqual([
      "a batch retried",
      "Kafka broker 2 (127.0.0.1:9092) has not answered a produce request for 5 s (request.timeout.ms 30000); waiting until request.timeout.ms",
    ]);
  });

  test("the failure is built once per request and whole second waited", () => {
    const unanswered = requests(new RetryWarnings(5_000, undefined, () => {}));
    const request = unanswered.sent(1, 0);
    const failure = unanswered.failure(RETRY_GRACE_MS);
    expect(unanswered.failure(RETRY_GRACE_MS + 999)).toBe(failure!);
    expect(unanswered.failure(RETRY_GRACE_MS + 1_000)?.message).toStartWith(
      "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 6 s",
    );
    unanswered.sent(1, 500);
    unanswered.answered(request);
    expect(unanswered.failure(RETRY_GRACE_MS + 1_000)?.message).toStartWith(
      "Kafka broker 1 (127.0.0.1:9091) has not answered a produce request for 5 s",
    );
  });
});
