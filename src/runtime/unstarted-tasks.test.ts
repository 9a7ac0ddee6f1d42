/**
 * UnstartedTasks (unstarted-tasks.ts) as the Herder uses it, through the REST routes of an
 * in-process worker: a task that could not be built, or that a restart with its tasks left
 * RESTARTING, is started again only when asked for by name or when its task configs are written, as
 * Connect 4.3.1's DistributedHerder (whole-gateway answers: test/restart-states-recorded.test.ts).
 */
import { describe, expect, test } from "bun:test";
import type { Config } from "../api/connector.ts";
import { ConfigError } from "../errors.ts";
import { awaitStates, type InProcessWorker, inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";
import type { ResolveConfig } from "./resolved-values.ts";
import { UnstartedTasks } from "./unstarted-tasks.ts";

/** A provider whose `${gone}` references fail while `gone.now` is true (a secrets file removed). */
function goneProvider(): { gone: { now: boolean }; resolveConfig: ResolveConfig } {
  const gone = { now: false };
  const resolveConfig: ResolveConfig = async (config) => {
    if (gone.now && Object.values(config).includes("${gone}"))
      throw new ConfigError("Could not read properties from file gone.properties");
    return config;
  };
  return { gone, resolveConfig };
}

const task0 = { connector: "c", task: 0 };
const builds = (w: InProcessWorker) => w.logLines.filter((l) => l.includes("Failed to start task c-0")).length;

describe("UnstartedTasks", () => {
  test("forgets one connector's tasks, some or all", () => {
    const unstarted = new UnstartedTasks();
    unstarted.add("c", 0);
    unstarted.add("c", 1);
    unstarted.add("d", 0);
    unstarted.forget("c", [0]);
    expect([unstarted.has("c", 0), unstarted.has("c", 1), unstarted.has("d", 0)]).toEqual([false, true, true]);
    unstarted.forget("c");
    expect([unstarted.has("c", 1), unstarted.has("d", 0)]).toEqual([false, true]);
  });

  describe("a task that could not be built", () => {
    const config: Config = { "connector.class": SCRIPTED_SOURCE };
    const failingBuild = async () => {
      const { gone, resolveConfig } = goneProvider();
      const w = await inProcessWorker({ resolveConfig, script: { taskConfigs: () => [{ pin: "${gone}" }] } });
      gone.now = true;
      expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
      await awaitStates(w, "c", "RUNNING", ["FAILED"]);
      // Buildable from now on: a task started again would run.
      gone.now = false;
      return w;
    };

    test("stays FAILED through a connector restart, a pause and resume and an identical config; its own restart builds it", async () => {
      await using w = await failingBuild();
      expect((await w.rest("POST", "/connectors/c/restart")).status).toBe(204);
      expect((await w.rest("PUT", "/connectors/c/pause")).status).toBe(202);
      expect(await awaitStates(w, "c", "PAUSED", ["FAILED"])).toBe(true);
      expect((await w.rest("PUT", "/connectors/c/resume")).status).toBe(202);
      expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(200);
      await w.herder.healthCheck();
      expect(await awaitStates(w, "c", "RUNNING", ["FAILED"])).toBe(true);
      // Built once; the connector started four times (created, restarted, resumed, its config put).
      expect([w.worker.task(task0), builds(w), w.scripted.connectorStarts]).toEqual([undefined, 1, 4]);
      expect((await w.rest("POST", "/connectors/c/tasks/0/restart")).status).toBe(204);
      expect(await awaitStates(w, "c", "RUNNING", ["RUNNING"])).toBe(true);
    });

    test("a changed config writes its task configs again, which builds it", async () => {
      await using w = await failingBuild();
      expect((await w.rest("PUT", "/connectors/c/config", { ...config, "tasks.max": "1" })).status).toBe(200);
      expect(await awaitStates(w, "c", "RUNNING", ["RUNNING"])).toBe(true);
    });
  });

  describe("a restart with its tasks while the connector's config cannot be resolved", () => {
    test("leaves the connector and its task RESTARTING; once resolvable, a restart without its tasks starts the connector only", async () => {
      const { gone, resolveConfig } = goneProvider();
      await using w = await inProcessWorker({ resolveConfig });
      expect(
        (await w.rest("PUT", "/connectors/c/config", { "connector.class": SCRIPTED_SOURCE, pin: "${gone}" })).status,
      ).toBe(201);
      await awaitStates(w, "c", "RUNNING", ["RUNNING"]);
      gone.now = true;
      expect((await w.rest("POST", "/connectors/c/restart?includeTasks=true")).status).toBe(202);
      await w.herder.healthCheck();
      expect(await awaitStates(w, "c", "RESTARTING", ["RESTARTING"])).toBe(true);
      expect([w.worker.connector("c"), w.worker.task(task0)]).toEqual([undefined, undefined]);
      expect(w.logLines.filter((l) => /Connector 'c' restart failed|Task 'c-0' restart failed/.test(l)).length).toBe(2);
      gone.now = false;
      expect((await w.rest("POST", "/connectors/c/restart")).status).toBe(204);
      expect(await awaitStates(w, "c", "RUNNING", ["RESTARTING"])).toBe(true);
      expect(w.worker.task(task0)).toBeUndefined();
      expect((await w.rest("POST", "/connectors/c/restart?includeTasks=true")).status).toBe(202);
      expect(await awaitStates(w, "c", "RUNNING", ["RUNNING"])).toBe(true);
    });
  });
});
