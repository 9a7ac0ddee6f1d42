/**
 * Connect's task-error-metrics group (ErrorHandlingMetrics), one sample per task: what
 * retry-with-tolerance.ts, the log reporter and the dead letter queue count.
 */
import type { MetricFamily } from "./prometheus.ts";
import type { PerTask } from "./task-metric-families.ts";

export function errorMetricFamilies(per: PerTask): MetricFamily[] {
  const E = "task-error-metrics";
  return [
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
  ];
}
