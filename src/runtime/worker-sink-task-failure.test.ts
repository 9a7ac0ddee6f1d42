/**
 * WorkerSinkTask when its SinkTask fails in ways the put does not throw, and its offsets: a failure
 * the task swallowed (errantRecordReporter beyond errors.tolerance, raiseError) fails it before the
 * put's offsets advance (Connect's deliverMessages); a `context.offset` during put wins over the put's
 * own advance (Connect's rewind); a failure while PAUSED or stopping fails the task, and the task then
 * commits what was put before the failed put, never that put (Connect's closeAllPartitions). A DLQ
 * copy cut short by the stop keeps the closing commit from passing its record; an errant record's
 * copy of a partition lost meanwhile fails nothing (Connect's cancelFutures).
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask, SinkTaskContext } from "../api/connector.ts";
import type { SinkRecord, TopicPartition } from "../api/record.ts";
import { JsonConverter } from "../converters/json-converter.ts";
import { ConnectError, RetriableError } from "../errors.ts";
import type { KafkaProducer } from "../kafka/kafka-port.ts";
import type { MemoryKafka } from "../kafka/memory-kafka.ts";
import { systemClock } from "../util/clock.ts";
import { DeadLetterQueueReporter } from "./errors/dead-letter-queue-reporter.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import {
  awaitFailed,
  awaitStopped,
  memorySinkTask,
  quietLogs,
  stopAndAwait,
  stringConverters,
  taskBasics,
} from "./task-test-support.ts";
import type { WorkerSinkTaskOptions } from "./worker-sink-task.ts";

/**
 * A SinkTask whose `put` is the test's: `written` is what it wrote, `calls` the worker's calls.
 * The empty puts of an idle task (before each commit) are ignored: these tests are about records.
 */
class ScriptedSink implements SinkTask {
  context!: SinkTaskContext;
  readonly written: string[] = [];
  readonly calls: string[] = [];
  onPut: (records: readonly SinkRecord[]) => unknown = (records) => this.write(records);
  onOpen: () => void = () => {};
  initialize(context: SinkTaskContext): void {
    this.context = context;
  }
  start(): void {}
  write(records: readonly SinkRecord[]): void {
    this.written.push(...records.map((r) => String(r.value)));
  }
  async put(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.calls.push("put");
    await this.onPut(records);
  }
  flush(): void {
    this.calls.push("flush");
  }
  open(_partitions: readonly TopicPartition[]): void {
    this.calls.push("open");
    this.onOpen();
  }
  stop(): void {}
}

const p0 = { topic: "in", partition: 0 };

function setup(flushMs: number) {
  const plugin = new ScriptedSink();
  const { kafka, task, produce, listener } = memorySinkTask({
    plugin,
    taskClass: "test.ScriptedSink",
    offsetFlushIntervalMs: flushMs,
    basics: taskBasics("none"),
    onCommit: (offsets) => plugin.calls.push(`commit ${offsets.map((o) => o.offset).join(",")}`),
  });
  task.start();
  return { kafka, plugin, task, produce, listener };
}

/** A put that waits until the test settles it. */
function blockedPut(plugin: ScriptedSink) {
  let settle!: (error?: Error) => void;
  let entered = false;
  plugin.onPut = () => {
    entered = true;
    return new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
  };
  return { entered: () => entered, settle: (error?: Error) => settle(error) };
}

describe("WorkerSinkTask when the task swallows a failure beyond errors.tolerance", () => {
  test("errantRecordReporter.report under errors.tolerance=none: the task fails, nothing of the batch is committed", async () => {
    const { kafka, plugin, task, produce, listener } = setup(0); // a commit after every put
    plugin.onPut = async (records) => {
      for (const r of records) {
        if (r.value === "bad")
          await plugin.context.errantRecordReporter?.report(r, new ConnectError("bad record")).catch(() => undefined);
        else plugin.write([r]);
      }
    };
    produce("a", "bad", "c");
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver().catch(() => undefined);
    await awaitFailed(listener);
    expect(String(listener.failure)).toContain("Tolerance exceeded in error handler");
    await awaitStopped(task);
    expect(plugin.written).toEqual(["a", "c"]);
    // Flushed only at the partition's position (Connect's currentOffsets from the assignment on), never committed.
    expect(plugin.calls.filter((c) => c !== "flush")).toEqual(["open", "put"]);
    expect(kafka.committed("connect-c", p0)).toBeUndefined();
  });

  test("context.raiseError during put: the task fails before the put's offsets are committed", async () => {
    const { kafka, plugin, task, produce, listener } = setup(0);
    plugin.onPut = (records) => {
      plugin.write(records);
      plugin.context.raiseError?.(new ConnectError("the sink gave up"));
    };
    produce("a");
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver().catch(() => undefined);
    await awaitFailed(listener);
    expect(String(listener.failure)).toContain("the sink gave up");
    await awaitStopped(task);
    expect(kafka.committed("connect-c", p0)).toBeUndefined();
  });
});

describe("WorkerSinkTask with a dead letter queue that cannot take a record", () => {
  /**
   * errors.tolerance=all with a DLQ "dlq" on the task's own MemoryKafka, which refuses every DLQ
   * record; `o` replaces the DLQ producer's creation or the task's options.
   */
  function withRefusingDlq(
    o: { create?: () => Promise<KafkaProducer>; options?: Partial<WorkerSinkTaskOptions> } = {},
  ) {
    let kafka: MemoryKafka | undefined;
    const basics = taskBasics("all");
    const reporter = new DeadLetterQueueReporter(
      { topic: "dlq", replicationFactor: 1, contextHeaders: true },
      async () => kafka!.admin(),
      { check: () => {}, create: o.create ?? (async () => kafka!.producer()) },
      quietLogs().get("dlq"),
      basics.metrics,
    );
    const operator = new RetryWithToleranceOperator(
      { tolerance: "all", retryTimeoutMs: 0, retryDelayMaxMs: 1000 },
      [reporter],
      systemClock,
      basics.id,
      basics.metrics,
    );
    const plugin = new ScriptedSink();
    const sink = memorySinkTask({
      plugin,
      taskClass: "test.ScriptedSink",
      offsetFlushIntervalMs: 0,
      basics: { ...basics, operator },
      onCommit: (offsets) => plugin.calls.push(`commit ${offsets.map((c) => c.offset).join(",")}`),
      ...(o.options ? { options: o.options } : {}),
    });
    kafka = sink.kafka;
    kafka.rejectRecords(
      (r) => r.topic === "dlq",
      () => new ConnectError("Kafka rejected 1 record(s) for dlq-0: TOPIC_AUTHORIZATION_FAILED"),
    );
    sink.task.start();
    return { ...sink, plugin, metrics: basics.metrics };
  }

  test("the task fails at the next commit (Connect's awaitFutures) and no offset past the record is committed", async () => {
    const { kafka, plugin, task, produce, listener, metrics } = withRefusingDlq();
    plugin.onPut = async (records) => {
      for (const r of records) {
        if (r.value === "bad") await plugin.context.errantRecordReporter?.report(r, new ConnectError("bad record"));
        else plugin.write([r]);
      }
    };
    produce("a");
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver();
    await waitFor(() => kafka.committed("connect-c", p0) === 1);
    produce("bad", "c");
    await kafka.deliver().catch(() => undefined);
    await awaitFailed(listener);
    await awaitStopped(task);
    expect(plugin.written).toEqual(["a", "c"]);
    expect(metrics.deadLetterQueueProduceFailures).toBe(1);
    const failure = listener.failure as Error;
    expect(failure.message).toBe(
      "java.util.concurrent.ExecutionException: org.apache.kafka.connect.errors.ConnectException: Kafka rejected 1 record(s) for dlq-0: TOPIC_AUTHORIZATION_FAILED",
    );
    // Neither this commit nor the closing one goes past the record the DLQ did not take.
    expect(kafka.committed("connect-c", p0)).toBe(1);
    expect(plugin.calls.filter((c) => c.startsWith("commit"))).toEqual(["commit 1"]);
  });

  test("an errant record of a partition lost before the DLQ refused it fails nothing (Connect's cancelFutures); it is counted", async () => {
    const { kafka, plugin, task, produce, listener, metrics } = withRefusingDlq({
      options: { offsetFlushIntervalMs: 3_600_000 },
    });
    kafka.rejectRecords(
      () => false,
      () => new Error("unused"),
    );
    let reported = 0;
    plugin.onPut = async (records) => {
      for (const r of records) {
        if (r.value === "bad" && reported++ === 0)
          await plugin.context.errantRecordReporter?.report(r, new ConnectError("bad record"));
        else plugin.write([r]);
      }
    };
    await waitFor(() => plugin.calls.includes("open"));
    kafka.holdAcks();
    produce("a", "bad");
    await kafka.deliver();
    expect(kafka.heldSends).toBe(1); // the DLQ copy of bad, not acknowledged
    await kafka.rebalance({ lost: true });
    kafka.failAck(0, new ConnectError("Kafka rejected 1 record(s) for dlq-0: TOPIC_AUTHORIZATION_FAILED"));
    await waitFor(() => metrics.deadLetterQueueProduceFailures === 1);
    kafka.releaseAcks();
    await kafka.deliver(); // a and bad again from the committed offset (none): the new owner's records
    plugin.context.requestCommit();
    await waitFor(() => kafka.committed("connect-c", p0) === 2);
    expect(listener.events).toEqual(["RUNNING"]);
    expect(plugin.written).toEqual(["a", "a", "bad"]);
    await stopAndAwait(task);
  });

  test("a conversion failure's copy still waiting for the producer when the task stops: the closing commit does not pass it (Java's send still blocks)", async () => {
    const value = new JsonConverter();
    value.configure({ "schemas.enable": "false" }, false);
    let attempts = 0;
    const { kafka, plugin, task, produce, listener, metrics } = withRefusingDlq({
      create: async () => {
        attempts++;
        throw new RetriableError("Failed to connect the producer: Connection error: connect ECONNREFUSED");
      },
      options: {
        converters: { ...stringConverters, value, valueClass: "org.apache.kafka.connect.json.JsonConverter" },
      },
    });
    produce('"a"');
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver();
    await waitFor(() => kafka.committed("connect-c", p0) === 1);
    produce("{oops", '"c"');
    const delivered = kafka.deliver().catch(() => undefined);
    await waitFor(() => attempts > 0); // the copy of {oops waits for the producer, as Java's send for metadata
    task.stop();
    await delivered;
    await awaitStopped(task);
    expect(listener.events).toEqual(["RUNNING"]);
    expect(metrics.deadLetterQueueProduceFailures).toBe(1);
    expect(kafka.committed("connect-c", p0)).toBe(1); // never past {oops, which has no DLQ copy
  });
});

describe("WorkerSinkTask when the task asks for an offset during put (Connect's rewind)", () => {
  test("the requested offset wins over the put's: the commit stops there and the records after it come again", async () => {
    const { kafka, plugin, task, produce } = setup(0);
    let first = true;
    plugin.onPut = (records) => {
      if (first) {
        first = false;
        plugin.write(records.slice(0, 1));
        plugin.context.offset([{ ...p0, offset: 1 }]); // b and c again
        return;
      }
      plugin.write(records);
    };
    produce("a", "b", "c");
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver();
    // Nothing past a is committed (Connect does not commit the rewound offset itself either).
    expect(kafka.committed("connect-c", p0) ?? 0).toBeLessThanOrEqual(1);
    await kafka.deliver();
    await waitFor(() => kafka.committed("connect-c", p0) === 3);
    expect(plugin.written).toEqual(["a", "b", "c"]);
    await stopAndAwait(task);
  });
});

describe("WorkerSinkTask failing while PAUSED or stopping", () => {
  test("a put in flight that fails while the connector is paused fails the task at once; what was put before is committed", async () => {
    const { kafka, plugin, task, produce, listener } = setup(3_600_000);
    produce("a");
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver(); // a is put, not committed yet
    const put = blockedPut(plugin);
    produce("b");
    const delivering = kafka.deliver().catch(() => undefined);
    await waitFor(put.entered);
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.includes("PAUSED"));
    put.settle(new ConnectError("endpoint rejected the batch"));
    await delivering;
    await awaitFailed(listener);
    expect(String(listener.failure)).toContain("endpoint rejected the batch");
    await stopAndAwait(task);
    expect(plugin.calls.filter((c) => c === "flush" || c.startsWith("commit"))).toEqual(["flush", "commit 1"]);
    expect(kafka.committed("connect-c", p0)).toBe(1); // a, never b
  });

  test("an open() that throws in a rebalance while paused fails the task", async () => {
    const { kafka, plugin, task, listener } = setup(3_600_000);
    await waitFor(() => plugin.calls.includes("open") && listener.events.includes("RUNNING"));
    task.transitionTo("PAUSED");
    await waitFor(() => listener.events.includes("PAUSED"));
    plugin.onOpen = () => {
      throw new ConnectError("open failed");
    };
    await kafka.rebalance();
    await awaitFailed(listener);
    expect(String(listener.failure)).toContain("open failed");
    await stopAndAwait(task);
  });

  test("a put that fails as the task is told to stop: close commits what came before, not the failed put", async () => {
    const { kafka, plugin, task, produce, listener } = setup(3_600_000);
    produce("a");
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver(); // a is put, not committed yet
    plugin.onPut = () => {
      task.stop();
      throw new ConnectError("endpoint rejected the batch");
    };
    produce("b");
    await kafka.deliver().catch(() => undefined);
    await awaitStopped(task);
    // Told to stop first: the failure is logged, not reported (Connect's "After being scheduled for shutdown").
    expect(listener.events).toEqual(["RUNNING"]);
    expect(plugin.calls.filter((c) => c === "flush" || c.startsWith("commit"))).toEqual(["flush", "commit 1"]);
    expect(kafka.committed("connect-c", p0)).toBe(1); // a, never b
  });
});

describe("WorkerSinkTask stopped while a put is redelivered", () => {
  // Kill hunt 2026-12-02: the stop's abort of the redelivery counted as the task failing, so the
  // graceful stop committed nothing, and what was written before the disk filled came again.
  test("the stop ends the redelivery without failing the task and commits what was put before (Connect's close)", async () => {
    const { kafka, plugin, task, produce, listener } = setup(3_600_000);
    produce("a");
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver(); // a is put, not committed yet
    plugin.onPut = () => {
      plugin.context.timeout(1); // redelivered at once, not when the next commit is due (an hour)
      throw new RetriableError("No space left on device");
    };
    produce("b");
    const delivering = kafka.deliver().catch(() => undefined);
    await waitFor(() => plugin.calls.filter((c) => c === "put").length >= 3, { what: "b redelivered" });
    await stopAndAwait(task);
    await delivering;
    expect(listener.events).not.toContain("FAILED");
    expect(kafka.committed("connect-c", p0)).toBe(1); // a, never b
    expect(plugin.written).toEqual(["a"]);
  });
});

describe("WorkerSinkTask committing while a put is redelivered", () => {
  // Kill hunt 2026-12-02: the redelivery held the task's executor, so no commit was made while a
  // disk stayed full, and a kill -9 then replayed everything put since the last one.
  test("a commit due between redeliveries commits what was put before (Connect's poll loop)", async () => {
    const { kafka, plugin, task, produce, listener } = setup(3_600_000);
    produce("a");
    await waitFor(() => plugin.calls.includes("open"));
    await kafka.deliver(); // a is put, not committed yet
    plugin.onPut = () => {
      plugin.context.requestCommit();
      throw new RetriableError("No space left on device");
    };
    produce("b");
    const delivering = kafka.deliver().catch(() => undefined);
    await waitFor(() => kafka.committed("connect-c", p0) === 1, { what: "a committed while b is redelivered" });
    expect(plugin.written).toEqual(["a"]);
    await stopAndAwait(task);
    await delivering;
    expect(listener.events).not.toContain("FAILED");
    expect(kafka.committed("connect-c", p0)).toBe(1);
  });
});

describe("WorkerSinkTask when the consumer cannot tell an assigned partition's position", () => {
  test("a failure that is not retriable fails the task before open, as Connect's consumer.position() in onPartitionsAssigned", async () => {
    const plugin = new ScriptedSink();
    const { task, listener } = memorySinkTask({
      plugin,
      taskClass: "test.ScriptedSink",
      offsetFlushIntervalMs: 3_600_000,
      basics: taskBasics("none"),
      wrapConsumer: (consumer) => {
        consumer.position = async () => {
          throw new ConnectError("Not authorized to access group: connect-c");
        };
        return consumer;
      },
    });
    task.start();
    await awaitFailed(listener);
    expect(String(listener.failure)).toContain("Not authorized to access group: connect-c");
    expect(plugin.calls).not.toContain("open");
    await stopAndAwait(task);
  });
});
