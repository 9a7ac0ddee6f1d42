import { describe, expect, test } from "bun:test";
import { parsePrometheus, sampleValue } from "../../test/support/prometheus-text.ts";
import { SinkMetrics } from "../connectors/http-sink/sink-metrics.ts";
import { TaskMetrics } from "../runtime/task-metrics.ts";
import { connectMetrics } from "./connect-metrics.ts";
import { PluginMetrics } from "./plugin-metrics.ts";
import { renderPrometheus } from "./prometheus.ts";
import { taskMetricFamilies } from "./task-metric-families.ts";

const ODD = 'a "quoted" back\\slash\nnew line';

describe("Prometheus text", () => {
  test("label values and HELP are escaped; the strict reader gets the original text back", () => {
    const text = renderPrometheus([
      { name: "m_total", type: "counter", help: "line one\nback\\slash", samples: [{ labels: { c: ODD }, value: 3 }] },
    ]);
    expect(text).toBe(
      '# HELP m_total line one\\nback\\\\slash\n# TYPE m_total counter\nm_total{c="a \\"quoted\\" back\\\\slash\\nnew line"} 3\n',
    );
    expect(sampleValue(parsePrometheus(text), "m_total", { c: ODD })).toBe(3);
  });

  test("the strict reader refuses what Prometheus would refuse or misread", () => {
    const h = (lines: string) => `# HELP h x\n# TYPE h histogram\n${lines}`;
    for (const [bad, why] of [
      ['m{c="a"} 1\n', "Sample before any family"],
      ['# HELP m x\n# TYPE m gauge\nm{c="a\\q"} 1\n', "Bad escape"],
      ["# HELP m x\n# HELP m y\n# TYPE m gauge\nm 1\n", "Second HELP"],
      ["# HELP m x\n# TYPE m gauge\nm 1\n# HELP n x\n# TYPE n gauge\n# HELP m x\n", "appears twice"],
      ["# HELP m x\n# TYPE m gauge\nm 1\nm 2\n", "Series repeated"],
      [h('h_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'), "not cumulative"],
      [h('h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'), 'not le="+Inf"'],
      [h('h_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n'), "!= _count"],
    ] as const)
      expect(() => parsePrometheus(bad)).toThrow(why);
  });

  test("Connect's families of a connector with an odd name and two tasks parse strictly, one HELP/TYPE each", () => {
    const metrics = new TaskMetrics();
    const plugin = (m: TaskMetrics) => {
      const h = m.plugin.histogram("p_seconds", "A plugin histogram.", [0.1, 1]);
      for (const v of [0.05, 0.5, 5]) h.observe(v);
      m.plugin.counter("p_total", "A plugin counter.").inc({ status_class: "2xx" });
      return m;
    };
    const text = renderPrometheus(
      connectMetrics({
        connectors: [
          {
            name: ODD,
            className: "FileStreamSource",
            type: "source",
            version: "4.3.1",
            state: "RUNNING",
            tasks: [
              { id: 0, state: "RUNNING" },
              { id: 1, state: "PAUSED" },
            ],
          },
        ],
        tasks: [
          { connector: ODD, task: 0, kind: "source", metrics: plugin(metrics) },
          { connector: ODD, task: 1, kind: "source", metrics: plugin(new TaskMetrics()) },
        ],
      }),
    );
    const families = parsePrometheus(text);
    const W = "kafka_connect_connect_worker_metrics_";
    expect(sampleValue(families, `${W}connector_running_task_count`, { connector: ODD })).toBe(1);
    expect(sampleValue(families, `${W}connector_paused_task_count`, { connector: ODD })).toBe(1);
    expect(sampleValue(families, "p_seconds_bucket", { connector: ODD, task: "1", le: "0.1" })).toBe(1);
    expect(sampleValue(families, "p_seconds_bucket", { connector: ODD, task: "1", le: "1" })).toBe(2);
    expect(sampleValue(families, "p_seconds_bucket", { connector: ODD, task: "1", le: "+Inf" })).toBe(3);
    expect(sampleValue(families, "p_seconds_count", { connector: ODD, task: "0" })).toBe(3);
    expect(sampleValue(families, "p_seconds_sum", { connector: ODD, task: "0" })).toBe(5.55);
    expect(families.get("p_total")!.samples).toHaveLength(2);
  });

  test("the HTTP sink's record counters are on /metrics at 0 from the start (an alert on their increase sees the first record)", () => {
    const registry = new PluginMetrics();
    new SinkMetrics(registry);
    const families = parsePrometheus(renderPrometheus(registry.families({ connector: "s", task: "0" })));
    expect(sampleValue(families, "http_sink_records_sent_total", { connector: "s", task: "0" })).toBe(0);
    expect(sampleValue(families, "http_sink_records_dlq_total", { connector: "s", task: "0" })).toBe(0);
  });

  test("offset commit percentages and times cover the last 30-60 s, as Connect's: an old failure ages out", () => {
    let now = 1_000_000;
    const metrics = new TaskMetrics(() => now);
    metrics.commitFailed();
    metrics.commitSucceeded(900);
    const value = (name: string) =>
      sampleValue(
        parsePrometheus(renderPrometheus(taskMetricFamilies([{ connector: "c", task: 0, kind: "sink", metrics }]))),
        `kafka_connect_connector_task_metrics_${name}`,
        { connector: "c", task: "0" },
      );
    expect([value("offset_commit_failure_percentage"), value("offset_commit_max_time_ms")]).toEqual([0.5, 900]);
    now += 61_000;
    metrics.commitSucceeded(4);
    expect(value("offset_commit_failure_percentage")).toBe(0);
    expect(value("offset_commit_success_percentage")).toBe(1);
    expect(value("offset_commit_max_time_ms")).toBe(4);
    // The totals count from the task's start.
    expect([value("offset_commit_success_total"), value("offset_commit_failure_total")]).toEqual([2, 1]);
  });
});
