/**
 * /metrics against a real Apache Kafka Connect 4.3.1 standalone worker's MBeans after the same
 * workload (test/fixtures/connect-metrics/workload.ts: FileStreamSource → Kafka → FileStreamSink
 * through Cast$Value with one record failing under errors.tolerance=all to a DLQ, the sink paused
 * and resumed, the source task restarted, more records), recorded into metrics.json by
 * record-metrics.sh over JMX. Every recorded attribute of the groups the gateway serves is compared
 * with the family a JMX exporter makes of it (`kafka_connect_<group>_<attribute>`, labels
 * connector/task; a string status as the family's sample labelled status="<state>" at 1; the other
 * string attributes, the classes and versions of a connector and of a task and its converters, as
 * the labels of connector_metrics_info and connector_task_metrics_info). Timing-dependent values
 * are compared as NaN, 0 or >0 (times in ms as NaN or a number).
 * Regressions: sink-record-active-count(-avg/-max), offset-commit-seq-no, offset-commit-completion-rate,
 * offset-commit-skip-rate (sink-task-metrics) and connector-destroyed-task-count were not served;
 * the poll, put and offset commit times were fractional (Connect's are whole milliseconds: a
 * maximum that is not one is compared as it is).
 *
 * Task startups are counted as Connect 4.3.1 counts them (its Worker.startTask hands the task its
 * status listener without WorkerMetricsGroup's wrapper, which only sees a task that fails to be
 * built: task-startup-attempts/success stay 0 however many tasks start, and a task whose start
 * throws is no failure either; read from its source and this recording). Not served (LEFT): the
 * app-info, kafka-metrics-count and connector-transform-metrics groups.
 * Regression: connector-task-metrics' string attributes other than status (the task's and its
 * converters' classes and versions, new in 4.x) were not served.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { masked, runWorkload, workloadNames } from "./fixtures/connect-metrics/workload.ts";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, REPO } from "./support/kafka.ts";
import { type ParsedFamily, parsePrometheus } from "./support/prometheus-text.ts";
import { tempDir } from "./support/temp-dir.ts";

interface Bean {
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

/** The string attributes shown as the labels of the group's `info` series (value 1), dashes as underscores. */
const CONNECTOR_STRINGS = ["connector-class", "connector-type", "connector-version"];
const INFO_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  "connector-metrics": CONNECTOR_STRINGS,
  "connector-task-metrics": [
    ...CONNECTOR_STRINGS,
    "task-class",
    "task-version",
    "key-converter-class",
    "key-converter-version",
    "value-converter-class",
    "value-converter-version",
    "header-converter-class",
    "header-converter-version",
  ],
};

/** Families /metrics serves that Connect has no attribute for. */
const EXTRA = [
  "kafka_connect_connector_metrics_info", // connector-metrics' string attributes as labels
  "kafka_connect_connector_task_metrics_info", // connector-task-metrics' string attributes as labels
  "kafka_connect_connector_task_metrics_offset_commit_success_total",
  "kafka_connect_connector_task_metrics_offset_commit_failure_total",
];

const recorded: Bean[] = JSON.parse(readFileSync(join(REPO, "test/fixtures/connect-metrics/metrics.json"), "utf8"));

/** The groups /metrics serves (the others: app-info, kafka-metrics-count, transform metrics are not served). */
const GROUPS = new Set([
  "connect-worker-metrics",
  "connector-metrics",
  "connector-task-metrics",
  "source-task-metrics",
  "sink-task-metrics",
  "task-error-metrics",
]);

/** The MBean's group and its connector/task labels (RUN replaced by `run`). */
function parseName(name: string, run: string): { group: string; labels: Record<string, string> } {
  const props = Object.fromEntries(
    name
      .slice("kafka.connect:".length)
      .split(",")
      .map((p) => p.split("=") as [string, string]),
  );
  const labels: Record<string, string> = {};
  if (props.connector) labels.connector = props.connector.replace("RUN", run);
  if (props.task) labels.task = props.task;
  return { group: props.type ?? "", labels };
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/** What /metrics says of the recorded bean's attribute, as recorded: "missing" when it has no such series. */
function gatewayValue(
  families: Map<string, ParsedFamily>,
  group: string,
  labels: Record<string, string>,
  attribute: string,
) {
  const family = (metric: string) => families.get(`kafka_connect_${group}_${metric}`.replace(/-/g, "_"));
  if (attribute === "status") {
    const on = family("status")?.samples.filter(
      (s) => s.value === 1 && sameLabels({ ...s.labels, status: "" }, { ...labels, status: "" }),
    );
    return on?.length === 1 ? on[0]?.labels.status : "missing";
  }
  if (INFO_ATTRIBUTES[group]?.includes(attribute)) {
    const sample = family("info")?.samples.find(
      (s) => s.labels.connector === labels.connector && s.labels.task === labels.task,
    );
    return sample?.labels[attribute.replace(/-/g, "_")] ?? "missing";
  }
  const sample = family(attribute)?.samples.find((s) => sameLabels(s.labels, labels));
  if (!sample) return "missing";
  return masked(attribute, Number.isNaN(sample.value) ? "NaN" : sample.value);
}

describe("/metrics against Apache Kafka Connect 4.3.1's MBeans after the same workload", () => {
  let gateway: Bean[];
  let served: string[];

  beforeAll(async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const run = `g${Date.now().toString(36)}`;
    const gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "500" },
    });
    try {
      await runWorkload(gw.url, dir.path, workloadNames(run));
      const families = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
      served = [...families.keys()].filter((f) => f.startsWith("kafka_connect_"));
      gateway = recorded.map((bean) => {
        const { group, labels } = parseName(bean.name, run);
        if (!GROUPS.has(group)) return bean;
        return {
          name: bean.name,
          attributes: Object.fromEntries(
            Object.keys(bean.attributes).map((a) => [a, gatewayValue(families, group, labels, a)]),
          ),
        };
      });
    } finally {
      await gw.stop();
    }
  }, 180_000);

  test.each(recorded.map((b, i) => [b.name, i] as const))("%s", (name, i) => {
    const bean = recorded[i] as Bean;
    expect(gateway[i]).toEqual({ name, attributes: bean.attributes });
  });

  test("every served family is a recorded attribute's, or one of the known extras", () => {
    const names = new Set(
      recorded.flatMap((b) => {
        const { group } = parseName(b.name, "");
        return Object.keys(b.attributes).map((a) => `kafka_connect_${group}_${a}`.replace(/-/g, "_"));
      }),
    );
    expect(served.filter((f) => !names.has(f)).sort()).toEqual([...EXTRA].sort());
  });
});
