import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ConnectError, DataError, RetriableError } from "../../errors.ts";
import type { Clock } from "../../util/clock.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { TaskMetrics } from "../task-metrics.ts";
import type { ErrorReporter, ProcessingContext } from "./processing-context.ts";
import { RetryWithToleranceOperator, ToleranceExceededError } from "./retry-with-tolerance.ts";

/** A clock that advances only when the code under test sleeps. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function operator(tolerance: "none" | "all", retryTimeoutMs = 0, retryDelayMaxMs = 60_000) {
  const clock = fakeClock();
  const reports: ProcessingContext[] = [];
  const reporter: ErrorReporter = { report: async (c) => void reports.push(c) };
  const metrics = new TaskMetrics();
  const op = new RetryWithToleranceOperator(
    { tolerance, retryTimeoutMs, retryDelayMaxMs },
    [reporter],
    clock,
    { connector: "c", task: 0 },
    metrics,
  );
  return { op, clock, reports, metrics };
}

function failing(times: number, error: () => Error) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    run: () => {
      calls++;
      if (calls <= times) throw error();
      return "ok";
    },
  };
}

describe("RetryWithToleranceOperator", () => {
  test("returns the result when the operation succeeds", async () => {
    const { op, reports } = operator("none");
    expect(await op.execute("VALUE_CONVERTER", "X", () => 42)).toBe(42);
    expect(reports).toEqual([]);
  });

  test("a Kafka client failure fails with the client's own error first, not 'Tolerance exceeded' (issue 8)", async () => {
    const { op, reports } = operator("none");
    const error = new ConnectError("Not authorized to access topics: [t]");
    await expect(
      op.fail({ connector: "c", task: 0, stage: "KAFKA_PRODUCE", executingClass: "KafkaProducer", error, attempts: 1 }),
    ).rejects.toBe(error);
    expect(reports).toHaveLength(1);
  });

  test("errors.tolerance=none: reports, then fails with 'Tolerance exceeded in error handler'", async () => {
    const { op, reports, metrics } = operator("none");
    const error = new DataError("bad bytes");
    const run = op.execute("VALUE_CONVERTER", "org.apache.kafka.connect.json.JsonConverter", () => {
      throw error;
    });
    await expect(run).rejects.toThrow(new ToleranceExceededError("Tolerance exceeded in error handler"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      stage: "VALUE_CONVERTER",
      executingClass: "org.apache.kafka.connect.json.JsonConverter",
      error,
      attempts: 1,
    });
    expect([metrics.totalRecordErrors, metrics.totalRecordsSkipped]).toEqual([1, 0]);
  });

  test("errors.tolerance=all: reports and skips (undefined)", async () => {
    const { op, metrics } = operator("all");
    expect(
      await op.execute("TRANSFORMATION", "T", () => {
        throw new DataError("no");
      }),
    ).toBeUndefined();
    expect([metrics.totalRecordErrors, metrics.totalRecordFailures, metrics.totalRecordsSkipped]).toEqual([1, 1, 1]);
  });

  test("retries retriable errors with doubling backoff (from 300 ms, capped) until they succeed", async () => {
    const { op, clock, metrics } = operator("none", 10_000, 1000);
    const flaky = failing(4, () => new RetriableError("try again"));
    expect(await op.execute("TRANSFORMATION", "T", flaky.run)).toBe("ok");
    expect(clock.sleeps).toEqual([300, 600, 1000, 1000]);
    expect(metrics.totalRetries).toBe(4);
    // Connect's task-error-metrics: each failed attempt is a record failure; the record is no error.
    expect([metrics.totalRecordFailures, metrics.totalRecordErrors, metrics.totalRecordsSkipped]).toEqual([4, 0, 0]);
  });

  test("retries that run out: each attempt a failure and the rethrown last one again, the record one error and one skip (Connect's counts)", async () => {
    const { op, metrics } = operator("all", 1000, 60_000);
    const flaky = failing(100, () => new RetriableError("down"));
    expect(await op.execute("KEY_CONVERTER", "K", flaky.run)).toBeUndefined();
    expect(flaky.calls).toBe(4);
    // Connect 4.3.1: execAndRetry records each failed attempt, execAndHandleError the rethrown last one.
    expect([metrics.totalRecordFailures, metrics.totalRetries]).toEqual([5, 3]);
    expect([metrics.totalRecordErrors, metrics.totalRecordsSkipped]).toEqual([1, 1]);
  });

  test("fail (Connect's executeFailed: errant record reports, producer refusals) tolerated: one failure, no error, no skip", async () => {
    const { op, reports, metrics } = operator("all");
    const context = { connector: "c", task: 0, stage: "TASK_PUT" as const, executingClass: "S", attempts: 1 };
    await op.fail({ ...context, error: new DataError("refused") });
    expect(reports).toHaveLength(1);
    expect([metrics.totalRecordFailures, metrics.totalRecordErrors, metrics.totalRecordsSkipped]).toEqual([1, 0, 0]);
    const strict = operator("none");
    await expect(strict.op.fail({ ...context, error: new DataError("refused") })).rejects.toThrow(
      "Tolerance exceeded in error handler",
    );
    const m = strict.metrics;
    expect([m.totalRecordFailures, m.totalRecordErrors, m.totalRecordsSkipped]).toEqual([1, 1, 0]);
  });

  test("stops retrying at errors.retry.timeout, then applies the tolerance", async () => {
    const { op, clock, reports } = operator("all", 1000, 60_000);
    const flaky = failing(100, () => new RetriableError("down"));
    expect(await op.execute("KEY_CONVERTER", "K", flaky.run)).toBeUndefined();
    expect(clock.sleeps).toEqual([300, 600, 100]);
    expect(reports[0]!.attempts).toBe(4);
  });

  test("stopping (the signal aborts) ends a retry delay at once and reports the last failure", async () => {
    const controller = new AbortController();
    const reports: ProcessingContext[] = [];
    const clock = new ManualClock();
    const metrics = new TaskMetrics();
    const op = new RetryWithToleranceOperator(
      { tolerance: "all", retryTimeoutMs: -1, retryDelayMaxMs: 60_000 },
      [{ report: async (c) => void reports.push(c) }],
      clock,
      { connector: "c", task: 0 },
      metrics,
      controller.signal,
    );
    const error = new RetriableError("down");
    const run = op.execute("VALUE_CONVERTER", "V", () => {
      throw error;
    });
    await waitFor(() => clock.pending === 1);
    controller.abort();
    expect(await run).toBeUndefined();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ error, attempts: 1 });
    expect(clock.now()).toBe(0);
    // Connect's execAndRetry returns at the stop without rethrowing: the attempt is the only failure.
    expect(metrics.totalRecordFailures).toBe(1);
  });

  test("errors.retry.timeout=0 means no retry", async () => {
    const { op, clock } = operator("all", 0);
    const flaky = failing(1, () => new RetriableError("once"));
    expect(await op.execute("TRANSFORMATION", "T", flaky.run)).toBeUndefined();
    expect(clock.sleeps).toEqual([]);
  });

  test("outside converter/transform stages only retriable errors are handled; others propagate unchanged", async () => {
    const { op, reports } = operator("all");
    const error = new Error("bug in put");
    await expect(
      op.execute("TASK_PUT", "Sink", () => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(reports).toEqual([]);
  });
});
