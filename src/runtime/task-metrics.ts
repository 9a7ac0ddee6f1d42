/**
 * Per-task counters in Connect's metric vocabulary: connector-task-metrics (offset commits),
 * source-task-metrics (poll/write), sink-task-metrics (read/send, put batches) and
 * task-error-metrics (errors, retries, skips, dead letter queue). The runtime updates them; the
 * metrics endpoint reads them. Times are count/sum/max so averages can be derived.
 */
import { PluginMetrics } from "../metrics/plugin-metrics.ts";
import { WindowedRate } from "../metrics/rate.ts";

export interface Timing {
  count: number;
  sumMs: number;
  maxMs: number;
}

function timing(): Timing {
  return { count: 0, sumMs: 0, maxMs: 0 };
}

export class TaskMetrics {
  readonly startedAt = Date.now();
  sourceRecordPollTotal = 0;
  sourceRecordWriteTotal = 0;
  sinkRecordReadTotal = 0;
  sinkRecordSendTotal = 0;
  readonly sourceRecordPollRate = new WindowedRate();
  readonly sourceRecordWriteRate = new WindowedRate();
  readonly sinkRecordReadRate = new WindowedRate();
  readonly sinkRecordSendRate = new WindowedRate();
  offsetCommitSuccess = 0;
  offsetCommitFailure = 0;
  readonly pollBatch: Timing = timing();
  readonly putBatch: Timing = timing();
  readonly offsetCommit: Timing = timing();
  totalRecordErrors = 0;
  totalRecordFailures = 0;
  totalRecordsSkipped = 0;
  totalRetries = 0;
  totalErrorsLogged = 0;
  deadLetterQueueProduceRequests = 0;
  deadLetterQueueProduceFailures = 0;
  lastErrorTimestamp = 0;
  /** Metrics the task's plugin defines itself (rendered with the task's labels). */
  readonly plugin = new PluginMetrics();

  static record(t: Timing, ms: number): void {
    t.count++;
    t.sumMs += ms;
    if (ms > t.maxMs) t.maxMs = ms;
  }
}
