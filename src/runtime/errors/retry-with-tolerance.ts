/**
 * retryWithTolerance: the one operator every per-record stage runs through (Connect's
 * RetryWithToleranceOperator). A retriable error is retried with exponential backoff (util/backoff:
 * 300 ms doubling, capped at `errors.retry.delay.max.ms`) until `errors.retry.timeout` (0: no retry,
 * -1: forever). A final failure is reported (log, DLQ) and then either skipped
 * (`errors.tolerance=all`, the operation yields `undefined`) or fails the task with
 * "Tolerance exceeded in error handler". Outside the converter/transform stages only retriable
 * errors are handled; others propagate unchanged, as in Connect.
 */
import type { TopicPartition } from "../../api/record.ts";
import { ConnectError, isRetriable } from "../../errors.ts";
import { retry } from "../../util/backoff.ts";
import type { Clock } from "../../util/clock.ts";
import type { TaskMetrics } from "../task-metrics.ts";
import type { ErrorReporter, ProcessingContext } from "./processing-context.ts";
import { type Stage, TOLERATES_ANY_ERROR } from "./stage.ts";

export interface ToleranceConfig {
  readonly retryTimeoutMs: number;
  readonly retryDelayMaxMs: number;
  readonly tolerance: "none" | "all";
}

const INITIAL_BACKOFF_MS = 300;

/** Stages where the failing call is the Kafka client's. */
const CLIENT_STAGES: ReadonlySet<Stage> = new Set<Stage>(["KAFKA_PRODUCE", "KAFKA_CONSUME"]);

export class ToleranceExceededError extends ConnectError {
  override name = "ToleranceExceededError";
  /** The stage that failed and the class that failed in it (the error report's). */
  stage?: Stage;
  executingClass?: string;
}

export class RetryWithToleranceOperator {
  constructor(
    private readonly config: ToleranceConfig,
    private readonly reporters: readonly ErrorReporter[],
    private readonly clock: Clock,
    private readonly identity: { connector: string; task: number },
    private readonly metrics: TaskMetrics,
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Whether errors.tolerance=all may skip a record whose failure was retriable (retries ran out or
   * the stop cut them short). False for a task that takes per-record refusals (the ingest task):
   * such a failure is no verdict on the record, and skipping it would drop a record already accepted.
   */
  skipsRetriable = true;

  /**
   * The last failure errors.tolerance=all skipped (`fail` tolerated it). The source runtime reads
   * it right after a conversion came back skipped, to tell a SourceTask that `rejectsRecords` why
   * (record-rejection.ts `skipRejectionOf`); set only on that path, never per successful record.
   */
  lastSkipped: ProcessingContext | undefined;

  get toleratesAll(): boolean {
    return this.config.tolerance === "all";
  }

  /**
   * Runs `operation`; returns its result, or `undefined` when it failed and the failure was
   * tolerated (the record is to be skipped). `firstAttempt`: the operation already ran once and
   * failed with this error (a direct path's attempt): that is its first attempt.
   */
  async execute<T>(
    stage: Stage,
    executingClass: string,
    operation: () => T | Promise<T>,
    record: Pick<ProcessingContext, "consumed" | "source"> = {},
    firstAttempt?: { readonly error: unknown },
  ): Promise<T | undefined> {
    let attempts = 0;
    let lastError: unknown;
    try {
      return await retry(
        async () => {
          attempts++;
          try {
            if (attempts === 1 && firstAttempt) throw firstAttempt.error;
            return await operation();
          } catch (error) {
            lastError = error;
            // As Connect: every failed attempt of a retriable error is a record failure.
            if (isRetriable(error)) this.metrics.totalRecordFailures++;
            throw error;
          }
        },
        {
          policy: { initialMs: INITIAL_BACKOFF_MS, maxMs: this.config.retryDelayMaxMs, jitter: 0 },
          maxAttempts: Number.POSITIVE_INFINITY,
          timeoutMs: this.config.retryTimeoutMs < 0 ? undefined : this.config.retryTimeoutMs,
          clock: this.clock,
          signal: this.signal,
          classify: (error) => ({ retriable: isRetriable(error) }),
          onRetry: () => void this.metrics.totalRetries++,
        },
      );
    } catch (thrown) {
      // Stopping cuts the retries short (retry rejects with the abort reason): the last failure is
      // what gets reported.
      const error = lastError;
      const stopped = thrown !== error;
      if (!isRetriable(error) && !TOLERATES_ANY_ERROR.has(stage)) throw error;
      const tolerable = this.skipsRetriable || !isRetriable(error);
      const context = { ...this.identity, ...record, stage, executingClass, error, attempts };
      // The final failure is one more record failure, as Connect's execAndHandleError counts the
      // error execAndRetry rethrows (a retriable one's last attempt is thus counted twice), unless
      // the stop cut the retries short (Connect's execAndRetry then returns without rethrowing);
      // the record is one error, and one skip when tolerated.
      if (!stopped) this.metrics.totalRecordFailures++;
      this.metrics.totalRecordErrors++;
      await this.reportFailure(context, tolerable);
      this.metrics.totalRecordsSkipped++;
      this.lastSkipped = context;
      return undefined;
    }
  }

  /**
   * Connect's executeFailed: a failure met outside the operator (a sink task's errant record
   * report, a producer's refusal of a source record) is reported; throws unless tolerance is `all`
   * and `tolerable` (false: a failure errors.tolerance must not skip, e.g. a producer's error for a
   * task that takes per-record refusals: record-rejection.ts). As in Connect it is one record
   * failure, and a record error only when it fails the task: nothing is skipped here.
   */
  async fail(context: ProcessingContext, tolerable = true): Promise<void> {
    this.metrics.totalRecordFailures++;
    try {
      await this.reportFailure(context, tolerable);
    } catch (error) {
      this.metrics.totalRecordErrors++;
      throw error;
    }
  }

  /** Reports a final failure; throws unless tolerance is `all` and `tolerable`. */
  private async reportFailure(context: ProcessingContext, tolerable: boolean): Promise<void> {
    this.metrics.lastErrorTimestamp = this.clock.now();
    for (const reporter of this.reporters) await reporter.report(context);
    if (this.config.tolerance !== "all" || !tolerable) {
      // A Kafka client failure is not about a record's content: the task fails with the client's
      // own error, so its status trace starts with the cause (issue 8 point 5).
      if (CLIENT_STAGES.has(context.stage) && context.error instanceof Error) throw context.error;
      const error = new ToleranceExceededError("Tolerance exceeded in error handler", { cause: context.error });
      error.stage = context.stage;
      error.executingClass = context.executingClass;
      throw error;
    }
  }

  /**
   * Sets the reporters up, in order, when the task starts (Connect builds them then: the dead
   * letter queue creates its topic); a rejection fails the task before it runs. `signal` (the
   * task's stop) cuts the setup short, as does the operator's own.
   */
  async start(signal: AbortSignal): Promise<void> {
    const o = { signal: this.signal ? AbortSignal.any([signal, this.signal]) : signal, clock: this.clock };
    for (const reporter of this.reporters) await reporter.start?.(o);
  }

  /** Waits for the reporters' asynchronous work (DLQ sends) reported so far. */
  async flush(): Promise<void> {
    for (const reporter of this.reporters) await reporter.flush?.();
  }

  /**
   * The sink task lost these partitions (Connect's WorkerErrantRecordReporter.cancelFutures): their
   * errant records still on their way are no longer waited for by `flush`, nor can they fail it.
   */
  cancel(partitions: readonly TopicPartition[]): void {
    for (const reporter of this.reporters) reporter.cancel?.(partitions);
  }

  async close(): Promise<void> {
    for (const reporter of this.reporters) await reporter.close?.();
  }
}
