/**
 * The per-task families of Kafka Connect's metrics, one sample per task with `connector` and `task`
 * labels: connector-task-metrics (the classes and versions the task was built with as the labels of
 * an `info` series, offset commits, batch sizes, state ratios), source-task-metrics,
 * sink-task-metrics (sink-metric-families.ts) and task-error-metrics (error-metric-families.ts). Used
 * by connectMetrics.
 */
import type { TaskMetrics } from "../runtime/task-metrics.ts";
import { connectFamily } from "./connect-metric-family.ts";
import type { TaskSnapshot } from "./connect-metrics.ts";
import { errorMetricFamilies } from "./error-metric-families.ts";
import type { MetricFamily, MetricType } from "./prometheus.ts";
import { sinkMetricFamilies } from "./sink-metric-families.ts";

/** The fraction of the window's offset commits that succeeded (or failed); 0 without any. */
const commits = (m: TaskMetrics, success: boolean) => {
  const r = m.offsetCommitResults;
  if (r.count() === 0) return 0;
  return success ? r.avg() : 1 - r.avg();
};

/** One family of a per-task metric: a sample per task (of `kind`, when given). */
export type PerTask = (
  group: string,
  metric: string,
  type: MetricType,
  help: string,
  value: (m: TaskMetrics) => number,
  kind?: "source" | "sink",
) => MetricFamily;

/** The task families in Connect's group order. */
export function taskMetricFamilies(tasks: readonly TaskSnapshot[]): MetricFamily[] {
  const families: MetricFamily[] = [];
  const per: PerTask = (group, metric, type, help, value, kind) =>
    connectFamily(
      group,
      metric,
      type,
      help,
      tasks
        .filter((t) => kind === undefined || t.kind === kind)
        .map((t) => ({ labels: { connector: t.connector, task: String(t.task) }, value: value(t.metrics) })),
    );
  const CT = "connector-task-metrics";
  families.push(
    connectFamily(
      CT,
      "info",
      "gauge",
      "The task's connector class, type and version, its task class and version, and its converters' classes and versions (value always 1; gateway only: Connect's string attributes as labels).",
      tasks.flatMap((t) => {
        const p = t.metrics.plugins;
        if (!p) return [];
        const labels = {
          connector: t.connector,
          task: String(t.task),
          connector_class: p.connectorClass,
          connector_type: p.connectorType,
          connector_version: p.connectorVersion,
          task_class: p.taskClass,
          task_version: p.taskVersion,
          key_converter_class: p.keyConverterClass,
          key_converter_version: p.keyConverterVersion,
          value_converter_class: p.valueConverterClass,
          value_converter_version: p.valueConverterVersion,
          header_converter_class: p.headerConverterClass,
          header_converter_version: p.headerConverterVersion,
        };
        return [{ labels, value: 1 }];
      }),
    ),
    per(
      CT,
      "offset-commit-avg-time-ms",
      "gauge",
      "The average time in milliseconds taken by this task to commit offsets.",
      (m) => m.offsetCommit.avg(),
    ),
    per(
      CT,
      "offset-commit-max-time-ms",
      "gauge",
      "The maximum time in milliseconds taken by this task to commit offsets.",
      (m) => m.offsetCommit.max(),
    ),
    per(CT, "running-ratio", "gauge", "The fraction of time this task has spent in the running state.", (m) =>
      m.states.ratio("RUNNING"),
    ),
    per(CT, "pause-ratio", "gauge", "The fraction of time this task has spent in the pause state.", (m) =>
      m.states.ratio("PAUSED"),
    ),
    per(
      CT,
      "batch-size-max",
      "gauge",
      "The number of records in the largest batch the task has processed so far.",
      (m) => m.batchSize.max(),
    ),
    per(
      CT,
      "batch-size-avg",
      "gauge",
      "The average number of records in the batches the task has processed so far.",
      (m) => m.batchSize.avg(),
    ),
    per(
      CT,
      "offset-commit-success-percentage",
      "gauge",
      "The average percentage of this task's offset commit attempts that succeeded (a fraction, over the last 30-60 s).",
      (m) => commits(m, true),
    ),
    per(
      CT,
      "offset-commit-failure-percentage",
      "gauge",
      "The average percentage of this task's offset commit attempts that failed (a fraction, over the last 30-60 s).",
      (m) => commits(m, false),
    ),
    per(
      CT,
      "offset-commit-success-total",
      "counter",
      "The number of successful offset commits of this task (gateway only: Connect shows the percentage).",
      (m) => m.offsetCommitSuccess,
    ),
    per(
      CT,
      "offset-commit-failure-total",
      "counter",
      "The number of failed offset commits of this task (gateway only: Connect shows the percentage).",
      (m) => m.offsetCommitFailure,
    ),
  );
  const SO = "source-task-metrics";
  families.push(
    per(
      SO,
      "source-record-poll-total",
      "counter",
      "The number of records produced/polled (before transformation) by this task.",
      (m) => m.sourceRecordPollTotal,
      "source",
    ),
    per(
      SO,
      "source-record-poll-rate",
      "gauge",
      "The average per-second number of records produced/polled (before transformation) by this task.",
      (m) => m.sourceRecordPollRate.perSecond(m.startedAt),
      "source",
    ),
    per(
      SO,
      "source-record-write-total",
      "counter",
      "The number of records output from the transformations and written to Kafka for this task.",
      (m) => m.sourceRecordWriteTotal,
      "source",
    ),
    per(
      SO,
      "source-record-write-rate",
      "gauge",
      "The average per-second number of records written to Kafka for this task.",
      (m) => m.sourceRecordWriteRate.perSecond(m.startedAt),
      "source",
    ),
    per(
      SO,
      "source-record-active-count",
      "gauge",
      "The number of records that have been produced by this task but not yet completely written to Kafka.",
      (m) => m.recordActiveCount,
      "source",
    ),
    per(
      SO,
      "source-record-active-count-max",
      "gauge",
      "The maximum number of records that have been produced by this task but not yet completely written to Kafka.",
      (m) => m.activeRecordCounts.max(),
      "source",
    ),
    per(
      SO,
      "source-record-active-count-avg",
      "gauge",
      "The average number of records that have been produced by this task but not yet completely written to Kafka.",
      (m) => m.activeRecordCounts.avg(),
      "source",
    ),
    per(
      SO,
      "poll-batch-avg-time-ms",
      "gauge",
      "The average time in milliseconds taken by this task to poll for a batch of source records.",
      (m) => m.pollBatch.avg(),
      "source",
    ),
    per(
      SO,
      "poll-batch-max-time-ms",
      "gauge",
      "The maximum time in milliseconds taken by this task to poll for a batch of source records.",
      (m) => m.pollBatch.max(),
      "source",
    ),
  );
  families.push(...sinkMetricFamilies(per));
  families.push(...errorMetricFamilies(per));
  return families;
}
