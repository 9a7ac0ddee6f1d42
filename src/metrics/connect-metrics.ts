/**
 * Kafka Connect's worker, connector and task metrics as Prometheus families, named the way a JMX
 * exporter names Connect's MBeans: `kafka_connect_<group>_<metric>` (dashes → underscores) with
 * `connector` and `task` labels. Groups: connect-worker-metrics, connector-metrics,
 * connector-task-metrics, source-task-metrics, sink-task-metrics, task-error-metrics (the per-task
 * groups are in task-metric-families.ts), then the plugins' own metrics.
 */
import type { TaskMetrics } from "../runtime/task-metrics.ts";
import type { StartupSnapshot } from "../runtime/worker-startup-metrics.ts";
import type { State } from "../store/status-store.ts";
import { connectFamily } from "./connect-metric-family.ts";
import { mergeFamilies } from "./plugin-metrics.ts";
import type { MetricFamily } from "./prometheus.ts";
import { taskMetricFamilies } from "./task-metric-families.ts";

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
  /** Connector and task startup outcomes of this worker (absent: none counted). */
  readonly startups?: StartupSnapshot;
}

const STATES: readonly State[] = ["UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "RESTARTING", "STOPPED"];

export function connectMetrics(snapshot: MetricsSnapshot): MetricFamily[] {
  const W = "connect-worker-metrics";
  const families: MetricFamily[] = [
    connectFamily(W, "connector-count", "gauge", "The number of connectors run in this worker.", [
      { labels: {}, value: snapshot.connectors.length },
    ]),
    connectFamily(W, "task-count", "gauge", "The number of tasks run in this worker.", [
      { labels: {}, value: snapshot.tasks.length },
    ]),
    ...startupFamilies(snapshot.startups),
  ];
  for (const [metric, state] of [
    ["connector-running-task-count", "RUNNING"],
    ["connector-paused-task-count", "PAUSED"],
    ["connector-failed-task-count", "FAILED"],
    ["connector-unassigned-task-count", "UNASSIGNED"],
    ["connector-restarting-task-count", "RESTARTING"],
  ] as const) {
    families.push(
      connectFamily(
        W,
        metric,
        "gauge",
        `The number of ${state.toLowerCase()} tasks of the connector on the worker.`,
        snapshot.connectors.map((c) => ({
          labels: { connector: c.name },
          value: c.tasks.filter((t) => t.state === state).length,
        })),
      ),
    );
  }
  families.push(
    connectFamily(
      W,
      "connector-destroyed-task-count",
      "gauge",
      "The number of destroyed tasks of the connector on the worker (none here: a deleted connector's series go).",
      snapshot.connectors.map((c) => ({ labels: { connector: c.name }, value: 0 })),
    ),
    connectFamily(
      W,
      "connector-total-task-count",
      "gauge",
      "The number of tasks of the connector on the worker.",
      snapshot.connectors.map((c) => ({ labels: { connector: c.name }, value: c.tasks.length })),
    ),
    connectFamily(
      "connector-metrics",
      "status",
      "gauge",
      "The status of the connector: 1 for its current state.",
      snapshot.connectors.flatMap((c) =>
        STATES.map((s) => ({ labels: { connector: c.name, status: s.toLowerCase() }, value: c.state === s ? 1 : 0 })),
      ),
    ),
    connectFamily(
      "connector-metrics",
      "info",
      "gauge",
      "The connector's class, type and version (value always 1; gateway only: Connect's string attributes as labels).",
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
    connectFamily(
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
  families.push(...taskMetricFamilies(snapshot.tasks));
  families.push(
    ...mergeFamilies(
      snapshot.tasks.flatMap((t) => t.metrics.plugin.families({ connector: t.connector, task: String(t.task) })),
    ),
  );
  return families;
}

/** Connect's connector-startup-* and task-startup-* worker metrics (WorkerMetricsGroup). */
function startupFamilies(startups: StartupSnapshot | undefined): MetricFamily[] {
  const W = "connect-worker-metrics";
  const zero = { success: 0, failure: 0, successRatio: 0, failureRatio: 0 };
  return (["connector", "task"] as const).flatMap((kind) => {
    const { success, failure, successRatio, failureRatio } =
      startups?.[kind === "connector" ? "connectors" : "tasks"] ?? zero;
    const one = (metric: string, type: "counter" | "gauge", help: string, value: number) =>
      connectFamily(W, `${kind}-startup-${metric}`, type, help, [{ labels: {}, value }]);
    return [
      one(
        "attempts-total",
        "counter",
        `The total number of ${kind} startups that this worker has attempted.`,
        success + failure,
      ),
      one("success-total", "counter", `The total number of ${kind} starts that succeeded.`, success),
      one(
        "success-percentage",
        "gauge",
        `The average percentage of this worker's ${kind}s starts that succeeded.`,
        successRatio,
      ),
      one("failure-total", "counter", `The total number of ${kind} starts that failed.`, failure),
      one(
        "failure-percentage",
        "gauge",
        `The average percentage of this worker's ${kind}s starts that failed.`,
        failureRatio,
      ),
    ];
  });
}
