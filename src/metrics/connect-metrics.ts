/**
 * Kafka Connect's worker, connector and task metrics as Prometheus families, named the way a JMX
 * exporter names Connect's MBeans: `kafka_connect_<group>_<metric>` (dashes → underscores) with
 * `connector` and `task` labels. Groups: connect-worker-metrics, connector-metrics,
 * connector-task-metrics, source-task-metrics, sink-task-metrics, task-error-metrics.
 */
import type { TaskMetrics, Timing } from "../runtime/task-metrics.ts";
import type { State } from "../store/status-store.ts";
import { mergeFamilies } from "./plugin-metrics.ts";
import type { MetricFamily, MetricType, Sample } from "./prometheus.ts";

export interface ConnectorSnapshot {
  readonly name: string;
  readonly className: string;
  readonly type: string;
  readonly version: string;
  readonly state: State | undefined;
  readonly tasks: readonly { readonly id: number; readonly state: State }[];
}

export interface TaskSnapshot {
  readonly connector: string;
  readonly task: number;
  readonly kind: "source" | "sink";
  readonly metrics: TaskMetrics;
}

export interface MetricsSnapshot {
  readonly connectors: readonly ConnectorSnapshot[];
  readonly tasks: readonly TaskSnapshot[];
}

const STATES: readonly State[] = ["UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "RESTARTING", "STOPPED"];

function family(group: string, metric: string, type: MetricType, help: string, samples: Sample[]): MetricFamily {
  return { name: `kafka_connect_${group}_${metric}`.replace(/-/g, "_"), type, help, samples };
}

const avg = (t: Timing) => (t.count === 0 ? 0 : t.sumMs / t.count);
const pct = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

export function connectMetrics(snapshot: MetricsSnapshot): MetricFamily[] {
  const W = "connect-worker-metrics";
  const families: MetricFamily[] = [
    family(W, "connector-count", "gauge", "The number of connectors run in this worker.", [
      { labels: {}, value: snapshot.connectors.length },
    ]),
    family(W, "task-count", "gauge", "The number of tasks run in this worker.", [
      { labels: {}, value: snapshot.tasks.length },
    ]),
  ];
  for (const [metric, state] of [
    ["connector-running-task-count", "RUNNING"],
    ["connector-paused-task-count", "PAUSED"],
    ["connector-failed-task-count", "FAILED"],
    ["connector-unassigned-task-count", "UNASSIGNED"],
    ["connector-restarting-task-count", "RESTARTING"],
  ] as const) {
    families.push(
      family(
        W,
        metric,
        "gauge",
        `The number of ${state.toLowerCase()} tasks of the connector on this worker.`,
        snapshot.connectors.map((c) => ({
          labels: { connector: c.name },
          value: c.tasks.filter((t) => t.state === state).length,
        })),
      ),
    );
  }
  families.push(
    family(
      W,
      "connector-total-task-count",
      "gauge",
      "The number of tasks of the connector on this worker.",
      snapshot.connectors.map((c) => ({ labels: { connector: c.name }, value: c.tasks.length })),
    ),
    family(
      "connector-metrics",
      "status",
      "gauge",
      "The status of the connector: 1 for its current state.",
      snapshot.connectors.flatMap((c) =>
        STATES.map((s) => ({ labels: { connector: c.name, status: s.toLowerCase() }, value: c.state === s ? 1 : 0 })),
      ),
    ),
    family(
      "connector-metrics",
      "info",
      "gauge",
      "The connector's class, type and version (value always 1).",
      snapshot.connectors.map((c) => ({
        labels: {
          connector: c.name,
          connector_class: c.className,
          connector_type: c.type,
          connector_version: c.version,
        },
        value: 1,
      })),
    ),
    family(
      "connector-task-metrics",
      "status",
      "gauge",
      "The status of the connector task: 1 for its current state.",
      snapshot.connectors.flatMap((c) =>
        c.tasks.flatMap((t) =>
          STATES.filter((s) => s !== "STOPPED").map((s) => ({
            labels: { connector: c.name, task: String(t.id), status: s.toLowerCase() },
            value: t.state === s ? 1 : 0,
          })),
        ),
      ),
    ),
  );

  const per = (
    group: string,
    metric: string,
    type: MetricType,
    help: string,
    value: (m: TaskMetrics) => number,
    kind?: "source" | "sink",
  ) =>
    family(
      group,
      metric,
      type,
      help,
      snapshot.tasks
        .filter((t) => kind === undefined || t.kind === kind)
        .map((t) => ({ labels: { connector: t.connector, task: String(t.task) }, value: value(t.metrics) })),
    );
  const CT = "connector-task-metrics";
  families.push(
    per(
      CT,
      "offset-commit-avg-time-ms",
      "gauge",
      "The average time in milliseconds taken by this task to commit offsets.",
      (m) => avg(m.offsetCommit),
    ),
    per(
      CT,
      "offset-commit-max-time-ms",
      "gauge",
      "The maximum time in milliseconds taken by this task to commit offsets.",
      (m) => m.offsetCommit.maxMs,
    ),
    per(
      CT,
      "offset-commit-success-percentage",
      "gauge",
      "The fraction of this task's offset commit attempts that succeeded.",
      (m) => pct(m.offsetCommitSuccess, m.offsetCommitSuccess + m.offsetCommitFailure),
    ),
    per(
      CT,
      "offset-commit-failure-percentage",
      "gauge",
      "The fraction of this task's offset commit attempts that failed.",
      (m) => pct(m.offsetCommitFailure, m.offsetCommitSuccess + m.offsetCommitFailure),
    ),
    per(
      CT,
      "offset-commit-success-total",
      "counter",
      "The number of successful offset commits of this task.",
      (m) => m.offsetCommitSuccess,
    ),
    per(
      CT,
      "offset-commit-failure-total",
      "counter",
      "The number of failed offset commits of this task.",
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
      "poll-batch-avg-time-ms",
      "gauge",
      "The average time in milliseconds taken by this task to poll for a batch of source records.",
      (m) => avg(m.pollBatch),
      "source",
    ),
    per(
      SO,
      "poll-batch-max-time-ms",
      "gauge",
      "The maximum time in milliseconds taken by this task to poll for a batch of source records.",
      (m) => m.pollBatch.maxMs,
      "source",
    ),
  );
  const SI = "sink-task-metrics";
  families.push(
    per(
      SI,
      "sink-record-read-total",
      "counter",
      "The total number of records read from Kafka by this task.",
      (m) => m.sinkRecordReadTotal,
      "sink",
    ),
    per(
      SI,
      "sink-record-read-rate",
      "gauge",
      "The average per-second number of records read from Kafka for this task.",
      (m) => m.sinkRecordReadRate.perSecond(m.startedAt),
      "sink",
    ),
    per(
      SI,
      "sink-record-send-total",
      "counter",
      "The total number of records output from the transformations and sent/put to this task.",
      (m) => m.sinkRecordSendTotal,
      "sink",
    ),
    per(
      SI,
      "sink-record-send-rate",
      "gauge",
      "The average per-second number of records sent/put to this task.",
      (m) => m.sinkRecordSendRate.perSecond(m.startedAt),
      "sink",
    ),
    per(
      SI,
      "put-batch-avg-time-ms",
      "gauge",
      "The average time taken by this task to put a batch of sinks records.",
      (m) => avg(m.putBatch),
      "sink",
    ),
    per(
      SI,
      "put-batch-max-time-ms",
      "gauge",
      "The maximum time taken by this task to put a batch of sinks records.",
      (m) => m.putBatch.maxMs,
      "sink",
    ),
  );
  const E = "task-error-metrics";
  families.push(
    per(
      E,
      "total-record-errors",
      "counter",
      "The number of record processing errors in this task.",
      (m) => m.totalRecordErrors,
    ),
    per(
      E,
      "total-record-failures",
      "counter",
      "The number of record processing failures in this task.",
      (m) => m.totalRecordFailures,
    ),
    per(
      E,
      "total-records-skipped",
      "counter",
      "The number of records skipped due to errors.",
      (m) => m.totalRecordsSkipped,
    ),
    per(E, "total-retries", "counter", "The number of operations retried.", (m) => m.totalRetries),
    per(E, "total-errors-logged", "counter", "The number of errors that were logged.", (m) => m.totalErrorsLogged),
    per(
      E,
      "deadletterqueue-produce-requests",
      "counter",
      "The number of attempted writes to the dead letter queue.",
      (m) => m.deadLetterQueueProduceRequests,
    ),
    per(
      E,
      "deadletterqueue-produce-failures",
      "counter",
      "The number of failed writes to the dead letter queue.",
      (m) => m.deadLetterQueueProduceFailures,
    ),
    per(
      E,
      "last-error-timestamp",
      "gauge",
      "The epoch timestamp when this task last encountered an error.",
      (m) => m.lastErrorTimestamp,
    ),
  );
  families.push(
    ...mergeFamilies(
      snapshot.tasks.flatMap((t) => t.metrics.plugin.families({ connector: t.connector, task: String(t.task) })),
    ),
  );
  return families;
}
