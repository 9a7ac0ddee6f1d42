import { describe, expect, test } from "bun:test";
import { withUnansweredRequest } from "../kafka/unanswered-request.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { SinkConsumerRetryTrace } from "./sink-consumer-retry-trace.ts";

const FETCH_TRACE =
  "Degraded: the task's consumer cannot fetch from Kafka (the last attempt failed: refused again); it keeps retrying. No records of the partitions it cannot fetch are delivered to the task meanwhile.";

// explore31 F3: a running sink task whose consumer could not fetch (every broker stopped) read RUNNING without a trace.
describe("SinkConsumerRetryTrace, a joined consumer whose fetches get no answer", () => {
  test("says so 5 s after the first failure, naming the last, until a fetch is answered", () => {
    const clock = new ManualClock();
    const trace = new SinkConsumerRetryTrace(clock);
    trace.starting();
    trace.ended();
    clock.set(1_000);
    trace.fetching(new Error("refused"));
    clock.set(5_999);
    trace.fetching(new Error("refused again"));
    expect(trace.trace).toBeNull();
    clock.set(6_000);
    expect(trace.trace).toBe(FETCH_TRACE);
    trace.fetching(null);
    expect(trace.trace).toBeNull();
    trace.fetching(new Error("refused"));
    expect(trace.trace).toBeNull(); // a new run: its 5 s start over
  });

  test("a restart of the consumer drops it: the start's own trace takes over", () => {
    const clock = new ManualClock();
    const trace = new SinkConsumerRetryTrace(clock);
    trace.fetching(new Error("refused again"));
    clock.set(10_000);
    expect(trace.trace).toBe(FETCH_TRACE);
    trace.starting();
    expect(trace.trace).toBeNull();
    trace.retried(new Error("metadata failed"));
    clock.set(15_000);
    expect(trace.trace).toStartWith(
      "Degraded: the task's consumer cannot start consuming (the last attempt failed: metadata failed)",
    );
  });

  // ex31fetch review: the restart cleared the outage's start, so the task read RUNNING without a trace for 5 s.
  test("a restart mid-outage keeps a trace: the start's run begins when the fetches began to fail", () => {
    const clock = new ManualClock();
    const trace = new SinkConsumerRetryTrace(clock);
    trace.fetching(new Error("refused again"));
    clock.set(60_000);
    expect(trace.trace).toBe(FETCH_TRACE);
    trace.retried(new Error("metadata failed"));
    trace.starting();
    clock.set(64_000);
    expect(trace.trace).toStartWith(
      "Degraded: the task's consumer cannot start consuming (the last attempt failed: metadata failed)",
    );
  });
});

// explore32 F3: a broker holding the consumer's fetches without an answer (SIGSTOPped) left the task without a trace.
describe("SinkConsumerRetryTrace, a joined consumer whose fetch a broker holds unanswered", () => {
  test("says so at once, naming the broker and how long it has been silent, until a fetch is answered", () => {
    const clock = new ManualClock();
    const trace = new SinkConsumerRetryTrace(clock);
    const request = { node: 2, address: "kafka-2:9092", waitedMs: 5_500, requestTimeoutMs: 30_000 };
    clock.set(10_000);
    trace.fetching(withUnansweredRequest(new Error("Kafka broker 2 has not answered"), request));
    const silentFor = (s: number) =>
      `Degraded: Kafka broker 2 (kafka-2:9092) has not answered a fetch request of the task's consumer for ${s} s (request.timeout.ms 30000); the consumer retries it every request.timeout.ms. No records of the partitions fetched from it are delivered to the task meanwhile.`;
    expect(trace.trace).toBe(silentFor(5));
    clock.set(17_000);
    expect(trace.trace).toBe(silentFor(12));
    // request.timeout.ms failed it: the outage goes on, its trace at once.
    trace.fetching(new Error("refused again"));
    expect(trace.trace).toBe(FETCH_TRACE);
    trace.fetching(null);
    expect(trace.trace).toBeNull();
  });
});
