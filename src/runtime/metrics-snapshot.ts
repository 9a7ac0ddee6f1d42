/**
 * The state the metrics endpoint renders: every connector with its class, type, version and
 * statuses, and every running task with its counters.
 */
import type { MetricsSnapshot } from "../metrics/connect-metrics.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import type { ConfigStore } from "../store/config-store.ts";
import { knownPlugin } from "./connector-plugin.ts";
import type { StatusReader } from "./retrying-status-store.ts";
import type { Worker } from "./worker.ts";

export function metricsSnapshot(
  configs: ConfigStore,
  statuses: StatusReader,
  registry: PluginRegistry,
  worker: Worker,
): MetricsSnapshot {
  return {
    connectors: configs.names().map((name) => {
      const config = configs.get(name)?.config ?? {};
      const plugin = knownPlugin(registry, config, worker.connector(name)?.descriptor);
      return {
        name,
        className: plugin?.className ?? config["connector.class"] ?? "unknown",
        type: plugin?.type ?? "unknown",
        version: plugin?.version ?? "unknown",
        state: statuses.connector(name)?.state,
        tasks: statuses.tasks(name).map((t) => ({ id: t.id, state: t.status.state })),
      };
    }),
    tasks: worker
      .allTasks()
      .map((t) => ({ connector: t.id.connector, task: t.id.task, kind: t.kind, metrics: t.metrics })),
    startups: worker.startups.snapshot(),
  };
}
