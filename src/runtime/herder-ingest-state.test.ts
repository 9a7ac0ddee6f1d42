/**
 * The herder and the ingest state kept across a connector's instances (IngestSecurity: quota buckets,
 * basic lockouts): DELETE /connectors/{name} drops it, also when stopping the connector's instance fails.
 */
import { expect, spyOn, test } from "bun:test";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

// p3ingest-b 2: the hook ran last in the delete: a throw in stopTasks / stopConnector skipped it.
test("a delete whose connector fails to stop still drops the connector's ingest state", async () => {
  const deleted: string[] = [];
  await using h = await inProcessWorker({ ingestState: { connectorDeleted: (c) => void deleted.push(c) } });
  const create = await h.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } });
  expect(create.status).toBe(201);
  const stop = spyOn(h.worker, "stopConnector").mockRejectedValueOnce(new Error("stop failed"));
  expect((await h.rest("DELETE", "/connectors/c")).status).toBe(500);
  expect(stop).toHaveBeenCalledWith("c");
  expect(deleted).toEqual(["c"]);
  stop.mockRestore();
});
