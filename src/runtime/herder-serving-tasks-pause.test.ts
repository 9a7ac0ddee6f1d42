/**
 * A connector whose tasks serve a route's requests (`tasksServeRequests`: HttpIngestSource) has its tasks stopped
 * before its new instance starts on a config change (herder-thread.ts). Paused while that instance is still starting,
 * it starts no task for the new config (a PAUSED connector is not reconfigured until resumed), so its stored tasks
 * must be there PAUSED, as for a connector started PAUSED. Regression (chaos-lifecycle, CHAOS_SEED=103 and 109 with
 * CHAOS_STEPS=150): the stopped tasks were never started again, and GET …/status showed them RUNNING under a PAUSED
 * connector for good (while nothing ran); a resume brought them back.
 */
import { expect, test } from "bun:test";
import { deferred } from "../util/async.ts";
import { awaitStates, inProcessWorker, Scripted, scriptedPlugins } from "./herder-test-support.ts";

const SERVING = "test.ServingSourceConnector";

test("a serving connector paused while its reconfigured instance starts: its stored tasks PAUSED, RUNNING once resumed", async () => {
  const serving = new Scripted();
  const [source] = scriptedPlugins(serving);
  await using w = await inProcessWorker({ plugins: [{ ...source, className: SERVING, tasksServeRequests: true }] });
  const config = (tasks: number) => ({ "connector.class": SERVING, "tasks.max": String(tasks) });
  expect((await w.rest("PUT", "/connectors/a/config", config(2))).status).toBe(201);
  await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"]);

  const start = deferred<void>();
  serving.script = { start: () => start.promise };
  expect((await w.rest("PUT", "/connectors/a/config", config(1))).status).toBe(200);
  expect((await w.rest("PUT", "/connectors/a/pause")).status).toBe(202);
  start.resolve();
  // As a connector started PAUSED: the stored task configs' tasks, PAUSED (not reconfigured until resumed).
  await awaitStates(w, "a", "PAUSED", ["PAUSED", "PAUSED"]);
  expect(w.worker.runningTasks("a").length).toBe(2);

  serving.script = {};
  expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
  await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
});
