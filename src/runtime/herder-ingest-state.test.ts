/**
 * The herder and the ingest state kept across a connector's instances (IngestSecurity: quota buckets,
 * basic lockouts): DELETE /connectors/{name} drops it, also when stopping the connector's instance fails.
 */
import { expect, spyOn, test } from "bun:test";
import { passThroughStages } from "../ingest/request-context.ts";
import { IngestRouteTable } from "../ingest/route-table.ts";
import { testSettings } from "../ingest/test-support.ts";
import type { ConfigStore } from "../store/config-store.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

/** The worker's stops a delete makes, each of which may throw. */
const STOPS = ["stopTasks", "stopConnector"] as const;

// p3ingest-b 2: the hook ran last in the delete: a throw in stopTasks / stopConnector skipped it.
test.each(STOPS)("a delete whose %s throws still drops the connector's ingest state", async (stops) => {
  const deleted: string[] = [];
  await using h = await inProcessWorker({ ingestState: { connectorDeleted: (c) => void deleted.push(c) } });
  const create = await h.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } });
  expect(create.status).toBe(201);
  const stop = spyOn(h.worker, stops).mockRejectedValueOnce(new Error("stop failed"));
  expect((await h.rest("DELETE", "/connectors/c")).status).toBe(204);
  expect(stop).toHaveBeenCalled();
  expect(deleted).toEqual(["c"]);
  stop.mockRestore();
});

// p3ingestc 4: the connector's instance suspends its route as it stops; a stop that threw left the deleted
// connector's route open, answering 503 "has no running task" instead of 404 until the name was created again.
test.each(STOPS)("a delete whose %s throws still takes its ingest route down", async (stops) => {
  // The connector's stored target state, as app.ts reads it.
  let configs: ConfigStore | undefined;
  const routes = new IngestRouteTable((connector) => configs?.targetState(connector));
  await using h = await inProcessWorker({ ingestRoutes: routes });
  configs = h.configs;
  const create = await h.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } });
  expect(create.status).toBe(201);
  // The route an http-ingest instance of it would have opened (the scripted connector opens none).
  routes.open("c", testSettings(), passThroughStages);
  const stop = spyOn(h.worker, stops).mockRejectedValueOnce(new Error("stop failed"));
  expect((await h.rest("DELETE", "/connectors/c")).status).toBe(204);
  expect(stop).toHaveBeenCalled();
  expect(routes.byPath("/ingest/t")).toBeUndefined();
  stop.mockRestore();
});
