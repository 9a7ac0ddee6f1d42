import { describe, expect, test } from "bun:test";
import type { ConnectorStatusListener } from "./worker-connector.ts";
import { WorkerStartupMetrics } from "./worker-startup-metrics.ts";

const resolved = async (c: Record<string, string>) => c;
const connectorListener = (): ConnectorStatusListener => ({
  onStartup: () => {},
  onPause: () => {},
  onResume: () => {},
  onStop: () => {},
  onFailure: () => {},
});

describe("WorkerStartupMetrics", () => {
  test("a connector start counts its first outcome only; a pause or resume counts nothing", () => {
    const m = new WorkerStartupMetrics();
    const failedLater = m.connector(connectorListener(), resolved).listener;
    failedLater.onStartup("c");
    failedLater.onFailure("c", new Error("later"));
    failedLater.onStartup("c");
    const failed = m.connector(connectorListener(), resolved).listener;
    failed.onFailure("c", new Error("start"));
    failed.onStartup("c");
    m.connector(connectorListener(), resolved).listener.onPause("c");
    expect(m.snapshot().connectors).toEqual({ success: 1, failure: 1, successRatio: 0.5, failureRatio: 0.5 });
  });

  test("a task counts only when it could not be built, as Connect 4.3.1", async () => {
    const m = new WorkerStartupMetrics();
    expect(m.snapshot().tasks).toEqual({ success: 0, failure: 0, successRatio: 0, failureRatio: 0 });
    m.taskBuild(async (c) => c).failed();
    m.taskBuild(async (c) => c).failed();
    expect(m.snapshot().tasks).toEqual({ success: 0, failure: 2, successRatio: 0, failureRatio: 1 });
    // A config provider failing: Connect's herder fails the task before its Worker builds it.
    const unresolvable = m.taskBuild(() => Promise.reject(new Error("secrets file gone")));
    await expect(unresolvable.resolveConfig({})).rejects.toThrow("secrets file gone");
    unresolvable.failed();
    expect(m.snapshot().tasks.failure).toBe(2);
  });

  test("the outcome reaches the wrapped listener", () => {
    const seen: string[] = [];
    const m = new WorkerStartupMetrics();
    const wrapped = m.connector(
      { ...connectorListener(), onStartup: () => seen.push("up"), onFailure: () => seen.push("down") },
      resolved,
    ).listener;
    wrapped.onStartup("c");
    wrapped.onFailure("c", new Error("x"));
    expect(seen).toEqual(["up", "down"]);
  });

  // opswalk-c P3-5: the wrapping resolutions dropped the third argument (the config key of each unresolved reference).
  test("a connector's and a task's resolution pass each unresolved reference's config key on", async () => {
    const m = new WorkerStartupMetrics();
    const unresolving = async (c: Record<string, string>, _onValue?: unknown, onUnresolved?: (key: string) => void) => {
      onUnresolved?.("topic");
      return c;
    };
    const keys: string[] = [];
    await m.connector(connectorListener(), unresolving).resolveConfig({}, undefined, (key) => keys.push(`c:${key}`));
    await m.taskBuild(unresolving).resolveConfig({}, undefined, (key) => keys.push(`t:${key}`));
    expect(keys).toEqual(["c:topic", "t:topic"]);
  });
});
