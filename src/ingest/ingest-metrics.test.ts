import { describe, expect, test } from "bun:test";
import { IngestMetrics, REST_PROXY_LABELS, UNMATCHED_LABEL } from "./ingest-metrics.ts";
import type { IngestSubmission, RecordOutcome } from "./ingest-record.ts";
import { passThroughStages } from "./request-context.ts";
import { IngestRouteTable, type IngestWriter } from "./route-table.ts";
import { testSettings } from "./test-support.ts";

class IdleWriter implements IngestWriter {
  readonly pending = 0;
  async submit(submission: IngestSubmission): Promise<RecordOutcome[]> {
    return submission.records.map(() => ({
      kind: "written",
      topic: submission.topic,
      partition: 0,
      offset: 0,
      timestamp: 1,
    }));
  }
  withdrawQueued(): void {}
}

/** Series on /metrics, all families together. */
function seriesCount(metrics: IngestMetrics): number {
  return metrics.families().reduce((n, f) => n + f.samples.length, 0);
}

/** Series labelled with `value` (as route or connector). */
function seriesOf(metrics: IngestMetrics, value: string): number {
  return metrics
    .families()
    .reduce((n, f) => n + f.samples.filter((s) => Object.values(s.labels).includes(value)).length, 0);
}

/** An ingest connector's life as the runtime drives it: route opened, task attached, traffic, delete. */
function connectorLife(table: IngestRouteTable, metrics: IngestMetrics, i: number): void {
  const name = `ingest-${i}`;
  const path = `/ingest/${i}`;
  table.open(name, testSettings({ "ingest.path": path }), passThroughStages);
  const writer = new IdleWriter();
  table.attach(name, writer);
  metrics.started(path);
  metrics.finished(path, 200, 0.002, 3, 120);
  metrics.batch(name, 3);
  metrics.idempotencyKeyNotStored(name);
  table.suspend(name);
  table.detach(name, writer);
}

describe("IngestMetrics series of deleted ingest connectors", () => {
  test("go with their route: the series count returns to its baseline after many connector lives", () => {
    const table = new IngestRouteTable();
    const metrics = new IngestMetrics();
    metrics.follow(table);
    metrics.refused(UNMATCHED_LABEL, 404);
    metrics.finished(REST_PROXY_LABELS.v2, 200, 0.001, 1, 10);
    const baseline = seriesCount(metrics);
    for (let i = 0; i < 50; i++) connectorLife(table, metrics, i);
    expect(seriesOf(metrics, "ingest-7")).toBe(0);
    expect(seriesOf(metrics, "/ingest/7")).toBe(0);
    expect(seriesCount(metrics)).toBe(baseline);
  });

  test("a running route keeps its series; the fixed labels stay", () => {
    const table = new IngestRouteTable();
    const metrics = new IngestMetrics();
    metrics.follow(table);
    table.open("kept", testSettings({ "ingest.path": "/kept" }), passThroughStages);
    table.attach("kept", new IdleWriter());
    metrics.finished("/kept", 200, 0.001, 1, 10);
    metrics.batch("kept", 1);
    metrics.refused(UNMATCHED_LABEL, 404);
    for (let i = 0; i < 3; i++) connectorLife(table, metrics, i);
    expect(seriesOf(metrics, "/kept")).toBeGreaterThan(0);
    expect(seriesOf(metrics, "kept")).toBeGreaterThan(0);
    expect(seriesOf(metrics, UNMATCHED_LABEL)).toBeGreaterThan(0);
  });

  test("a request still being answered when its route goes is counted, then its series go", () => {
    const table = new IngestRouteTable();
    const metrics = new IngestMetrics();
    metrics.follow(table);
    const baseline = seriesCount(metrics);
    table.open("late", testSettings({ "ingest.path": "/late" }), passThroughStages);
    const writer = new IdleWriter();
    table.attach("late", writer);
    metrics.started("/late");
    table.suspend("late");
    table.detach("late", writer);
    expect(seriesOf(metrics, "/late")).toBeGreaterThan(0);
    metrics.finished("/late", 503, 0.001, 0, 0);
    expect(seriesCount(metrics)).toBe(baseline);
  });
});
