/**
 * WorkerSinkTask while its consumer joins the group (which can take a whole rebalance): a pause or
 * resume shows in the task's status at once, as Connect's wakeup of the task's poll reports it,
 * not once the join completes.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask } from "../api/connector.ts";
import type { SinkRecord } from "../api/record.ts";
import { memorySinkTask, stopAndAwait } from "./task-test-support.ts";

class RecordingSink implements SinkTask {
  readonly received: string[] = [];
  initialize(): void {}
  start(): void {}
  put(records: readonly SinkRecord[]): void {
    this.received.push(...records.map((r) => String(r.value)));
  }
  stop(): void {}
}

function heldJoin() {
  const plugin = new RecordingSink();
  const gate = Promise.withResolvers<void>();
  const setup = memorySinkTask({
    plugin,
    taskClass: "test.RecordingSink",
    offsetFlushIntervalMs: 3_600_000,
    wrapConsumer: (consumer) => {
      const start = consumer.start.bind(consumer);
      consumer.start = async (handlers) => {
        await gate.promise;
        return start(handlers);
      };
      return consumer;
    },
  });
  /** Started, then paused while its join is held. */
  const pausedInJoin = async () => {
    setup.task.start();
    await waitFor(() => setup.listener.events.includes("RUNNING"), { what: "the task started" });
    setup.task.transitionTo("PAUSED");
    await waitFor(() => setup.listener.events.at(-1) === "PAUSED", { what: "PAUSED while the join is held" });
  };
  /** Whether `value` was put, after handing out what is there. */
  const delivered = (value: string) => {
    void setup.kafka.deliver({ concurrently: true });
    return plugin.received.includes(value);
  };
  return { ...setup, plugin, completeJoin: () => gate.resolve(), pausedInJoin, delivered };
}

describe("WorkerSinkTask while its consumer joins the group", () => {
  test("a pause shows as PAUSED before the join completes; records then wait for the resume", async () => {
    const { task, listener, produce, plugin, completeJoin, kafka, pausedInJoin, delivered } = heldJoin();
    await pausedInJoin();

    produce("a");
    completeJoin();
    // Handed out while paused (if the join completed already): not put before the resume.
    void kafka.deliver({ concurrently: true });
    expect(plugin.received).toEqual([]);
    task.transitionTo("STARTED");
    await waitFor(() => delivered("a"), { what: "the record after the resume" });
    expect(listener.events).toEqual(["RUNNING", "PAUSED", "RUNNING"]);
    await stopAndAwait(task);
  });

  test("a pause and a resume during the join end RUNNING, and records flow", async () => {
    const { task, listener, produce, completeJoin, pausedInJoin, delivered } = heldJoin();
    await pausedInJoin();
    task.transitionTo("STARTED");
    await waitFor(() => listener.events.at(-1) === "RUNNING", { what: "RUNNING again while the join is held" });
    completeJoin();
    produce("b");
    await waitFor(() => delivered("b"), { what: "the record" });
    expect(listener.events).toEqual(["RUNNING", "PAUSED", "RUNNING"]);
    await stopAndAwait(task);
  });
});
