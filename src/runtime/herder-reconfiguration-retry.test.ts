/**
 * Task configs that cannot be generated now are asked for again after a backoff, as Connect's
 * reconfigureConnectorTasksWithRetry: the connector stays RUNNING (its running tasks too) and an
 * ERROR is logged per attempt. Recorded from Connect 4.3.1: a paused connector resumed while its
 * secrets file is gone stays RUNNING with its task. Before, the gateway FAILED the connector, and it
 * stayed so until restarted even once the file was back. Meanwhile its tasks run with the stored
 * task configs (a config change stopped them), and a pause, stop, delete or restart of the connector
 * or a stopping worker ends the retries.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { ConfigError } from "../errors.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";
import type { ResolveConfig } from "./resolved-values.ts";

const config = { "connector.class": SCRIPTED_SOURCE, "tasks.max": "1", "batch.size": "${file:/s.properties:batch}" };

describe("task configs that cannot be generated now", () => {
  test("a resume while the secrets cannot be resolved keeps the connector and its task RUNNING; retried until they can", async () => {
    let gone = false;
    const resolveConfig: ResolveConfig = async (c, onValue) => {
      if (gone) throw new ConfigError("Could not read properties from file /s.properties");
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(c)) {
        out[k] = v === config["batch.size"] ? "7" : v;
        if (v === config["batch.size"]) onValue?.("7");
      }
      return out;
    };
    await using w = await inProcessWorker({ resolveConfig });
    let generated = 0;
    w.scripted.script = {
      taskConfigs: (max) => {
        generated++;
        return Array.from({ length: max }, () => ({}));
      },
    };
    const status = async () => (await w.rest("GET", "/connectors/c/status")).body;
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(async () => (await status()).tasks[0]?.state === "RUNNING", { what: "the task running" });
    expect((await w.rest("PUT", "/connectors/c/pause")).status).toBe(202);
    await waitFor(async () => (await status()).tasks[0]?.state === "PAUSED", { what: "the task paused" });
    gone = true;
    const before = generated;
    expect((await w.rest("PUT", "/connectors/c/resume")).status).toBe(202);
    await waitFor(() => w.logLines.some((l) => l.includes("Failed to reconfigure connector's tasks (c)")), {
      what: "the failed reconfiguration logged",
    });
    const resumed = await status();
    expect(resumed.connector).toEqual({ state: "RUNNING", worker_id: expect.any(String), version: expect.any(String) });
    expect(resumed.tasks.map((t: { state: string }) => t.state)).toEqual(["RUNNING"]);
    gone = false;
    await waitFor(() => generated > before, { what: "the task configs generated again" });
    expect((await status()).connector.state).toBe("RUNNING");
  });

  test("a connector whose taskConfigs throws stays RUNNING and is asked again; its tasks start once it answers", async () => {
    await using w = await inProcessWorker();
    let failures = 2;
    w.scripted.script = {
      taskConfigs: (max) => {
        if (failures-- > 0) throw new Error("the upstream is not reachable yet");
        return Array.from({ length: max }, () => ({}));
      },
    };
    const { "batch.size": _, ...plain } = config;
    expect((await w.rest("PUT", "/connectors/c/config", plain)).status).toBe(201);
    const status = async () => (await w.rest("GET", "/connectors/c/status")).body;
    await waitFor(async () => (await status()).tasks[0]?.state === "RUNNING", { what: "the task running" });
    expect((await status()).connector.state).toBe("RUNNING");
    expect(w.logLines.filter((l) => l.includes("Failed to reconfigure connector's tasks (c)")).length).toBe(2);
  });

  test("a config change whose task configs cannot be generated keeps its tasks running (the stored configs), as Connect's", async () => {
    // Connect stops no task before the new task configs are written: they run on meanwhile.
    // Regression: none ran while the connector and its tasks showed RUNNING, until generated.
    await using w = await inProcessWorker();
    let failing = false;
    w.scripted.script = {
      taskConfigs: (max) => {
        if (failing) throw new Error("the upstream is not reachable yet");
        return Array.from({ length: max }, () => ({}));
      },
    };
    const { "batch.size": _, ...plain } = config;
    expect((await w.rest("PUT", "/connectors/c/config", plain)).status).toBe(201);
    const status = async () => (await w.rest("GET", "/connectors/c/status")).body;
    await waitFor(async () => (await status()).tasks[0]?.state === "RUNNING", { what: "the task running" });
    failing = true;
    expect((await w.rest("PUT", "/connectors/c/config", { ...plain, topic: "changed" })).status).toBe(200);
    expect(w.logLines.some((l) => l.includes("Failed to reconfigure connector's tasks (c)"))).toBe(true);
    expect(w.scripted.taskStops).toBe(0);
    expect(w.worker.runningTasks("c").map((t) => t.id)).toEqual([{ connector: "c", task: 0 }]);
    expect(w.scripted.taskStarts).toBe(1);
    expect((await status()).tasks.map((t: { state: string }) => t.state)).toEqual(["RUNNING"]);
  });

  test("a pause ends the retries: resumed, the backoff starts again at 250 ms", async () => {
    // Regression: the retries of a paused or stopped connector went on (their timer fired for
    // nothing) and a resume took up the backoff where it was.
    await using w = await inProcessWorker();
    w.scripted.script = {
      taskConfigs: () => {
        throw new Error("the upstream is not reachable yet");
      },
    };
    const { "batch.size": _, ...plain } = config;
    const failures = () => w.logLines.filter((l) => l.includes("Failed to reconfigure connector's tasks (c)"));
    expect((await w.rest("PUT", "/connectors/c/config", plain)).status).toBe(201);
    await waitFor(() => failures().length >= 3, { what: "three failed reconfigurations" });
    expect((await w.rest("PUT", "/connectors/c/pause")).status).toBe(202);
    const before = failures().length;
    expect((await w.rest("PUT", "/connectors/c/resume")).status).toBe(202);
    expect(
      failures()
        .slice(before)
        .map((l) => l.match(/\((\d+) ms\)/)?.[1]),
    ).toEqual(["250"]);
  });

  test("a reconfiguration failing as the worker stops is not retried", async () => {
    let entered!: () => void;
    const resolving = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let fail: ((error: Error) => void) | undefined;
    let blocking = false;
    const resolveConfig: ResolveConfig = async (c) => {
      if (fail) return c;
      if (c["batch.size"] !== config["batch.size"] || !blocking) return { ...c, "batch.size": "7" };
      entered();
      return new Promise((_, reject) => {
        fail = reject;
      });
    };
    const w = await inProcessWorker({ resolveConfig });
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(async () => (await w.rest("GET", "/connectors/c/status")).body.tasks[0]?.state === "RUNNING", {
      what: "the task running",
    });
    blocking = true;
    w.scripted.connectorContexts.at(-1)!.requestTaskReconfiguration();
    await resolving;
    const stopping = w.stop();
    fail!(new ConfigError("Could not read properties from file /s.properties"));
    await stopping;
    expect(w.logLines.filter((l) => l.includes("retrying after backoff"))).toEqual([]);
  });
});
