import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { inProcessWorker, recording, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const PARTITIONS_X = "Invalid value x for configuration topic.creation.default.partitions: Not a number of type INT";

describe("Worker.startConnector", () => {
  describe("a source connector with a bad topic.creation.* value (Connect's SourceConnectorConfig)", () => {
    const config: Config = {
      "connector.class": SCRIPTED_SOURCE,
      name: "src",
      "topic.creation.default.replication.factor": "1",
      "topic.creation.default.partitions": "x",
    };

    test("fails to start with the first ConfigException; the connector is never started", async () => {
      await using w = await inProcessWorker();
      const { listener, failed, started } = recording();
      expect(await w.worker.startConnector("src", config, "STARTED", listener, () => undefined)).toBeUndefined();
      expect(started).toEqual([]);
      expect(w.scripted.connectorStarts).toBe(0);
      expect(w.worker.connector("src")).toBeUndefined();
      expect(failed.map((e) => [(e as { javaClass: string }).javaClass, (e as Error).message])).toEqual([
        ["org.apache.kafka.common.config.ConfigException", PARTITIONS_X],
      ]);
      expect(w.logLines.some((l) => l.includes("Failed to start connector src"))).toBe(true);
    });

    test("the topic.creation keys are checked before the producer overrides, as Connect's Worker", async () => {
      await using w = await inProcessWorker({ worker: { "connector.client.config.override.policy": "None" } });
      const { listener, failed } = recording();
      const withOverride = { ...config, "producer.override.linger.ms": "10" };
      await w.worker.startConnector("src", withOverride, "STARTED", listener, () => undefined);
      expect(failed.map((e) => (e as Error).message)).toEqual([PARTITIONS_X]);
    });

    test("starts when the worker does not create topics (topic.creation.enable=false)", async () => {
      await using w = await inProcessWorker({ worker: { "topic.creation.enable": "false" } });
      const { listener, failed } = recording();
      expect(await w.worker.startConnector("src", config, "STOPPED", listener, () => undefined)).toBeDefined();
      expect(failed).toEqual([]);
    });

    test("through the Herder: created, then FAILED without a version, and no task is made", async () => {
      await using w = await inProcessWorker();
      expect((await w.rest("POST", "/connectors", { name: "src", config })).status).toBe(201);
      const status = await waitFor(async () => {
        const s = await w.rest("GET", "/connectors/src/status");
        return s.body.connector.state === "FAILED" ? s.body : undefined;
      });
      expect(status).toEqual({
        name: "src",
        connector: {
          state: "FAILED",
          worker_id: status.connector.worker_id,
          version: null,
          trace: status.connector.trace,
        },
        tasks: [],
        type: "source",
      });
      expect(status.connector.trace.split("\n")[0]).toBe(
        `org.apache.kafka.common.config.ConfigException: ${PARTITIONS_X}`,
      );
      expect(await w.rest("GET", "/connectors/src/tasks")).toEqual({ status: 200, body: [] });
      expect(w.scripted.taskStarts).toBe(0);
    });
  });

  // Connect's Worker.startTask (TaskBuilder.build) takes the connector's config with originalsStrings() too:
  // a task restarted after a config update stored a null fails, where it kept running on the old task config.
  test("a task started after its connector's config got a JSON null fails, as Connect's TaskBuilder", async () => {
    await using w = await inProcessWorker();
    const running = { "connector.class": SCRIPTED_SOURCE, name: "upd", topic: "t" };
    expect((await w.rest("POST", "/connectors", { name: "upd", config: running })).status).toBe(201);
    await waitFor(async () => (await w.rest("GET", "/connectors/upd/status")).body.tasks?.[0]?.state === "RUNNING");
    expect((await w.rest("PUT", "/connectors/upd/config", { ...running, topic: null })).status).toBe(200);
    expect((await w.rest("POST", "/connectors/upd/restart?includeTasks=true")).status).toBe(202);
    const status = await waitFor(async () => {
      const s = await w.rest("GET", "/connectors/upd/status");
      return s.body.tasks?.[0]?.state === "FAILED" ? s.body : undefined;
    });
    expect(status.tasks[0].trace.split("\n")[0]).toBe(
      "java.lang.ClassCastException: Non-string value found in original settings for key topic: null",
    );
  });

  test("a restart of a connector and its tasks builds each task once, as Connect's, when its build fails", async () => {
    await using w = await inProcessWorker();
    const running = { "connector.class": SCRIPTED_SOURCE, name: "twice", topic: "t" };
    expect((await w.rest("POST", "/connectors", { name: "twice", config: running })).status).toBe(201);
    await waitFor(async () => (await w.rest("GET", "/connectors/twice/status")).body.tasks?.[0]?.state === "RUNNING");
    expect((await w.rest("PUT", "/connectors/twice/config", { ...running, topic: null })).status).toBe(200);
    expect((await w.rest("POST", "/connectors/twice/restart?includeTasks=true")).status).toBe(202);
    await waitFor(async () => (await w.rest("GET", "/connectors/twice/status")).body.tasks?.[0]?.state === "FAILED");
    await w.herder.healthCheck();
    expect(w.logLines.filter((l) => l.includes("Failed to start task twice-0")).length).toBe(1);
    expect(w.worker.startups.snapshot().tasks.failure).toBe(1);
  });

  test("a task whose config a provider cannot resolve is no task startup failure: Connect's herder resolves it before its Worker builds the task", async () => {
    const resolveConfig = async (c: Config) => {
      if (Object.values(c).some((v) => v?.startsWith("${file:"))) throw new Error("secrets file gone");
      return c;
    };
    await using w = await inProcessWorker({ resolveConfig });
    const failed: unknown[] = [];
    const listener = {
      onStartup: () => {},
      onPause: () => {},
      onResume: () => {},
      onFailure: (_: unknown, e: unknown) => void failed.push(e),
    };
    const config = { "connector.class": SCRIPTED_SOURCE, name: "gone", topic: "${file:/secrets:topic}" };
    expect(await w.worker.startTask({ connector: "gone", task: 0 }, config, config, "STARTED", listener)).toBe(false);
    expect(failed.map((e) => (e as Error).message)).toEqual(["secrets file gone"]);
    expect(w.worker.startups.snapshot().tasks.failure).toBe(0);
    // Nor is such a connector a connector startup failure; one whose class is unknown is.
    const { listener: connectorListener, failed: connectorFailed } = recording();
    expect(await w.worker.startConnector("gone", config, "STARTED", connectorListener, () => {})).toBeUndefined();
    const unknown = { ...config, "connector.class": "NoSuchConnector", topic: "t" };
    expect(await w.worker.startConnector("unknown", unknown, "STARTED", connectorListener, () => {})).toBeUndefined();
    expect(connectorFailed.length).toBe(2);
    expect(w.worker.startups.snapshot().connectors.failure).toBe(1);
  });

  test("a connector resumed from STOPPED is no connector startup, as Connect's WorkerConnector (resume, not start, after INIT)", async () => {
    await using w = await inProcessWorker();
    const config = { "connector.class": SCRIPTED_SOURCE, name: "st", topic: "t" };
    const running = async (name: string) =>
      (await w.rest("GET", `/connectors/${name}/status`)).body.connector?.state === "RUNNING";
    // Created STOPPED, then resumed: Connect's WorkerConnector goes INIT → STOPPED → resume(): onResume only.
    expect((await w.rest("POST", "/connectors", { name: "st", config, initial_state: "STOPPED" })).status).toBe(201);
    expect((await w.rest("PUT", "/connectors/st/resume")).status).toBe(202);
    await waitFor(() => running("st"), { what: "st RUNNING" });
    expect(w.worker.startups.snapshot().connectors.success).toBe(0);
    // Started, stopped and resumed: its one start counts once.
    const again = { ...config, name: "again" };
    expect((await w.rest("POST", "/connectors", { name: "again", config: again })).status).toBe(201);
    await waitFor(() => running("again"), { what: "again RUNNING" });
    expect((await w.rest("PUT", "/connectors/again/stop")).status).toBe(204);
    expect((await w.rest("PUT", "/connectors/again/resume")).status).toBe(202);
    await w.herder.healthCheck();
    await waitFor(() => running("again"), { what: "again RUNNING after resume" });
    expect(w.worker.startups.snapshot().connectors.success).toBe(1);
  });

  test("a JSON null value is stored but fails the connector at start, as Connect's originalsStrings()", async () => {
    await using w = await inProcessWorker();
    const config = { "connector.class": SCRIPTED_SOURCE, name: "nul", topic: null } as unknown as Config;
    expect((await w.rest("POST", "/connectors", { name: "nul", config })).status).toBe(201);
    const status = await waitFor(async () => {
      const s = await w.rest("GET", "/connectors/nul/status");
      return s.body.connector?.state === "FAILED" ? s.body : undefined;
    });
    expect(status.connector.version).toBeNull();
    expect(status.connector.trace.split("\n")[0]).toBe(
      "java.lang.ClassCastException: Non-string value found in original settings for key topic: null",
    );
    expect(w.scripted.connectorStarts).toBe(0);
    expect(w.scripted.taskStarts).toBe(0);
  });
});
