// A partition assigned while the task held consumption paused (a rebalance during backpressure)
// was not paused, so it filled the buffer while the endpoint was slow; and a resume that came while
// the paused partition was revoked (the revocation dropped the buffer under half) left it paused in
// the runtime for good once it was assigned again.
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { SinkTask } from "../../api/connector.ts";
import type { TopicPartition } from "../../api/record.ts";
import type { KafkaConsumer } from "../../kafka/kafka-port.ts";
import type { SinkOffsets } from "../../runtime/sink-offsets.ts";
import { SinkPartitionOwnership } from "../../runtime/sink-partition-ownership.ts";
import type { TargetState } from "../../store/config-store.ts";
import { deferred } from "../../util/async.ts";
import { LogManager } from "../../util/logger.ts";
import { endpoint, harness, record } from "./test-support.ts";

const p0 = { topic: "orders", partition: 0 };
const p1 = { topic: "orders", partition: 1 };
const name = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;
const names = (tps: readonly TopicPartition[]) => tps.map(name).join(",");
const config = (url: string) => ({
  url,
  "sink.requests.max-buffered": "2",
  "sink.batch.max-size": "2",
  "sink.request.batch.size": "2",
});

/** An endpoint that holds every request until `release`. */
async function heldEndpoint() {
  const server = endpoint();
  const gate = deferred<void>();
  server.answer(async () => {
    await gate.promise;
    return new Response("ok");
  });
  return { server, release: () => gate.resolve() };
}

describe("HttpSinkTask backpressure and open", () => {
  test("a partition opened while paused is paused too; the resume at half includes it", async () => {
    const { server, release } = await heldEndpoint();
    await using _server = server;
    const assignment = [p0];
    const calls: string[] = [];
    await using h = harness(config(server.url()), {
      context: {
        assignment: () => assignment,
        pause: (tps) => void calls.push(`pause ${names(tps)}`),
        resume: (tps) => void calls.push(`resume ${names(tps)}`),
      },
    });
    await h.task.put([record(0, 0, "a"), record(0, 1, "b")]);
    expect(calls).toEqual(["pause orders-0"]);
    assignment.push(p1);
    h.task.open([p1]);
    expect(calls).toEqual(["pause orders-0", "pause orders-1"]);
    release();
    await waitFor(() => calls.length === 3);
    expect(calls).toEqual(["pause orders-0", "pause orders-1", "resume orders-0,orders-1"]);
  });

  test("records left buffered while it holds consumption paused are sent without waiting for the flush timeout", async () => {
    // Three records pause it; five came in one put: [0,1,2] go, [3,4] wait for a batch of three
    // that cannot fill while consumption is paused, and two is above the resume at half. Before,
    // they waited for sink.flush-buffer.timeout (an hour here) and the partition stayed paused.
    const { server, release } = await heldEndpoint();
    await using _server = server;
    const calls: string[] = [];
    await using h = harness(
      {
        url: server.url(),
        "sink.requests.max-buffered": "3",
        "sink.batch.max-size": "3",
        "sink.request.batch.size": "3",
        "sink.requests.max-inflight": "1",
        "sink.flush-buffer.timeout": "3600000",
      },
      {
        context: {
          assignment: () => [p0],
          pause: (tps) => void calls.push(`pause ${names(tps)}`),
          resume: (tps) => void calls.push(`resume ${names(tps)}`),
        },
      },
    );
    await h.task.put([0, 1, 2, 3, 4].map((i) => record(0, i, i)));
    await waitFor(() => server.received.length === 1, { what: "the first request" });
    expect(calls).toEqual(["pause orders-0"]);
    release();
    await waitFor(() => server.received.length === 2, { what: "the buffered records sent" });
    expect(server.values()).toEqual([0, 1, 2, 3, 4]);
    await waitFor(() => calls.length === 2, { what: "the resume" });
    expect(calls).toEqual(["pause orders-0", "resume orders-0"]);
  });

  test("a partition opened while not paused is left as it is", async () => {
    await using server = endpoint();
    const calls: string[] = [];
    await using h = harness(config(server.url()), {
      context: { pause: (tps) => void calls.push(`pause ${names(tps)}`), resume: () => void calls.push("resume") },
    });
    h.task.open([p1]);
    await h.task.put([record(1, 0, "a")]);
    expect(calls).toEqual([]);
  });
});

/** The runtime's side: SinkPartitionOwnership over a consumer that records what is paused. */
function runtime(task: () => SinkTask) {
  const lines: string[] = [];
  const log = new LogManager({ rootLevel: "DEBUG", sink: (l) => lines.push(l) }).get("WorkerSinkTask");
  const consumer = { assigned: [] as TopicPartition[], paused: new Set<string>() };
  const port = {
    assignment: () => consumer.assigned,
    pause: (tps: readonly TopicPartition[]) => {
      for (const tp of tps) consumer.paused.add(name(tp));
    },
    resume: (tps: readonly TopicPartition[]) => {
      for (const tp of tps) consumer.paused.delete(name(tp));
    },
  } as unknown as KafkaConsumer;
  let state: TargetState = "STARTED";
  const ownership = new SinkPartitionOwnership({
    task: { open: (tps) => task().open?.(tps) } as SinkTask,
    log,
    offsets: {
      onRewind: () => {},
      countHeld: () => {},
      forget: () => {},
      assigned: async () => {},
    } as unknown as SinkOffsets,
    putRetry: undefined as never,
    operator: { cancel: () => {} },
    consumer: () => port,
    targetState: () => state,
    cancelled: () => false,
    closed: () => false,
    raise: (error) => {
      throw error;
    },
    holdingOffsets: (call) => call(),
    resumed: () => {},
  });
  /** As the consumer's rebalance callback and the worker run it: assigned (pauses put back), then opened. */
  const assign = async (tps: TopicPartition[]) => {
    consumer.assigned = tps;
    ownership.assign(tps);
    await ownership.onPartitionsAssigned(tps);
  };
  const setState = (s: TargetState) => {
    state = s;
    if (s === "STARTED") ownership.resumeAll();
    else port.pause(consumer.assigned);
  };
  const context = {
    assignment: () => consumer.assigned,
    pause: (tps: readonly TopicPartition[]) => ownership.pauseByTask(tps),
    resume: (tps: readonly TopicPartition[]) => ownership.resumeByTask(tps),
  };
  return { consumer, assign, setState, context, paused: () => [...consumer.paused].sort() };
}

/**
 * A task on `runtime` whose endpoint holds every request, with p0 assigned and two records put.
 * Disposing it disposes the task, then the endpoint.
 */
async function heldOnRuntime() {
  const { server, release } = await heldEndpoint();
  let task!: SinkTask;
  const rt = runtime(() => task);
  const h = harness(config(server.url()), { context: rt.context });
  task = h.task;
  const dispose = async () => {
    await h[Symbol.asyncDispose]();
    await server[Symbol.asyncDispose]();
  };
  try {
    await rt.assign([p0]);
    await h.task.put([record(0, 0, "a"), record(0, 1, "b")]);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { server, release, rt, h, [Symbol.asyncDispose]: dispose };
}

describe("HttpSinkTask backpressure with the runtime's own-pause rule", () => {
  test("a partition assigned while paused stays paused across a connector pause/resume until the task resumes", async () => {
    await using held = await heldOnRuntime();
    const { release, rt, h } = held;
    expect(rt.paused()).toEqual(["orders-0"]);
    // A rebalance during backpressure (eager: everything assigned again) brings p1.
    await rt.assign([p0, p1]);
    expect(rt.paused()).toEqual(["orders-0", "orders-1"]);
    rt.setState("PAUSED");
    rt.setState("STARTED");
    expect(rt.paused()).toEqual(["orders-0", "orders-1"]);
    release();
    await waitFor(() => rt.paused().length === 0, { what: "the task's resume at half" });
    await h.task.idle();
  });

  test("a paused partition whose revocation ended the backpressure is resumed when it is opened again", async () => {
    await using held = await heldOnRuntime();
    const { server, release, rt, h } = held;
    await waitFor(() => server.received.length === 1);
    expect(rt.paused()).toEqual(["orders-0"]);
    // Revoked: close waits for the request in flight (its answer comes now, not at the default
    // 30 s sink.request.timeout), and the buffer empties while nothing is assigned.
    rt.consumer.assigned = [];
    rt.consumer.paused.clear();
    const closing = h.task.close([p0]);
    release();
    await closing;
    await h.task.idle();
    await rt.assign([p0, p1]);
    expect(rt.paused()).toEqual([]);
  });
});
