/**
 * WorkerSinkTask with a SinkTask that pauses its own partitions (`context.pause`, as the HTTP sink's
 * backpressure), as Connect's WorkerSinkTaskContext.pausedPartitions: a connector-level pause and
 * resume, or a rebalance, does not resume them; only the task's `context.resume` does, and not
 * while the connector is paused.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord } from "../api/record.ts";
import { LogManager } from "../util/logger.ts";
import { memorySinkTask, stopAndAwait } from "./task-test-support.ts";

class PausingSink implements SinkTask {
  context!: SinkTaskContext;
  readonly received: string[] = [];
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  put(records: readonly SinkRecord[]): void {
    this.received.push(...records.map((r) => `${r.kafkaPartition}:${String(r.value)}`));
  }
  stop(): void {}
}

const p0 = { topic: "in", partition: 0 };
const text = new TextDecoder();

async function setup() {
  const lines: string[] = [];
  const logs = new LogManager({ rootLevel: "DEBUG", sink: (l) => lines.push(l) });
  const plugin = new PausingSink();
  /** What the consumer handed the worker, as partition:value. */
  const handedOut: string[] = [];
  const { kafka, task, produceTo, listener } = memorySinkTask({
    plugin,
    taskClass: "test.PausingSink",
    offsetFlushIntervalMs: 3_600_000,
    partitions: 2,
    options: { log: logs.get("org.apache.kafka.connect.runtime.WorkerSinkTask") },
    wrapConsumer: (consumer) => {
      const start = consumer.start.bind(consumer);
      consumer.start = (handlers) =>
        start({
          ...handlers,
          onRecords: (records, heartbeat) => {
            handedOut.push(...records.map((r) => `${r.partition}:${text.decode(r.value!)}`));
            return handlers.onRecords(records, heartbeat);
          },
        });
      return consumer;
    },
  });
  const produce = (partition: number, value: string) => produceTo(partition, value);
  /**
   * What the consumer hands out now: MemoryConsumer calls the handler synchronously for every
   * partition not paused, so this is read before any of it is put (which may wait for a resume).
   */
  const fetch = () => {
    void kafka.deliver({ concurrently: true });
    return handedOut.splice(0);
  };
  const transition = async (state: "PAUSED" | "STARTED") => {
    const before = listener.events.length;
    task.transitionTo(state);
    await waitFor(() => listener.events.length > before, { what: `the task ${state}` });
    expect(listener.events.at(-1)).toBe(state === "PAUSED" ? "PAUSED" : "RUNNING");
  };
  task.start();
  await waitFor(() => listener.events.includes("RUNNING") && plugin.context?.assignment().length === 2);
  return { kafka, plugin, task, produce, fetch, transition, lines };
}

describe("WorkerSinkTask when the task paused a partition itself (Connect's pausedPartitions)", () => {
  test("a connector pause and resume leaves it paused and resumes the others; the task's resume resumes it", async () => {
    const { plugin, task, produce, fetch, transition, lines } = await setup();
    plugin.context.pause([p0]);
    expect(lines.at(-1)).toContain("DEBUG [c|task-0] Pausing partitions [in-0]. Connector is not paused.");
    await transition("PAUSED");
    await transition("STARTED");
    produce(0, "a");
    produce(1, "b");
    expect(fetch()).toEqual(["1:b"]);
    plugin.context.resume([p0]);
    expect(fetch()).toEqual(["0:a"]);
    await waitFor(() => plugin.received.length === 2);
    expect(plugin.received).toEqual(["1:b", "0:a"]);
    await stopAndAwait(task);
  });

  test("a rebalance pauses it again once it is assigned again", async () => {
    const { kafka, plugin, task, produce, fetch } = await setup();
    plugin.context.pause([p0]);
    await kafka.rebalance();
    produce(0, "a");
    produce(1, "b");
    expect(fetch()).toEqual(["1:b"]);
    plugin.context.resume([p0]);
    expect(fetch()).toEqual(["0:a"]);
    await stopAndAwait(task);
  });

  test("context.resume while the connector is paused leaves the consumer paused (Connect declines); the connector's resume resumes it", async () => {
    const { plugin, task, produce, fetch, transition, lines } = await setup();
    plugin.context.pause([p0]);
    await transition("PAUSED");
    plugin.context.resume([p0]);
    expect(lines.at(-1)).toContain(
      "DEBUG [c|task-0] Connector is paused, so not resuming consumer's partitions [in-0]",
    );
    produce(0, "a");
    expect(fetch()).toEqual([]);
    await transition("STARTED");
    expect(fetch()).toEqual(["0:a"]);
    await waitFor(() => plugin.received.length === 1);
    await stopAndAwait(task);
  });

  test("context.pause while the connector is paused is kept: the connector's resume leaves that partition paused", async () => {
    const { plugin, task, produce, fetch, transition, lines } = await setup();
    await transition("PAUSED");
    plugin.context.pause([p0]);
    expect(lines.at(-1)).toContain("DEBUG [c|task-0] Connector is paused, so not pausing consumer's partitions [in-0]");
    await transition("STARTED");
    produce(0, "a");
    produce(1, "b");
    expect(fetch()).toEqual(["1:b"]);
    plugin.context.resume([p0]);
    expect(lines.at(-1)).toContain("DEBUG [c|task-0] Resuming partitions: [in-0]");
    expect(fetch()).toEqual(["0:a"]);
    await stopAndAwait(task);
  });

  test("a rebalance while the connector is paused pauses everything assigned", async () => {
    const { kafka, plugin, task, produce, fetch, transition } = await setup();
    await transition("PAUSED");
    await kafka.rebalance();
    produce(0, "a");
    produce(1, "b");
    expect(fetch()).toEqual([]);
    await transition("STARTED");
    expect(fetch().toSorted()).toEqual(["0:a", "1:b"]);
    await waitFor(() => plugin.received.length === 2);
    await stopAndAwait(task);
  });
});
