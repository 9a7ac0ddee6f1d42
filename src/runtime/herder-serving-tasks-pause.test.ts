/**
 * A connector whose tasks serve a route's requests (`tasksServeRequests`: HttpIngestSource) has its tasks stopped
 * before its new instance starts on a config change (herder-thread.ts). Paused while that instance is still starting,
 * it starts no task for the new config (a PAUSED connector is not reconfigured until resumed), so its stored tasks
 * must be there PAUSED, as for a connector started PAUSED. Regression (chaos-lifecycle, CHAOS_SEED=103 and 109 with
 * CHAOS_STEPS=150): the stopped tasks were never started again, and GET …/status showed them RUNNING under a PAUSED
 * connector for good (while nothing ran); a resume brought them back.
 */
import { expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { deferred } from "../util/async.ts";
import { awaitStates, inProcessWorker, SCRIPTED_SINK, Scripted, scriptedPlugins } from "./herder-test-support.ts";

const SERVING = "test.ServingSourceConnector";
const config = (tasks: number) => ({ "connector.class": SERVING, "tasks.max": String(tasks) });

/** The serving class given as a config provider reference, and the resolution that names it. */
const REFERENCE = "${test:serving}";
const resolveConfig = async (c: Config) =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v === REFERENCE ? SERVING : v]));

/** A worker running connector `a` of a serving class (`serving` steers it; `cls` names it) with 2 tasks. */
async function servingConnector(serving: Scripted, cls = SERVING) {
  const [source] = scriptedPlugins(serving);
  const w = await inProcessWorker({
    plugins: [{ ...source, className: SERVING, tasksServeRequests: true }],
    resolveConfig,
  });
  expect((await w.rest("PUT", "/connectors/a/config", { ...config(2), "connector.class": cls })).status).toBe(201);
  await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"]);
  return w;
}

test("a serving connector paused while its reconfigured instance starts: its stored tasks PAUSED, RUNNING once resumed", async () => {
  const serving = new Scripted();
  await using w = await servingConnector(serving);

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

// Review P2-1: the stored tasks of a serving connector reconfigured while PAUSED run the previous config; a resume
// that set them STARTED before the new task configs were stored let requests through the old config meanwhile.
test("a serving connector reconfigured while paused: its previous config's tasks are never resumed", async () => {
  const serving = new Scripted();
  await using w = await servingConnector(serving);
  expect((await w.rest("PUT", "/connectors/a/pause")).status).toBe(202);
  expect((await w.rest("PUT", "/connectors/a/config", config(1))).status).toBe(200);
  await awaitStates(w, "a", "PAUSED", ["PAUSED", "PAUSED"]);

  const previous = w.worker.runningTasks("a");
  expect(previous.length).toBe(2);
  const resumed: number[] = [];
  for (const task of previous) {
    const transitionTo = task.transitionTo.bind(task);
    task.transitionTo = (state) => {
      if (state === "STARTED") resumed.push(task.id.task);
      transitionTo(state);
    };
  }
  expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
  await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
  expect(resumed).toEqual([]);
  expect(w.worker.runningTasks("a").some((t) => previous.includes(t))).toBe(false);
});

// diffhunt11 review P2-2: the class was read as stored, so a reference named no serving class and the previous
// config's tasks kept serving until the new instance generated its task configs.
test("a serving connector whose class is a config provider reference has its tasks stopped before its new instance starts", async () => {
  const serving = new Scripted();
  await using w = await servingConnector(serving, REFERENCE);
  const start = deferred<void>();
  serving.script = { start: () => start.promise };
  expect((await w.rest("PUT", "/connectors/a/config", { ...config(1), "connector.class": REFERENCE })).status).toBe(
    200,
  );
  await waitFor(() => w.worker.runningTasks("a").length === 0, { what: "the previous config's tasks stopped" });
  serving.script = {};
  start.resolve();
  await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
});

// diffhunt11 review 2 P3: the class given by reference was asked of the provider when a connector changed while
// paused was resumed, and a provider failing then counted as a class that may serve: a sink's tasks were stopped.
test("a sink whose class is a reference, changed while paused, is resumed by its running instance's class, the provider not asked", async () => {
  let providerDown = false;
  await using w = await inProcessWorker({
    resolveConfig: async (c: Config) => {
      if (providerDown) throw new Error("provider down");
      return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v === REFERENCE ? SCRIPTED_SINK : v]));
    },
  });
  const sink = { "connector.class": REFERENCE, topics: "t", "tasks.max": "1" };
  expect((await w.rest("PUT", "/connectors/a/config", sink)).status).toBe(201);
  await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
  expect((await w.rest("PUT", "/connectors/a/pause")).status).toBe(202);
  expect((await w.rest("PUT", "/connectors/a/config", { ...sink, "consumer.note": "x" })).status).toBe(200);
  await awaitStates(w, "a", "PAUSED", ["PAUSED"]);
  const tasks = w.worker.runningTasks("a");
  expect(tasks.length).toBe(1);
  providerDown = true;
  expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
  await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
  expect(w.worker.runningTasks("a")).toEqual(tasks);
});
