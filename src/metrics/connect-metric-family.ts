/**
 * One Kafka Connect metric as a Prometheus family, named the way a JMX exporter names Connect's
 * MBeans: `kafka_connect_<group>_<metric>` with dashes turned to underscores. Used by
 * connectMetrics and taskMetricFamilies.
 */
import type { MetricFamily, MetricType, Sample } from "./prometheus.ts";

export function connectFamily(
  group: string,
  metric: string,
  type: MetricType,
  help: string,
  samples: Sample[],
): MetricFamily {
  return { name: `kafka_connect_${group}_${metric}`.replace(/-/g, "_"), type, help, samples };
}
