/**
 * `GET /metrics`: Connect's worker, connector and task metrics in Prometheus text format. Served
 * with the admin endpoints (the regular listeners unless `admin.listeners` is set).
 */
import { connectMetrics } from "../../metrics/connect-metrics.ts";
import { type MetricFamily, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../../metrics/prometheus.ts";
import type { Route } from "../route.ts";

/** `extra`: more families (the ingest listener's), rendered after Connect's. */
export function metricsRoutes(extra: () => MetricFamily[] = () => []): Route[] {
  return [
    {
      method: "GET",
      path: "/metrics",
      consumesJson: false,
      producesText: true,
      handle: (_c, { herder }) =>
        new Response(renderPrometheus([...connectMetrics(herder.metricsSnapshot()), ...extra()]), {
          headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE },
        }),
    },
  ];
}
