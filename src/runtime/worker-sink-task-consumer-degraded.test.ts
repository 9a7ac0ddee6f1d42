/**
 * explore30 F4: a sink task whose consumer cannot start (broker unreachable, a listener of another protocol) read
 * RUNNING without a trace, as a source task whose send is retried does not. Its RUNNING status now carries a Degraded
 * trace once the attempts have failed for DEGRADED_AFTER_MS, gone once the consumer joins; a short hiccup shows none.
 * explore31 F3: so does one whose joined consumer's fetches get no answer (every broker stopped), until one does.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask } from "../api/connector.ts";
import { RetriableError } from "../errors.ts";
import type { ConsumerHandlers, KafkaConsumer } from "../kafka/kafka-port.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { DEGRADED_AFTER_MS } from "./sink-consumer-retry-trace.ts";
import { memorySinkTask, stopAndAwait, taskBasics } from "./task-test-support.ts";

const plugin: SinkTask = { initialize() {}, start() {}, put() {}, stop() {} };

/** A memory sink task on a ManualClock whose consumer starts through `start` (given the memory consumer's). */
function taskStartingWith(start: (inner: KafkaConsumer, handlers: ConsumerHandlers) => Promise<void>) {
  const clock = new ManualClock();
  const basics = { ...taskBasics(), clock };
  const { task } = memorySinkTask({
    plugin,
    taskClass: "test.Sink",
    offsetFlushIntervalMs: 3_600_000,
    basics,
    wrapConsumer: (inner): KafkaConsumer => ({
      ...inner,
      start: (handlers) => start(inner, handlers),
      commit: (offsets) => inner.commit(offsets),
      seek: (offset) => inner.seek(offset),
      position: (tp) => inner.position(tp),
      pause: (partitions) => inner.pause(partitions),
      resume: (partitions) => inner.resume(partitions),
      assignment: () => inner.assignment(),
      close: () => inner.close(),
    }),
  });
  return { task, clock, basics };
}

/** A memory sink task on a ManualClock whose consumer's first `failures` starts fail retriably. */
function failingStarts(failures: number) {
  const state = { starts: 0 };
  const { task, clock, basics } = taskStartingWith(async (inner, handlers) => {
    if (++state.starts <= failures) throw new RetriableError("Connection error: connect ECONNREFUSED 127.0.0.1:1");
    return inner.start(handlers);
  });
  /** Waits for the backoff after the `n`th start and lets the next attempt go; the trace meanwhile. */
  const retryAfter = async (n: number) => {
    await waitFor(() => state.starts === n && clock.pending > 0, { what: `the backoff after start ${n}` });
    const trace = task.degradedTrace;
    clock.advanceToNext();
    return trace;
  };
  return { task, clock, state, retryAfter, listener: basics.listener };
}

describe("WorkerSinkTask whose consumer cannot start", () => {
  test("its RUNNING status carries a Degraded trace once the attempts have failed for the grace, gone once it joins", async () => {
    const { task, clock, state, retryAfter, listener } = failingStarts(8);
    task.start();
    const traces: (string | null)[] = [];
    for (let n = 1; n <= 8; n++) traces.push(await retryAfter(n));
    await waitFor(() => state.starts === 9, { what: "the ninth start" });
    await waitFor(() => task.degradedTrace === null, { what: "the trace gone once the consumer joined" });
    // Backoff from 200 ms doubling (jittered): the grace is passed after a few attempts, and stays passed.
    const first = traces.findIndex((t) => t !== null);
    expect(first).toBeGreaterThan(0);
    expect(traces.slice(first)).toEqual(
      Array(traces.length - first).fill(
        "Degraded: the task's consumer cannot start consuming (the last attempt failed: Connection error: connect ECONNREFUSED 127.0.0.1:1); the start is retried until it succeeds. No records are delivered to the task meanwhile.",
      ),
    );
    expect(clock.now()).toBeGreaterThanOrEqual(DEGRADED_AFTER_MS);
    expect(listener.events).toEqual(["RUNNING"]); // a trace only: Connect has no Degraded state
    await stopAndAwait(task);
  });

  test("a short hiccup (one failed attempt) shows no trace, then or later", async () => {
    const { task, clock, state, retryAfter } = failingStarts(1);
    task.start();
    expect(await retryAfter(1)).toBeNull();
    await waitFor(() => state.starts === 2, { what: "the second start" });
    clock.advance(DEGRADED_AFTER_MS * 2);
    // Not kept past the join (then it would show now, the run being older than the grace).
    await waitFor(() => task.degradedTrace === null, { what: "no trace once joined" });
    await stopAndAwait(task);
  });
});

describe("WorkerSinkTask whose joined consumer's fetches get no answer", () => {
  test("its RUNNING status carries a Degraded trace once they have failed for the grace, gone once one is answered", async () => {
    let handlers: ConsumerHandlers | undefined;
    const { task, clock, basics } = taskStartingWith((inner, h) => {
      handlers = h;
      return inner.start(h);
    });
    task.start();
    await waitFor(() => handlers !== undefined, { what: "the consumer started" });
    handlers!.onFetchFailing?.(new Error("fetch failed 4 times. (Connection to 127.0.0.1:1 failed.)"));
    clock.advance(DEGRADED_AFTER_MS - 1);
    expect(task.degradedTrace).toBeNull();
    clock.advance(1);
    expect(task.degradedTrace).toBe(
      "Degraded: the task's consumer cannot fetch from Kafka (the last attempt failed: fetch failed 4 times. (Connection to 127.0.0.1:1 failed.)); it keeps retrying. No records of the partitions it cannot fetch are delivered to the task meanwhile.",
    );
    handlers!.onFetchFailing?.(null);
    expect(task.degradedTrace).toBeNull();
    expect(basics.listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });
});
