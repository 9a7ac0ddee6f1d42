/**
 * Per-task counters in Connect's metric vocabulary (source-record-poll-total, sink-record-read-total,
 * put-batch-time, offset-commit-success, …). The runtime updates them; the metrics endpoint reads
 * them. Times are kept as count/sum/max so averages and rates can be derived.
 */
export interface Timing {
  count: number;
  sumMs: number;
  maxMs: number;
}

function timing(): Timing {
  return { count: 0, sumMs: 0, maxMs: 0 };
}

export class TaskMetrics {
  sourceRecordPollTotal = 0;
  sourceRecordWriteTotal = 0;
  sinkRecordReadTotal = 0;
  sinkRecordSendTotal = 0;
  offsetCommitSuccess = 0;
  offsetCommitFailure = 0;
  readonly pollBatch: Timing = timing();
  readonly putBatch: Timing = timing();
  readonly offsetCommit: Timing = timing();
  readonly startedAt = Date.now();

  static record(t: Timing, ms: number): void {
    t.count++;
    t.sumMs += ms;
    if (ms > t.maxMs) t.maxMs = ms;
  }
}
