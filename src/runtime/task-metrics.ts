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
  /** A sink task's assigned partitions now (Connect's partition-count). */
  partitionCount: () => number = () => 0;
  /** Records per batch: a source task's polls, a sink task's puts (Connect's batch-size-avg/max). */
  readonly batchSize = { count: 0, sum: 0, max: 0 };
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

  /** A source task's poll returned `count` records (an empty answer too, as Connect) in `ms`. */
  polled(count: number, ms: number): void {
    TaskMetrics.record(this.pollBatch, ms);
    this.sourceRecordPollTotal += count;
    this.sourceRecordPollRate.record(count);
    this.batch(count);
  }

  /** A sink task's put took `count` records in `ms`. */
  put(count: number, ms: number): void {
    TaskMetrics.record(this.putBatch, ms);
    this.sinkRecordSendTotal += count;
    this.sinkRecordSendRate.record(count);
    this.batch(count);
  }

  private batch(count: number): void {
    this.batchSize.count++;
    this.batchSize.sum += count;
    if (count > this.batchSize.max) this.batchSize.max = count;
  }
}
