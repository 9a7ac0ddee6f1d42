import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordMetadata } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import { ConnectError, DataError, RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducerRecord } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import type { OutgoingBatch, PartitionAnswer, ProduceTransport } from "../kafka/platformatic/produce-transport.ts";
import { PlatformaticProducer } from "../kafka/platformatic/producer.ts";
import { testProducer } from "../kafka/platformatic/producer-test-support.ts";
import { RETRY_GRACE_MS } from "../kafka/retry-grace.ts";
import { NotSentError, withKafkaError } from "../kafka/send-rejection.ts";
import type { Clock } from "../util/clock.ts";
import { type Logger, LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ActiveTopics } from "./active-topics.ts";
import type { RecordConverters } from "./record-conversion.ts";
import type { SourceAcknowledgements } from "./source-acknowledgements.ts";
import {
  awaitFailed,
  awaitStopped,
  line,
  memoryOffsetStore,
  QueuedSource,
  stopAndAwait,
  stringConverters,
  taskBasics,
} from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";
import { WorkerSourceTask } from "./worker-source-task.ts";

/** A QueuedSource that records what commitRecord was told. */
class CommittingSource extends QueuedSource {
  readonly committed: [string, RecordMetadata | null][] = [];
  commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void {
    this.committed.push([String(record.value), metadata]);
  }
}

const decode = (b: Uint8Array | null) => new TextDecoder().decode(b!);

/** The values written to the topic "t", in order. */
const values = (kafka: MemoryKafka) => kafka.records("t").map((r) => decode(r.value));

/** Advances `clock` past the send's backoff until Kafka took the one record; then the task's degraded trace is cleared. */
async function retryUntilWritten(clock: ManualClock, kafka: MemoryKafka, task: WorkerSourceTask): Promise<void> {
  await waitFor(
    () => {
      clock.advance(1000);
      return kafka.records("t").length === 1;
    },
    { what: "the retry written" },
  );
  await waitFor(() => task.degradedTrace === null, { what: "the trace cleared" });
}

/** Wakes the task's loop registered for room freed in flight (InFlightBatches.onRoomFreed): 1 while the loop waits for room. */
const roomWaits = (task: WorkerSourceTask) =>
  (task as unknown as { acks: SourceAcknowledgements }).acks.inFlight.roomWaits;

/** Makes `kafka` reject, for good ("record too large"), every send of the record whose value is `value`. */
function rejectAsTooLarge(kafka: MemoryKafka, value: string): void {
  kafka.rejectRecords(
    (r) => decode(r.value) === value,
    () => new ConnectError("record too large"),
  );
}

function setup(
  options: {
    tolerance?: "none" | "all";
    flushMs?: number;
    clock?: Clock;
    maxRequestBytes?: number;
    maxInFlightBatches?: number;
    log?: Logger;
    topicCreator?: { ensure(topic: string): Promise<void>; close(): Promise<void> };
    producer?: (kafka: MemoryKafka) => Promise<KafkaProducer>;
    onTopic?: (topic: string) => void;
    converters?: RecordConverters;
  } = {},
) {
  const kafka = new MemoryKafka();
  const offsets = memoryOffsetStore();
  const plugin = new CommittingSource();
  const basics = taskBasics(options.tolerance);
  const task = new WorkerSourceTask({
    ...basics,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.log ? { log: options.log } : {}),
    initialState: "STARTED",
    task: plugin,
    taskClass: "test.CommittingSource",
    config: {},
    producer: () => (options.producer ? options.producer(kafka) : kafka.producer()),
    converters: options.converters ?? stringConverters,
    transformations: TransformationChain.EMPTY,
    offsets,
    maxRequestBytes: options.maxRequestBytes ?? 1_048_576,
    ...(options.maxInFlightBatches ? { maxInFlightBatches: options.maxInFlightBatches } : {}),
    offsetFlushIntervalMs: options.flushMs ?? 0,
    activeTopics: new ActiveTopics((topic) => {
      options.onTopic?.(topic);
      return true;
    }),
    ...(options.topicCreator ? { topicCreator: options.topicCreator } : {}),
  });
  return { kafka, offsets, plugin, task, listener: basics.listener };
}

describe("WorkerSourceTask", () => {
  test("commits a source offset only after Kafka acknowledged the record", async () => {
    const { kafka, offsets, plugin, task } = setup();
    kafka.holdAcks();
    plugin.queue.push([line(1), line(2)]);
    task.start();
    await waitFor(() => kafka.sends === 1);
    // Sent but not acknowledged: nothing committed, commitRecord not called.
    expect(offsets.get("c", { file: "f" })).toBeNull();
    expect(plugin.committed).toEqual([]);
    kafka.releaseAcks();
    await waitFor(() => offsets.get("c", { file: "f" }) !== null);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 2 });
    expect(plugin.committed.map(([v, m]) => [v, m?.offset])).toEqual([
      ["line 1", 0],
      ["line 2", 1],
    ]);
    await stopAndAwait(task);
    expect(plugin.stopped).toBe(true);
  });

  test("poll and commit times are whole ms, as Connect's two time.milliseconds() readings", async () => {
    // A monotonic clock reading fractional ms (as performance.now does), 0.37 ms further at each read.
    let reading = 0;
    const clock: Clock = { now: Date.now, monotonic: () => (reading += 0.37), sleep: (ms) => Bun.sleep(ms) };
    const { offsets, plugin, task } = setup({ clock });
    plugin.queue.push([line(1)], [line(2)]);
    task.start();
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 2 && task.metrics.offsetCommit.count() > 0);
    expect(task.metrics.pollBatch.count()).toBeGreaterThan(0);
    expect([task.metrics.pollBatch.max(), task.metrics.offsetCommit.max()].map(Number.isInteger)).toEqual([true, true]);
    await stopAndAwait(task);
  });

  test("a topic is active once Kafka acknowledged a record of it, not when the record is sent (Connect)", async () => {
    const topics: string[] = [];
    const { kafka, plugin, task } = setup({ onTopic: (t) => topics.push(t) });
    kafka.holdAcks();
    plugin.queue.push([line(1), line(2)]);
    task.start();
    await waitFor(() => kafka.sends === 1);
    expect(topics).toEqual([]);
    kafka.releaseAcks();
    await waitFor(() => topics.length > 0);
    expect(topics).toEqual(["t"]);
    await stopAndAwait(task);
  });

  test("a value conversion that fails once fails the task (errors.tolerance=none), as Connect's single attempt", async () => {
    // Regression: the direct path's failure was followed by a fresh attempt in the error operator,
    // which wrote the record.
    let calls = 0;
    const flaky = {
      ...stringConverters.value,
      fromConnectData: (...args: Parameters<typeof stringConverters.value.fromConnectData>) => {
        calls++;
        if (calls === 1) throw new DataError("cannot write it");
        return stringConverters.value.fromConnectData(...args);
      },
    };
    const { kafka, plugin, task, listener } = setup({ converters: { ...stringConverters, value: flaky } });
    plugin.queue.push([line(1)]);
    task.start();
    await awaitFailed(listener);
    expect(calls).toBe(1);
    expect(kafka.records("t")).toEqual([]);
    await stopAndAwait(task);
  });

  test("a retriable send failure is retried; the task stays up and nothing is lost or doubled", async () => {
    const { kafka, plugin, task, listener, offsets } = setup();
    kafka.failSends(new RetriableError("broker unreachable"), new RetriableError("still unreachable"));
    plugin.queue.push([line(1)]);
    task.start();
    await waitFor(() => kafka.records("t").length === 1);
    expect(kafka.sends).toBe(3);
    await waitFor(() => offsets.get("c", { file: "f" }) !== null);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
    expect(kafka.records("t").map((r) => new TextDecoder().decode(r.value!))).toEqual(["line 1"]);
  });

  // p3ingest round b: an HTTP or FileStream source task whose sends Kafka did not take read RUNNING without a cause.
  test("while a send is retried, the task's degraded trace says why; none once Kafka took it", async () => {
    const clock = new ManualClock();
    const { kafka, plugin, task } = setup({ clock });
    kafka.failSends(new RetriableError("broker unreachable"));
    expect(task.degradedTrace).toBeNull();
    plugin.queue.push([line(1)]);
    task.start();
    const trace = await waitFor(() => task.degradedTrace ?? undefined, { what: "the send retried" });
    expect(trace).toBe(
      "Degraded: Kafka does not take the task's records (the last attempt failed: broker unreachable); the send is being retried. No more records are polled from the task until Kafka takes them.",
    );
    await retryUntilWritten(clock, kafka, task);
    await stopAndAwait(task);
  });

  // explore7 K1: a pause did not reach a task whose send was retried (RUNNING + Degraded until Kafka took it).
  test("a pause while a send is retried makes the task PAUSED; on resume the record is written once", async () => {
    const clock = new ManualClock();
    const { kafka, plugin, task, listener } = setup({ clock });
    kafka.failSends(new RetriableError("broker unreachable"));
    plugin.queue.push([line(1)]);
    task.start();
    await waitFor(() => task.degradedTrace ?? undefined, { what: "the send retried" });
    // The loop's empty poll waits 50 ms, the send's backoff 100 ms: past the first only, the loop
    // finds the send retried and waits for it (where the pause was not seen).
    await waitFor(() => clock.sleeps.includes(50), { what: "the empty poll's wait" });
    clock.advance(50);
    await waitFor(() => clock.pending === 1, { what: "only the backoff left" });
    await waitFor(() => roomWaits(task) === 1, { what: "the loop waiting for the send retried" });
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.includes("PAUSED"), { what: "PAUSED" });
    expect(kafka.records("t")).toEqual([]);
    task.transitionTo("STARTED");
    await retryUntilWritten(clock, kafka, task);
    expect(listener.events).toEqual(["RUNNING", "PAUSED", "RUNNING"]);
    await stopAndAwait(task);
    expect(kafka.records("t").map((r) => new TextDecoder().decode(r.value!))).toEqual(["line 1"]);
  });

  test("a non-retriable send failure fails the task (errors.tolerance=none) without committing", async () => {
    const { kafka, plugin, task, listener, offsets } = setup();
    kafka.failSends(new ConnectError("record too large"));
    plugin.queue.push([line(1)]);
    task.start();
    await awaitFailed(listener);
    // Connect's words over the client's error itself, not "Tolerance exceeded" (issue 8 point 5, explore19 F4).
    expect(String(listener.failure)).toBe("ConnectError: Unrecoverable exception from producer send callback");
    expect(String((listener.failure as Error).cause)).toBe("ConnectError: record too large");
    await awaitStopped(task);
    expect(offsets.get("c", { file: "f" })).toBeNull();
  });

  test("with errors.tolerance=all a non-retriable send failure skips the records and commits past them", async () => {
    const { kafka, plugin, task, listener, offsets } = setup({ tolerance: "all" });
    kafka.failSends(new ConnectError("record too large"));
    plugin.queue.push([line(1)], [line(2)]);
    task.start();
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 2);
    expect(kafka.records("t").map((r) => new TextDecoder().decode(r.value!))).toEqual(["line 2"]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });

  test("a record skipped with errors.tolerance=all (never written) does not make its topic active (Connect's callback)", async () => {
    const topics: string[] = [];
    const { kafka, plugin, task, offsets } = setup({ tolerance: "all", onTopic: (t) => topics.push(t) });
    kafka.failSends(new ConnectError("record too large"));
    plugin.queue.push([line(1)]);
    task.start();
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 1);
    expect(topics).toEqual([]);
    plugin.queue.push([line(2)]);
    await waitFor(() => topics.length > 0);
    expect(topics).toEqual(["t"]);
    await stopAndAwait(task);
  });

  test("pause stops polling and reports PAUSED; resume reports RUNNING and polls again", async () => {
    const { plugin, task, listener } = setup();
    task.start();
    await waitFor(() => plugin.polls > 0);
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.includes("PAUSED"));
    const polls = plugin.polls;
    plugin.queue.push([line(1)]);
    task.transitionTo("STARTED");
    await waitFor(() => plugin.committed.length === 1);
    expect(polls).toBeGreaterThan(0);
    expect(listener.events).toEqual(["RUNNING", "PAUSED", "RUNNING"]);
    await stopAndAwait(task);
  });

  test("polls get one signal per pause/resume generation: it aborts on pause, the next one is fresh", async () => {
    const { plugin, task } = setup();
    const signals: AbortSignal[] = [];
    const poll = plugin.poll.bind(plugin);
    plugin.poll = (signal) => {
      signals.push(signal);
      return poll(signal);
    };
    task.start();
    await waitFor(() => signals.length >= 2);
    const first = signals[0]!;
    expect(signals.every((s) => s === first)).toBe(true);
    task.transitionTo("PAUSED");
    await waitFor(() => first.aborted);
    const before = signals.length;
    task.transitionTo("STARTED");
    await waitFor(() => signals.length > before);
    const resumed = signals[signals.length - 1]!;
    expect(resumed).not.toBe(first);
    expect(resumed.aborted).toBe(false);
    task.stop();
    await waitFor(() => resumed.aborted);
    await awaitStopped(task);
  });

  test("stop commits the offsets of acknowledged records even between flushes", async () => {
    const { kafka, plugin, task, offsets } = setup({ flushMs: 3_600_000 });
    plugin.queue.push([line(1), line(2), line(3)]);
    task.start();
    await waitFor(() => plugin.committed.length === 3);
    expect(offsets.get("c", { file: "f" })).toBeNull();
    await stopAndAwait(task);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 3 });
    expect(kafka.records("t")).toHaveLength(3);
  });

  test("a task that answers nothing at once is asked again only after a short wait (no busy loop)", async () => {
    const sleeps: number[] = [];
    let stop: () => void = () => {};
    const clock: Clock = {
      now: () => 0,
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 3) stop();
      },
    };
    const { plugin, task } = setup({ clock });
    plugin.poll = async () => {
      plugin.polls++;
      return null;
    };
    stop = () => task.stop();
    task.start();
    await awaitStopped(task);
    expect(sleeps).toEqual([50, 50, 50]);
    expect(plugin.polls).toBe(3);
  });

  test("a poll batch larger than max.request.size goes out in several sends", async () => {
    const { kafka, plugin, task, offsets } = setup({ maxRequestBytes: 300 });
    plugin.queue.push(Array.from({ length: 10 }, (_, i) => line(i + 1)));
    task.start();
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 10);
    expect(kafka.records("t")).toHaveLength(10);
    expect(kafka.sends).toBeGreaterThanOrEqual(3);
    await stopAndAwait(task);
  });

  test("when a send is rejected, records are retried one by one: only the culprit is skipped (errors.tolerance=all)", async () => {
    const { kafka, plugin, task, offsets, listener } = setup({ tolerance: "all" });
    rejectAsTooLarge(kafka, "line 2");
    plugin.queue.push([line(1), line(2), line(3)]);
    task.start();
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 3);
    expect(kafka.records("t").map((r) => decode(r.value))).toEqual(["line 1", "line 3"]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });

  test("a producer that goes on after the broker refused a batch (failed: false) is kept: no new producer per refused record", async () => {
    let producers = 0;
    const { kafka, plugin, task, offsets } = setup({
      tolerance: "all",
      producer: async (kafka) => {
        producers++;
        const inner = await kafka.producer();
        return {
          maxInFlight: 1,
          failed: false,
          close: () => inner.close(),
          async send(records: readonly ProducerRecord[]) {
            // Kafka refuses the batch whole; the producer goes on (as Java's).
            if (records.some((r) => decode(r.value) === "line 2"))
              throw withKafkaError(new ConnectError("INVALID_RECORD"), "INVALID_RECORD");
            return inner.send(records);
          },
        };
      },
    });
    plugin.queue.push([line(1), line(2), line(3)], [line(4)]);
    task.start();
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 4);
    expect(kafka.records("t").map((r) => decode(r.value))).toEqual(["line 1", "line 3", "line 4"]);
    expect(producers).toBe(1);
    await stopAndAwait(task);
  });

  test("a task abandoned after the graceful timeout never commits nor acknowledges, even when its send completes later (ingest-stop2 P3-b)", async () => {
    const { kafka, plugin, task, offsets } = setup({ flushMs: 3_600_000 });
    kafka.holdAcks();
    plugin.queue.push([line(1)]);
    task.start();
    await waitFor(() => kafka.sends === 1);
    task.stop();
    expect(await task.awaitStop(50)).toBe(false);
    task.cancel();
    kafka.releaseAcks();
    await awaitStopped(task);
    expect(kafka.records("t")).toHaveLength(1);
    expect(offsets.get("c", { file: "f" })).toBeNull();
    // A new task may own the records now (a spool it drains too): the orphan must not delete them again.
    expect(plugin.committed).toEqual([]);
    expect(plugin.stopped).toBe(true);
  });

  test("a task abandoned while its producer retries force-closes it (Connect's cancel): nothing more is written, and it ends without Kafka (explore23 F1)", async () => {
    const forced: string[] = [];
    let sends = 0;
    const { kafka, plugin, task, offsets } = setup({
      flushMs: 3_600_000,
      producer: async () => {
        const retrying = new Set<(error: Error) => void>();
        return {
          maxInFlight: 1,
          close: async () => {},
          // Kafka unreachable: the producer retries the send on its own until it is closed.
          send: () => {
            sends++;
            return new Promise<never>((_, reject) => retrying.add(reject));
          },
          forceClose() {
            forced.push(`${retrying.size} send(s) failed`);
            for (const reject of retrying) reject(new ConnectError("closed forcefully"));
          },
        };
      },
    });
    plugin.queue.push([line(1)]);
    task.start();
    await waitFor(() => sends === 1, { what: "the batch sent" });
    task.stop();
    expect(await task.awaitStop(50)).toBe(false);
    task.cancel();
    expect(forced).toEqual(["1 send(s) failed"]);
    await awaitStopped(task);
    expect([kafka.records("t"), offsets.get("c", { file: "f" }), plugin.committed]).toEqual([[], null, []]);
    expect(plugin.stopped).toBe(true);
  });
});

describe("WorkerSourceTask with several batches in flight", () => {
  const committedValues = (plugin: CommittingSource) => plugin.committed.map(([v]) => v);

  test("polls and converts the next batches while the first awaits acknowledgement, up to the in-flight bound", async () => {
    const { kafka, plugin, task, offsets } = setup({ maxInFlightBatches: 3 });
    kafka.holdAcks();
    plugin.queue.push([line(1)], [line(2)], [line(3)], [line(4)]);
    task.start();
    // Three batches taken from the task (one on the wire, two queued behind it); the fourth waits.
    await waitFor(() => plugin.queue.length === 1 && kafka.heldSends === 1);
    expect(plugin.committed).toEqual([]);
    kafka.releaseAck(0);
    await waitFor(() => plugin.queue.length === 0 && kafka.heldSends === 2);
    expect(committedValues(plugin)).toEqual(["line 1"]);
    kafka.releaseAcks();
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 4);
    expect(committedValues(plugin)).toEqual(["line 1", "line 2", "line 3", "line 4"]);
    expect(kafka.records("t").map((r) => new TextDecoder().decode(r.value!))).toEqual([
      "line 1",
      "line 2",
      "line 3",
      "line 4",
    ]);
    await stopAndAwait(task);
  });

  test("acknowledgements out of order: a later batch settling first is not acknowledged or committed first", async () => {
    // The second batch has nothing to send (its record is skipped with errors.tolerance=all), so it
    // settles at once, while the first still waits for Kafka.
    const { kafka, plugin, task, offsets } = setup({ tolerance: "all" });
    // Fails its conversion (one attempt, the direct path's, which the error operator counts as its
    // first), then reads fine.
    let conversions = 0;
    const unconvertible = sourceRecord({
      topic: "t",
      value: {
        toString() {
          if (++conversions <= 1) throw new Error("cannot convert");
          return "unconvertible";
        },
      },
      valueSchema: Schemas.STRING,
      sourcePartition: { file: "f" },
      sourceOffset: { pos: 2 },
    });
    kafka.holdAcks();
    plugin.queue.push([line(1)], [unconvertible], [line(3)]);
    task.start();
    await waitFor(() => kafka.heldSends === 1 && plugin.queue.length === 0);
    expect(plugin.committed).toEqual([]);
    expect(offsets.get("c", { file: "f" })).toBeNull();
    kafka.releaseAck(0);
    await waitFor(() => kafka.heldSends === 2);
    // Batches 1 and 2 are acknowledged, in order; batch 3 is not yet.
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 2);
    expect(plugin.committed.map(([v, m]) => [v, m?.offset ?? null])).toEqual([
      ["line 1", 0],
      ["unconvertible", null],
    ]);
    kafka.releaseAck(1);
    await waitFor(() => offsets.get("c", { file: "f" })?.pos === 3);
    await stopAndAwait(task);
  });

  test("a batch failing in the middle fails the task; nothing after it is sent, acknowledged or committed", async () => {
    const { kafka, plugin, task, offsets, listener } = setup({ flushMs: 3_600_000 });
    kafka.holdAcks();
    plugin.queue.push([line(1)], [line(2)]);
    task.start();
    await waitFor(() => kafka.heldSends === 1 && plugin.queue.length === 0);
    kafka.releaseAck(0);
    await waitFor(() => kafka.heldSends === 2);
    // Polled while line 2 is on the wire: queued behind it (a merged send is tested below).
    plugin.queue.push([line(3)]);
    await waitFor(() => plugin.queue.length === 0);
    kafka.failAck(1, new ConnectError("record too large"));
    await awaitFailed(listener);
    await awaitStopped(task);
    // The client's error under Connect's (explore19 F4), not "Tolerance exceeded in error handler" (issue 8 point 5).
    expect(String((listener.failure as Error).cause)).toBe("ConnectError: record too large");
    expect(kafka.heldSends).toBe(2); // line 3 was never sent
    expect(committedValues(plugin)).toEqual(["line 1"]);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 1 });
  });

  test("a batch rejected for good while the task is PAUSED fails the task without a resume (spool-order-fix point 2)", async () => {
    const { kafka, plugin, task, listener, offsets } = setup({ maxInFlightBatches: 5 });
    kafka.pipelining = 3;
    kafka.holdAcks();
    // Each poll batch a batch.size worth or more, so each goes out in a request of its own.
    const big = (n: number) =>
      sourceRecord({
        topic: "t",
        value: `line ${n} `.padEnd(20_000, "x"),
        valueSchema: Schemas.STRING,
        sourcePartition: { file: "f" },
        sourceOffset: { pos: n },
      });
    plugin.queue.push([big(1)], [big(2)], [big(3)]);
    task.start();
    await waitFor(() => kafka.heldSends === 3, { what: "three requests in flight" });
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.includes("PAUSED"), { what: "PAUSED" });
    kafka.failAck(1, new ConnectError("INVALID_RECORD"));
    kafka.releaseAck(0);
    kafka.releaseAck(2); // sent after the failed one: the producer rejects it
    await awaitFailed(listener);
    expect(listener.events).toEqual(["RUNNING", "PAUSED", "FAILED"]);
    await awaitStopped(task);
    expect(kafka.records("t")).toHaveLength(1);
    expect(plugin.committed.map(([v]) => v.slice(0, 7))).toEqual(["line 1 "]);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 1 });
  });

  test("stop while batches are in flight: waits for them and commits only the acknowledged prefix", async () => {
    const { kafka, plugin, task, offsets } = setup({ flushMs: 3_600_000 });
    kafka.holdAcks();
    plugin.queue.push([line(1)], [line(2)]);
    task.start();
    await waitFor(() => kafka.heldSends === 1 && plugin.queue.length === 0);
    kafka.releaseAck(0);
    await waitFor(() => kafka.heldSends === 2);
    plugin.queue.push([line(3)]); // queued behind line 2
    await waitFor(() => plugin.queue.length === 0);
    task.stop();
    // SourceTask.stop() ran; the worker task now waits for the batches in flight before committing.
    await waitFor(() => plugin.stopped);
    expect(offsets.get("c", { file: "f" })).toBeNull();
    kafka.failAck(1, new RetriableError("broker unreachable"));
    await awaitStopped(task);
    expect(kafka.heldSends).toBe(2); // line 3 is not sent once stopping
    expect(committedValues(plugin)).toEqual(["line 1"]);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 1 });
  });

  test("commitRecords, when the task has it, is called once per acknowledged batch instead of commitRecord", async () => {
    const { kafka, plugin, task } = setup();
    const batches: [string[], (number | undefined)[]][] = [];
    Object.assign(plugin, {
      commitRecords: (records: readonly SourceRecord[], metadata: readonly (RecordMetadata | null)[]) => {
        batches.push([records.map((r) => String(r.value)), metadata.map((m) => m?.offset)]);
      },
    });
    kafka.holdAcks();
    plugin.queue.push([line(1), line(2)], [line(3)]);
    task.start();
    await waitFor(() => kafka.heldSends === 1);
    kafka.releaseAck(0);
    await waitFor(() => kafka.heldSends === 2);
    kafka.releaseAck(1);
    await waitFor(() => batches.length === 2);
    expect(batches).toEqual([
      [
        ["line 1", "line 2"],
        [0, 1],
      ],
      [["line 3"], [2]],
    ]);
    expect(plugin.committed).toEqual([]);
    await stopAndAwait(task);
  });

  test("with no room in flight, the loop waits for the oldest batch to be handled, not merely acknowledged", async () => {
    const { kafka, plugin, task } = setup({ maxInFlightBatches: 1 });
    // commitRecord of the first batch stays pending: the batch is acknowledged by Kafka but not
    // yet handled, so there is still no room. The loop must wait (not spin on a settled promise,
    // which would starve the event loop: the waitFor below would never look).
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const committed: string[] = [];
    plugin.commitRecord = (record) => {
      committed.push(String(record.value));
      return committed.length === 1 ? blocked : undefined;
    };
    plugin.queue.push([line(1)], [line(2)]);
    task.start();
    await waitFor(() => committed.length === 1);
    await waitFor(() => roomWaits(task) === 1, { what: "the loop waiting for room" });
    expect(kafka.sends).toBe(1); // the second batch waits for room
    release();
    await waitFor(() => committed.length === 2);
    expect(kafka.records("t").map((r) => r.value && new TextDecoder().decode(r.value))).toEqual(["line 1", "line 2"]);
    await stopAndAwait(task);
  });

  // Regression test of review-ppack2b P1: a wait for room ended by the oldest batch's acknowledgement must drop its wake
  // for room freed, which (but for a task that commits in any order) is never called: else one is kept per wait.
  test("a wait for room that ends with the oldest batch handled leaves no wake for room freed behind", async () => {
    const { kafka, plugin, task } = setup({ maxInFlightBatches: 1 });
    kafka.holdAcks();
    plugin.queue.push([line(1)]);
    task.start();
    await waitFor(() => kafka.heldSends === 1, { what: "line 1 on the wire" });
    await waitFor(() => roomWaits(task) === 1, { what: "the loop waiting for room" });
    const polls = plugin.polls;
    kafka.releaseAck(0);
    await waitFor(() => plugin.polls > polls, { what: "the loop polling again" });
    expect(roomWaits(task)).toBe(0);
    await stopAndAwait(task);
  });

  test("only the last offset of each source partition in a batch is staged", async () => {
    const { plugin, task, offsets } = setup({ flushMs: 3_600_000 });
    const rec = (file: string, pos: number) =>
      sourceRecord({
        topic: "t",
        value: `${file}:${pos}`,
        valueSchema: Schemas.STRING,
        sourcePartition: { file },
        sourceOffset: { pos },
      });
    plugin.queue.push([rec("a", 1), rec("b", 1), rec("a", 2), rec("a", 3), rec("b", 2)]);
    task.start();
    await waitFor(() => plugin.committed.length === 5);
    await stopAndAwait(task);
    // The store lists partitions in the order first written; which one that is, is not the point here.
    const stored = offsets.all("c").sort((x, y) => String(x.partition.file).localeCompare(String(y.partition.file)));
    expect(stored).toEqual([
      { partition: { file: "a" }, offset: { pos: 3 } },
      { partition: { file: "b" }, offset: { pos: 2 } },
    ]);
  });
});

describe("WorkerSourceTask's offset commit on stop", () => {
  test("failing (a full disk) when the flush interval is also due, it is logged once, in Connect's words", async () => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (l) => lines.push(l) });
    const clock = new ManualClock();
    const s = setup({ clock, flushMs: 1000, log: logs.get("org.apache.kafka.connect.runtime.WorkerSourceTask") });
    s.plugin.queue.push([line(1)]);
    s.task.start();
    await waitFor(() => s.plugin.committed.length === 1);
    s.offsets.write = () => {
      throw new Error("database or disk is full");
    };
    clock.advance(1000);
    await stopAndAwait(s.task);
    const failures = lines.filter((l) => l.includes("ERROR"));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain("Failed to flush offsets to storage");
    expect(lines.join("\n")).toContain("database or disk is full");
  });
});

describe("WorkerSourceTask's SourceTaskContext", () => {
  test("carries a logger named for the task class with [connector|task-N], and the worker's clock", async () => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (l) => lines.push(l) });
    const clock = new ManualClock(42);
    const { plugin, task } = setup({ clock, log: logs.get("org.apache.kafka.connect.runtime.WorkerSourceTask") });
    task.start();
    const context = await waitFor(() => plugin.context);
    context.logger.info("hello from the plugin");
    expect(lines.at(-1)).toEndWith("INFO [c|task-0] hello from the plugin (test.CommittingSource)");
    expect(context.clock).toBe(clock);
    expect(context.clock.now()).toBe(42);
    await stopAndAwait(task);
  });
});

describe("WorkerSourceTask's own lines", () => {
  test("its start and its failure are logged in Connect's words, the failure on WorkerTask's logger", async () => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (l) => lines.push(l) });
    const { plugin, task } = setup({ log: logs.get("org.apache.kafka.connect.runtime.WorkerSourceTask") });
    plugin.poll = async () => {
      throw new Error("the source is gone");
    };
    task.start();
    const failed = await waitFor(() => lines.find((l) => l.includes(" ERROR ")));
    expect(lines.find((l) => l.includes(" INFO ") && l.includes("finished initialization"))).toEndWith(
      "INFO [c|task-0] WorkerSourceTask{id=c-0} Source task finished initialization and start (org.apache.kafka.connect.runtime.WorkerSourceTask)",
    );
    expect(failed).toContain(
      "ERROR [c|task-0] WorkerSourceTask{id=c-0} Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted\nError: the source is gone",
    );
    expect(failed).toEndWith("(org.apache.kafka.connect.runtime.WorkerTask)");
    await stopAndAwait(task);
  });
});

describe("WorkerSourceTask merging the batches polled during a send", () => {
  /** Holds the first send; queues `batches` behind it; returns once all were polled. */
  async function queuedBehindFirstSend(options: Parameters<typeof setup>[0], ...batches: SourceRecord[][]) {
    const s = setup({ flushMs: 3_600_000, ...options });
    const calls: [string[], (number | null)[]][] = [];
    Object.assign(s.plugin, {
      commitRecords: (records: readonly SourceRecord[], metadata: readonly (RecordMetadata | null)[]) => {
        calls.push([records.map((r) => String(r.value)), metadata.map((m) => m?.offset ?? null)]);
      },
    });
    s.kafka.holdAcks();
    s.plugin.queue.push([line(1)]);
    s.task.start();
    await waitFor(() => s.kafka.heldSends === 1);
    s.plugin.queue.push(...batches);
    await waitFor(() => s.plugin.queue.length === 0);
    return { ...s, calls };
  }

  test("go out as one produce request; each poll batch is acknowledged on its own, in poll order", async () => {
    const { kafka, task, offsets, calls } = await queuedBehindFirstSend({}, [line(2), line(3)], [line(4)], [line(5)]);
    expect(kafka.sendSizes).toEqual([1]);
    kafka.releaseAck(0);
    await waitFor(() => kafka.heldSends === 2);
    expect(kafka.sendSizes).toEqual([1, 4]);
    expect(calls).toEqual([[["line 1"], [0]]]);
    kafka.releaseAck(1);
    await waitFor(() => calls.length === 4);
    expect(calls).toEqual([
      [["line 1"], [0]],
      [
        ["line 2", "line 3"],
        [1, 2],
      ],
      [["line 4"], [3]],
      [["line 5"], [4]],
    ]);
    expect(values(kafka)).toEqual(["line 1", "line 2", "line 3", "line 4", "line 5"]);
    await stopAndAwait(task);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 5 });
  });

  test("the merged request stays within max.request.size", async () => {
    const { kafka, task, offsets } = await queuedBehindFirstSend(
      { maxRequestBytes: 150 },
      [line(2)],
      [line(3)],
      [line(4)],
    );
    kafka.releaseAcks();
    await waitFor(() => kafka.records("t").length === 4);
    await stopAndAwait(task);
    expect(kafka.sendSizes).toEqual([1, 2, 1]); // two ~70-byte records per request
    expect(values(kafka)).toEqual(["line 1", "line 2", "line 3", "line 4"]);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 4 });
  });

  test("a merged request retried after a retriable failure lands whole, in order, once", async () => {
    const { kafka, task, calls, listener } = await queuedBehindFirstSend({}, [line(2)], [line(3)]);
    kafka.releaseAck(0);
    await waitFor(() => kafka.heldSends === 2);
    kafka.failAck(1, new RetriableError("broker unreachable"));
    await waitFor(() => kafka.heldSends === 3);
    kafka.releaseAck(2);
    await waitFor(() => calls.length === 3);
    expect(kafka.sendSizes).toEqual([1, 2, 2]);
    expect(values(kafka)).toEqual(["line 1", "line 2", "line 3"]);
    expect(calls.map(([v]) => v)).toEqual([["line 1"], ["line 2"], ["line 3"]]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });

  test("a merged request rejected for good: batches before the culprit are acknowledged, its batch fails the task, later ones are never sent", async () => {
    const { kafka, task, offsets, calls, listener } = await queuedBehindFirstSend(
      {},
      [line(2)],
      [line(3), line(4)],
      [line(5)],
    );
    rejectAsTooLarge(kafka, "line 4");
    kafka.releaseAck(0);
    // The merged request [2, 3, 4, 5] is rejected; its records go one by one: 2 and 3 are held.
    await waitFor(() => kafka.heldSends === 2);
    kafka.releaseAck(1);
    await waitFor(() => kafka.heldSends === 3);
    kafka.releaseAck(2);
    await awaitFailed(listener);
    await awaitStopped(task);
    expect(String((listener.failure as Error).cause)).toBe("ConnectError: record too large");
    expect(kafka.sendSizes).toEqual([1, 4, 1, 1, 1]); // line 5 never sent
    expect(values(kafka)).toEqual(["line 1", "line 2", "line 3"]);
    expect(calls).toEqual([
      [["line 1"], [0]],
      [["line 2"], [1]],
    ]);
    // The failed batch's written prefix (line 3) is committed, as Connect's final offset commit does (prefixoff).
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 3 });
  });

  test("with errors.tolerance=all only the culprit of a rejected merged request is skipped", async () => {
    const { kafka, task, offsets, calls, listener } = await queuedBehindFirstSend(
      { tolerance: "all" },
      [line(2)],
      [line(3), line(4)],
      [line(5)],
    );
    rejectAsTooLarge(kafka, "line 4");
    kafka.releaseAcks();
    await waitFor(() => calls.length === 4);
    expect(values(kafka)).toEqual(["line 1", "line 2", "line 3", "line 5"]);
    expect(calls).toEqual([
      [["line 1"], [0]],
      [["line 2"], [1]],
      [
        ["line 3", "line 4"],
        [2, null],
      ],
      [["line 5"], [3]],
    ]);
    expect(listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 5 });
  });

  test("stop with batches queued behind a send that then fails: nothing after it is sent or committed", async () => {
    const { kafka, plugin, task, offsets, calls } = await queuedBehindFirstSend({}, [line(2)], [line(3)]);
    task.stop();
    await waitFor(() => plugin.stopped);
    kafka.failAck(0, new RetriableError("broker unreachable"));
    await awaitStopped(task);
    expect(kafka.sendSizes).toEqual([1]);
    expect(calls).toEqual([]);
    expect(offsets.get("c", { file: "f" })).toBeNull();
  });

  test("stop with batches queued behind a send that succeeds: they still go out, merged, and are committed", async () => {
    const { kafka, plugin, task, offsets, calls } = await queuedBehindFirstSend({}, [line(2)], [line(3)]);
    task.stop();
    await waitFor(() => plugin.stopped);
    kafka.releaseAck(0);
    await waitFor(() => kafka.heldSends === 2);
    expect(offsets.get("c", { file: "f" })).toBeNull();
    kafka.releaseAck(1);
    await awaitStopped(task);
    expect(kafka.sendSizes).toEqual([1, 2]);
    expect(calls.map(([v]) => v)).toEqual([["line 1"], ["line 2"], ["line 3"]]);
    expect(offsets.get("c", { file: "f" })).toEqual({ pos: 3 });
  });
});

describe("WorkerSourceTask with a pipelining producer (issue 7 point 2)", () => {
  /** The record `v<n>` to `topic`, at offset `n` of the one source partition. */
  const rec = (topic: string, n: number) =>
    sourceRecord({
      topic,
      value: `v${n}`,
      valueSchema: Schemas.STRING,
      sourcePartition: { f: "f" },
      sourceOffset: { pos: n },
    });

  test("several requests in flight; one failing in the middle is sent again before anything after it, each record lands once, acknowledged in poll order", async () => {
    // Each poll batch starts a request of its own while there is room.
    const s = setup({ flushMs: 3_600_000, maxInFlightBatches: 5 });
    s.kafka.pipelining = 3;
    s.kafka.holdAcks();
    s.plugin.queue.push([line(1)], [line(2)], [line(3)], [line(4)]);
    s.task.start();
    // Up to three requests on the wire; the fourth batch goes when the first is acknowledged.
    await waitFor(() => s.kafka.heldSends === 3 && s.plugin.queue.length === 0);
    expect(s.kafka.sendSizes).toEqual([1, 1, 1]);
    s.kafka.releaseAck(0);
    await waitFor(() => s.kafka.heldSends === 4);
    expect(s.kafka.sendSizes).toEqual([1, 1, 1, 1]);
    s.kafka.failAck(2, new RetriableError("NOT_ENOUGH_REPLICAS"));
    s.kafka.releaseAck(1);
    // The producer failed: the request after the failed one is rejected too, never written.
    s.kafka.releaseAck(3);
    await waitFor(() => s.kafka.heldSends === 5);
    expect(values(s.kafka)).toEqual(["line 1", "line 2"]);
    s.kafka.releaseAck(4);
    await waitFor(() => s.kafka.heldSends === 6);
    s.kafka.releaseAck(5);
    await waitFor(() => s.plugin.committed.length === 4);
    expect(values(s.kafka)).toEqual(["line 1", "line 2", "line 3", "line 4"]);
    expect(s.plugin.committed.map(([v, m]) => [v, m?.offset])).toEqual([
      ["line 1", 0],
      ["line 2", 1],
      ["line 3", 2],
      ["line 4", 3],
    ]);
    expect(s.listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(s.task);
    expect(s.offsets.get("c", { file: "f" })).toEqual({ pos: 4 });
  });

  test("pipelined requests reach the producer in order even when topics are ensured first", async () => {
    // R1 = {a, b, b} then R2 = {b}: preparing R1 awaits two topics, R2 one; R2 must not overtake.
    const s = setup({
      maxRequestBytes: 150,
      maxInFlightBatches: 5,
      topicCreator: {
        ensure: async () => {},
        close: async () => {},
      },
    });
    s.kafka.pipelining = 5;
    s.plugin.queue.push([rec("a", 1), rec("b", 2), rec("b", 3)]);
    s.task.start();
    await waitFor(() => s.kafka.records("b").length === 2);
    expect(s.kafka.records("b").map((r) => new TextDecoder().decode(r.value ?? new Uint8Array()))).toEqual([
      "v2",
      "v3",
    ]);
    await stopAndAwait(s.task);
  });

  test("a send rejected with some partitions written: only the unwritten records go again; the written ones are acknowledged", async () => {
    const sent: string[][] = [];
    let producers = 0;
    const s = setup({
      producer: async (kafka) => {
        const inner = await kafka.producer();
        const first = producers++ === 0;
        return {
          maxInFlight: 1,
          close: () => inner.close(),
          async send(records: readonly ProducerRecord[]) {
            sent.push(records.map((r) => `${r.topic}:${new TextDecoder().decode(r.value ?? new Uint8Array())}`));
            if (!first) return inner.send(records);
            // Partition q is written, p fails: the rejection says which records were written.
            const q = await inner.send(records.filter((r) => r.topic === "q"));
            let k = 0;
            const written = records.map((r) => (r.topic === "q" ? q[k++]! : null));
            throw Object.assign(new RetriableError("NOT_ENOUGH_REPLICAS for p-0"), { written });
          },
        };
      },
    });
    s.plugin.queue.push([rec("p", 1), rec("q", 2), rec("p", 3), rec("q", 4)]);
    s.task.start();
    await waitFor(() => s.plugin.committed.length === 4);
    expect(sent).toEqual([
      ["p:v1", "q:v2", "p:v3", "q:v4"],
      ["p:v1", "p:v3"],
    ]);
    const values = (topic: string) =>
      s.kafka.records(topic).map((r) => new TextDecoder().decode(r.value ?? new Uint8Array()));
    expect(values("q")).toEqual(["v2", "v4"]);
    expect(values("p")).toEqual(["v1", "v3"]);
    expect(s.plugin.committed.map(([v, m]) => [v, m?.topic, m?.offset])).toEqual([
      ["v1", "p", 0],
      ["v2", "q", 0],
      ["v3", "p", 1],
      ["v4", "q", 1],
    ]);
    await stopAndAwait(s.task);
    expect(s.offsets.get("c", { f: "f" })).toEqual({ pos: 4 });
  });

  test("requests only not sent because an earlier one failed go again without a warning or backoff of their own", async () => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (l) => lines.push(l) });
    let producers = 0;
    let firstCalls = 0;
    const s = setup({
      maxRequestBytes: 150,
      maxInFlightBatches: 5,
      log: logs.get("org.apache.kafka.connect.runtime.WorkerSourceTask"),
      producer: async (kafka) => {
        const inner = await kafka.producer();
        if (producers++ > 0) return inner;
        let calls = 0;
        const secondCall = Promise.withResolvers<void>();
        return {
          maxInFlight: 5,
          close: () => inner.close(),
          async send() {
            firstCalls++;
            if (calls++ === 1) secondCall.resolve();
            if (calls === 1) {
              await secondCall.promise; // the first fails once the next request is on the wire too
              throw new RetriableError("NOT_ENOUGH_REPLICAS");
            }
            throw new NotSentError("Not sent: an earlier batch of t-0 failed");
          },
        };
      },
    });
    s.plugin.queue.push([line(1), line(2), line(3), line(4)]);
    s.task.start();
    await waitFor(() => s.plugin.committed.length === 4);
    expect(s.kafka.records("t").map((r) => new TextDecoder().decode(r.value ?? new Uint8Array()))).toEqual([
      "line 1",
      "line 2",
      "line 3",
      "line 4",
    ]);
    expect(firstCalls).toBeGreaterThan(1); // several requests were on the wire when the first failed
    expect(lines.filter((l) => l.includes("Failed to send"))).toHaveLength(1);
    await stopAndAwait(s.task);
  });
});

/**
 * Partition p of `t` led by broker p + 1 (each partition in requests of its own). The `attempt`-th Produce (from 0)
 * of `partition` waits for `release` when `held` says so, and is answered `errorCode` (0: written, at the next
 * offset of the topic).
 */
class ScriptedBroker implements ProduceTransport {
  /** Records per written batch, in log order. */
  readonly written: number[] = [];
  produceCalls = 0;
  callsAtRelease = -1;
  readonly release = Promise.withResolvers<void>();
  private readonly attempts = new Map<number, number>();
  constructor(
    private readonly held: (partition: number, attempt: number) => boolean,
    private readonly errorCode: (partition: number, attempt: number) => number,
    private readonly partitions = 1,
  ) {}
  async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    return new Map(topics.map((t) => [t, Array.from({ length: this.partitions }, (_, p) => p + 1)]));
  }
  async initProducerId() {
    return { producerId: 7n, producerEpoch: 0 };
  }
  stamp(): void {}
  connected(): boolean {
    return true;
  }
  async produce(_node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[]> {
    this.produceCalls++;
    const { partition } = batches[0]!; // one partition per broker
    const attempt = this.attempts.get(partition) ?? 0;
    this.attempts.set(partition, attempt + 1);
    if (this.held(partition, attempt)) {
      await this.release.promise;
      this.callsAtRelease = this.produceCalls;
    }
    const errorCode = this.errorCode(partition, attempt);
    return batches.map((b) => {
      if (errorCode !== 0) return { topic: b.topic, partition: b.partition, errorCode, baseOffset: -1 };
      const baseOffset = this.written.reduce((a, n) => a + n, 0);
      this.written.push(b.records.readInt32BE(57));
      return { topic: b.topic, partition: b.partition, errorCode, baseOffset };
    });
  }
}

/** NOT_LEADER_OR_FOLLOWER (retriable). */
const NOT_LEADER = 6;

describe("WorkerSourceTask that keeps order, on a producer that is not idempotent (spool-order-fix point 1)", () => {
  test("one request in flight: a batch retried after NOT_LEADER_OR_FOLLOWER lands before the next one", async () => {
    // The review's reproduction: acks=1 (no idempotence), 5 in flight, batch 0 NOT_LEADER, batch
    // 1 written, batch 0 retried: [1, 0]. Keeping order, batch 1 goes only after batch 0 settled.
    // The first Produce is held, then answered NOT_LEADER_OR_FOLLOWER; every other one is written.
    const broker = new ScriptedBroker(
      (_p, attempt) => attempt === 0,
      (_p, attempt) => (attempt === 0 ? NOT_LEADER : 0),
    );
    const producer = testProducer(broker, { idempotent: false });
    const basics = taskBasics();
    const plugin = new CommittingSource();
    const task = new WorkerSourceTask({
      ...basics,
      initialState: "STARTED",
      task: plugin,
      taskClass: "test.CommittingSource",
      config: {},
      producer: async () => producer,
      keepOrder: true,
      converters: stringConverters,
      transformations: TransformationChain.EMPTY,
      offsets: memoryOffsetStore(),
      maxRequestBytes: 1_048_576,
      maxInFlightBatches: 5,
      offsetFlushIntervalMs: 0,
      activeTopics: new ActiveTopics(() => true),
    });
    // Each poll batch a batch.size worth or more, so each would start a request of its own.
    const big = (n: number) =>
      sourceRecord({
        topic: "t",
        kafkaPartition: 0,
        value: `line ${n} `.padEnd(20_000, "x"),
        valueSchema: Schemas.STRING,
        sourcePartition: { file: "f" },
        sourceOffset: { pos: n },
      });
    plugin.queue.push([big(1)], [big(2), big(3)]);
    task.start();
    await waitFor(() => broker.produceCalls >= 1 && task.metrics.sourceRecordPollTotal === 3, {
      what: "both batches polled, the first on the wire",
    });
    broker.release.resolve();
    await waitFor(() => plugin.committed.length === 3, { what: "all acknowledged" });
    expect(broker.written).toEqual([1, 2]);
    expect(broker.callsAtRelease).toBe(1);
    expect(plugin.committed.map(([v, m]) => [v.slice(0, 7), m?.offset])).toEqual([
      ["line 1 ", 0],
      ["line 2 ", 1],
      ["line 3 ", 2],
    ]);
    expect(basics.listener.events).toEqual(["RUNNING"]);
    await stopAndAwait(task);
  });
});

// explore20 F2: with the platformatic producer retrying on its own, the task read RUNNING without a trace until
// delivery.timeout.ms (2 minutes), though nothing reached Kafka.
describe("WorkerSourceTask while its producer retries a send on its own", () => {
  test("the degraded trace gives the producer's last failure once its retries last RETRY_GRACE_MS, before any send fails; none once the batch is written", async () => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (l) => lines.push(l) });
    // The first Produce is answered NOT_LEADER_OR_FOLLOWER; the retry is held, then written.
    const broker = new ScriptedBroker(
      (_p, attempt) => attempt === 1,
      (_p, attempt) => (attempt === 0 ? NOT_LEADER : 0),
    );
    let skew = 0;
    const { plugin, task } = setup({
      log: logs.get("org.apache.kafka.connect.runtime.WorkerSourceTask"),
      producer: async () => testProducer(broker, { now: () => performance.now() + skew }),
    });
    plugin.queue.push([line(1)]);
    task.start();
    await waitFor(() => broker.produceCalls === 2, { what: "the producer's retry on the wire" });
    expect(task.degradedTrace).toBeNull(); // a leader move's single retry is not reported
    skew = RETRY_GRACE_MS;
    expect(task.degradedTrace).toBe(
      "Degraded: Kafka does not take the task's records (the last attempt failed: Kafka rejected 1 record(s) for t-0: NOT_LEADER_OR_FOLLOWER); the producer retries it until delivery.timeout.ms.",
    );
    expect(lines.filter((l) => l.includes("Failed to send"))).toEqual([]); // no send failed
    broker.release.resolve();
    await waitFor(() => plugin.committed.length === 1, { what: "the record acknowledged" });
    expect(plugin.committed).toEqual([
      ["line 1", { topic: "t", partition: 0, offset: 0, timestamp: expect.any(Number) }],
    ]);
    expect(task.degradedTrace).toBeNull();
    await stopAndAwait(task);
  });

  // The failed send retired the producer; the recovery waits for its other send, still retried by it.
  test("a send failed while the retired producer still retries another: the degraded trace gives that one's failure", async () => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (l) => lines.push(l) });
    // t-0 is out of retries (10); t-1's retry is held.
    const broker = new ScriptedBroker(
      (partition, attempt) => partition === 1 && attempt === 1,
      (partition, attempt) => (partition === 0 || attempt === 0 ? NOT_LEADER : 0),
      2,
    );
    let skew = 0;
    let first: KafkaProducer | undefined;
    let retired = false;
    const retiring = (producer: PlatformaticProducer) => {
      const failed = Object.getOwnPropertyDescriptor(PlatformaticProducer.prototype, "failed")!.get!;
      // The sender asks a producer whose send failed whether it failed for good: when it has, it retires it.
      Object.defineProperty(producer, "failed", {
        get: () => {
          const f = failed.call(producer) as boolean;
          retired ||= f;
          return f;
        },
      });
      return producer;
    };
    const { plugin, task } = setup({
      maxInFlightBatches: 5,
      log: logs.get("org.apache.kafka.connect.runtime.WorkerSourceTask"),
      producer: async () => (first ??= retiring(testProducer(broker, { now: () => performance.now() + skew }))),
    });
    const onPartition = (p: number) =>
      sourceRecord({
        topic: "t",
        kafkaPartition: p,
        value: `line ${p}`,
        valueSchema: Schemas.STRING,
        sourcePartition: { file: "f" },
        sourceOffset: { pos: p },
      });
    plugin.queue.push([onPartition(1)]);
    task.start();
    await waitFor(() => broker.produceCalls === 2, { what: "t-1's retry on the wire" });
    plugin.queue.push([onPartition(0)]); // a send of its own
    await waitFor(() => retired, { what: "t-0 out of retries, its producer retired by the sender" });
    expect(lines.filter((l) => l.includes("Failed to send"))).toEqual([]); // recovered only once t-1's send settles
    skew = RETRY_GRACE_MS;
    expect(task.degradedTrace).toBe(
      "Degraded: Kafka does not take the task's records (the last attempt failed: Kafka rejected 1 record(s) for t-1: NOT_LEADER_OR_FOLLOWER); the producer retries it until delivery.timeout.ms.",
    );
    broker.release.resolve();
    await stopAndAwait(task);
  });
});
