import { describe, expect, test } from "bun:test";
import type { ConnectorStatusListener } from "./worker-connector.ts";
import { WorkerStartupMetrics } from "./worker-startup-metrics.ts";
import type { TaskStatusListener } from "./worker-task.ts";

const connectorListener = (): ConnectorStatusListener => ({
  onStartup: () => {},
  onPause: () => {},
  onResume: () => {},
  onStop: () => {},
  onFailure: () => {},
});
const taskListener = (): TaskStatusListener => ({
  onStartup: () => {},
  onPause: () => {},
  onResume: () => {},
  onFailure: () => {},
});
const id = { connector: "c", task: 0 };

describe("WorkerStartupMetrics", () => {
  test("a start counts its first outcome only; a pause or resume counts nothing", () => {
    const m = new WorkerStartupMetrics();
    const failedLater = m.task(taskListener());
    failedLater.onStartup(id);
    failedLater.onFailure(id, new Error("later"));
    failedLater.onStartup(id);
    const failed = m.task(taskListener());
    failed.onFailure(id, new Error("start"));
    failed.onStartup(id);
    m.task(taskListener()).onPause(id);
    const connector = m.connector(connectorListener());
    connector.onFailure("c", new Error("start"));
    connector.onStop("c");
    const snap = m.snapshot();
    expect(snap.tasks).toEqual({ success: 1, failure: 1, successRatio: 0.5, failureRatio: 0.5 });
    expect(snap.connectors).toEqual({ success: 0, failure: 1, successRatio: 0, failureRatio: 1 });
  });

  test("the outcome reaches the wrapped listener", () => {
    const seen: string[] = [];
    const m = new WorkerStartupMetrics();
    const wrapped = m.task({ ...taskListener(), onStartup: () => seen.push("up"), onFailure: () => seen.push("down") });
    wrapped.onStartup(id);
    wrapped.onFailure(id, new Error("x"));
    expect(seen).toEqual(["up", "down"]);
  });
});
