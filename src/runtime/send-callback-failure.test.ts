import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { RecordMetadata, RecordRejection } from "../api/connector.ts";
import { type SourceRecord, sourceRecord } from "../api/record.ts";
import { ConnectError, DataError, RetriableError, traceOf } from "../errors.ts";
import { withKafkaError } from "../kafka/send-rejection.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";

import { LogReporter } from "./errors/log-reporter.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import type { RecordConverters } from "./record-conversion.ts";
import type { WorkerSourceTaskOptions } from "./source-task-lifecycle.ts";
import { TaskMetrics } from "./task-metrics.ts";
import {
  awaitFailed,
  awaitStopped,
  memorySourceTask,
  QueuedSource,
  StatusRecorder,
  stopAndAwait,
  stringConverters,
} from "./task-test-support.ts";
import { TopicCreationError } from "./topic-creation.ts";

const CONNECT = "org.apache.kafka.connect.errors.ConnectException";
const REFUSAL = "Kafka rejected 1 record(s) for t-0: INVALID_RECORD";

/** A QueuedSource that takes per-record refusals (an ingest connector: its device is answered 422), keeping them. */
class RejectingSource extends QueuedSource {
  readonly rejectsRecords = true;
  readonly rejections: RecordRejection[] = [];
  commitRecord(_record: SourceRecord, _metadata: RecordMetadata | null, rejection?: RecordRejection): void {
    if (rejection) this.rejections.push(rejection);
  }
}

const line = (n: number) => sourceRecord({ topic: "t", value: `line ${n}`, sourceOffset: { n } });

/**
 * A WorkerSourceTask on a MemoryKafka, its log lines kept; with `errorsLog` its operator reports to a LogReporter, as
 * task-builder.ts sets it up for errors.log.enable=true.
 */
function run(
  o: {
    tolerance?: "none" | "all";
    errorsLog?: boolean;
    clock?: Clock;
    options?: Partial<WorkerSourceTaskOptions>;
    plugin?: QueuedSource;
  } = {},
) {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (l) => lines.push(l) });
  const id = { connector: "c", task: 0 };
  const metrics = new TaskMetrics();
  const clock = o.clock ?? systemClock;
  const reporters = o.errorsLog
    ? [
        new LogReporter(
          logs.get("org.apache.kafka.connect.runtime.errors.LogReporter").withContext("[c|task-0]"),
          false,
          metrics,
        ),
      ]
    : [];
  const operator = new RetryWithToleranceOperator(
    { tolerance: o.tolerance ?? "none", retryTimeoutMs: 0, retryDelayMaxMs: 1000 },
    reporters,
    clock,
    id,
    metrics,
  );
  const plugin = o.plugin ?? new QueuedSource();
  const log = logs.get("org.apache.kafka.connect.runtime.WorkerSourceTask");
  const basics = { id, metrics, operator, log, listener: new StatusRecorder(), clock };
  const { task, listener, kafka } = memorySourceTask({
    plugin,
    taskClass: "test.QueuedSource",
    basics,
    ...(o.options ? { options: o.options } : {}),
  });
  return { task, listener, plugin, kafka, lines, metrics };
}

/** Connect's send callback lines (their first line: the error's trace follows). */
const callbackLines = (lines: readonly string[]) =>
  lines.filter((l) => l.includes(" failed to send record to ")).map((l) => l.split("\n")[0]!);

describe("a source task whose record Kafka refuses for good (explore19 F4)", () => {
  test("errors.tolerance=none: fails with Connect's first line over the send's failure, after Connect's ERROR line", async () => {
    const { task, listener, plugin, kafka, lines } = run();
    kafka.failSends(new ConnectError(REFUSAL));
    plugin.queue.push([line(1)]);
    task.start();
    await awaitFailed(listener);
    await awaitStopped(task);
    const trace = traceOf(listener.failure).split("\n");
    expect(trace[0]).toBe(`${CONNECT}: Unrecoverable exception from producer send callback`);
    expect(trace.filter((l) => l.startsWith("Caused by: "))).toEqual([`Caused by: ${CONNECT}: ${REFUSAL}`]);
    expect(callbackLines(lines)).toEqual([
      expect.stringMatching(/\] ERROR \[c\|task-0\] WorkerSourceTask\{id=c-0\} failed to send record to t: $/),
    ]);
    const logged = lines.find((l) => l.includes(" failed to send record to "))!;
    expect(logged).toContain(`ConnectError: ${REFUSAL}`);
    expect(logged).toEndWith(" (org.apache.kafka.connect.runtime.AbstractWorkerSourceTask)");
  });

  test("a retriable failure's retries log no callback line: one, for the send's final failure", async () => {
    const clock = new ManualClock();
    const { task, listener, plugin, kafka, lines } = run({ clock });
    kafka.failSends(new RetriableError("NOT_ENOUGH_REPLICAS"), new RetriableError("NOT_ENOUGH_REPLICAS"));
    kafka.failSends(new ConnectError(REFUSAL));
    plugin.queue.push([line(1)]);
    task.start();
    await waitFor(
      () => {
        clock.advance(1000);
        return listener.failure !== undefined;
      },
      { what: "the task failed" },
    );
    task.stop();
    await awaitStopped(task);
    expect(lines.filter((l) => l.includes("Failed to send 1 records to Kafka, retrying"))).toHaveLength(2);
    expect(callbackLines(lines)).toHaveLength(1);
  });

  test("errors.tolerance=none with errors.log.enable: Connect's callback line only, no error report or error metrics (its callback makes none)", async () => {
    const { task, listener, plugin, kafka, lines, metrics } = run({ errorsLog: true });
    kafka.failSends(new ConnectError(REFUSAL));
    plugin.queue.push([line(1)]);
    task.start();
    await awaitFailed(listener);
    await awaitStopped(task);
    expect(callbackLines(lines)).toHaveLength(1);
    expect(lines.filter((l) => l.includes("Error encountered in task"))).toEqual([]);
    expect([metrics.totalRecordFailures, metrics.totalRecordErrors]).toEqual([0, 0]);
  });

  test("errors.tolerance=all with errors.log.enable: Connect's two lines for the skipped record; the task runs on", async () => {
    const { task, listener, plugin, kafka, lines } = run({ tolerance: "all", errorsLog: true });
    kafka.failSends(new ConnectError(REFUSAL));
    plugin.queue.push([line(1)], [line(2)]);
    task.start();
    await waitFor(() => kafka.records("t").length === 1, { what: "line 2 written" });
    await stopAndAwait(task);
    expect(listener.events).toEqual(["RUNNING"]);
    expect(callbackLines(lines)).toHaveLength(1);
    const reported =
      "ERROR [c|task-0] Error encountered in task c-0. Executing stage 'KAFKA_PRODUCE' with class 'org.apache.kafka.connect.runtime.WorkerSourceTask'";
    expect(lines.filter((l) => l.includes(reported))).toHaveLength(1);
  });

  test("a record refused to a task that rejectsRecords is its rejection, without a callback line; the task runs on", async () => {
    const plugin = new RejectingSource();
    const { task, listener, kafka, lines } = run({ plugin });
    kafka.failSends(withKafkaError(new ConnectError(REFUSAL), "INVALID_RECORD"));
    plugin.queue.push([line(1)], [line(2)]);
    task.start();
    await waitFor(() => plugin.rejections.length === 1 && kafka.records("t").length === 1, {
      what: "line 1 rejected, line 2 written",
    });
    await stopAndAwait(task);
    expect(plugin.rejections).toEqual([{ error: "INVALID_RECORD", message: REFUSAL }]);
    expect(listener.events).toEqual(["RUNNING"]);
    expect(callbackLines(lines)).toEqual([]);
  });

  test("a topic the task could not create keeps its own failure, without a callback line", async () => {
    const topicCreator = {
      ensure: () => Promise.reject(new TopicCreationError("Unable to create topic t")),
      close: async () => {},
    };
    const { task, listener, plugin, lines } = run({ options: { topicCreator } });
    plugin.queue.push([line(1)]);
    task.start();
    await awaitFailed(listener);
    await awaitStopped(task);
    expect(traceOf(listener.failure).split("\n")[0]).toBe(`${CONNECT}: Unable to create topic t`);
    expect(callbackLines(lines)).toEqual([]);
  });

  test("a conversion failure keeps Connect's 'Tolerance exceeded', without a callback line", async () => {
    const converters: RecordConverters = {
      ...stringConverters,
      value: {
        ...stringConverters.value,
        fromConnectData: () => {
          throw new DataError("not a string");
        },
      },
    };
    const { task, listener, plugin, lines } = run({ options: { converters } });
    plugin.queue.push([line(1)]);
    task.start();
    await awaitFailed(listener);
    await awaitStopped(task);
    expect(traceOf(listener.failure).split("\n")[0]).toBe(`${CONNECT}: Tolerance exceeded in error handler`);
    expect(callbackLines(lines)).toEqual([]);
  });
});
