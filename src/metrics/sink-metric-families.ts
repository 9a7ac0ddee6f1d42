/**
 * Connect's sink-task-metrics group (WorkerSinkTask's SinkTaskMetricsGroup), one sample per sink
 * task: records read and put, put times, assigned partitions, offset commits, and the records put
 * and not yet committed (sink-record-active-count).
 */
import type { TaskMetrics } from "../runtime/task-metrics.ts";
import type { MetricFamily, MetricType } from "./prometheus.ts";
import type { PerTask } from "./task-metric-families.ts";

export function sinkMetricFamilies(per: PerTask): MetricFamily[] {
  const sink = (metric: string, type: MetricType, help: string, value: (m: TaskMetrics) => number) =>
    per("sink-task-metrics", metric, type, help, value, "sink");
  return [
    sink(
      "sink-record-read-total",
      "counter",
      "The total number of records read from Kafka by this task.",
      (m) => m.sinkRecordReadTotal,
    ),
    sink(
      "sink-record-read-rate",
      "gauge",
      "The average per-second number of records read from Kafka for this task.",
      (m) => m.sinkRecordReadRate.perSecond(m.startedAt),
    ),
    sink(
      "sink-record-send-total",
      "counter",
      "The total number of records output from the transformations and sent/put to this task.",
      (m) => m.sinkRecordSendTotal,
    ),
    sink("sink-record-send-rate", "gauge", "The average per-second number of records sent/put to this task.", (m) =>
      m.sinkRecordSendRate.perSecond(m.startedAt),
    ),
    sink(
      "sink-record-active-count",
      "gauge",
      "The number of records that have been read from Kafka but not yet completely committed/flushed/acknowledged by the sink task.",
      (m) => m.recordActiveCount,
    ),
    sink(
      "sink-record-active-count-max",
      "gauge",
      "The maximum number of records that have been read from Kafka but not yet completely committed/flushed/acknowledged by the sink task.",
      (m) => m.activeRecordCounts.max(),
    ),
    sink(
      "sink-record-active-count-avg",
      "gauge",
      "The average number of records that have been read from Kafka but not yet completely committed/flushed/acknowledged by the sink task.",
      (m) => m.activeRecordCounts.avg(),
    ),
    sink(
      "offset-commit-seq-no",
      "gauge",
      "The current sequence number for offset commits.",
      (m) => m.offsetCommitSuccess + m.offsetCommitFailure,
    ),
    sink(
      "offset-commit-completion-total",
      "counter",
      "The total number of offset commit completions that were completed successfully.",
      (m) => m.offsetCommitSuccess,
    ),
    sink(
      "offset-commit-completion-rate",
      "gauge",
      "The average per-second number of offset commit completions that were completed successfully.",
      (m) => m.offsetCommitCompletionRate.perSecond(m.startedAt),
    ),
    sink(
      "offset-commit-skip-total",
      "counter",
      "The total number of offset commit completions that were received too late and skipped/ignored (none here: commits complete in order).",
      () => 0,
    ),
    sink(
      "offset-commit-skip-rate",
      "gauge",
      "The average per-second number of offset commit completions that were received too late and skipped/ignored (none here).",
      () => 0,
    ),
    sink(
      "partition-count",
      "gauge",
      "The number of topic partitions assigned to this task belonging to the named sink connector in this worker.",
      (m) => m.partitionCount(),
    ),
    sink(
      "put-batch-avg-time-ms",
      "gauge",
      "The average time taken by this task to put a batch of sinks records.",
      (m) => m.putBatch.avg(),
    ),
    sink(
      "put-batch-max-time-ms",
      "gauge",
      "The maximum time taken by this task to put a batch of sinks records.",
      (m) => m.putBatch.max(),
    ),
  ];
}
