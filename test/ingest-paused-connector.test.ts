/**
 * An HttpIngestSource connector that is PAUSED answers 503 with Retry-After on its path however it
 * came to be paused, so devices retry rather than give up: paused through the REST API, created
 * with initial_state PAUSED, or paused when the gateway restarted. Regression: the last two
 * answered 404, as a paused connector is never started and only a started one opened its route.
 */
import { describe, expect, test } from "bun:test";
import { curlPost } from "./support/curl.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const WORKER = { "ingest.listeners": "http://127.0.0.1:0", "offset.flush.interval.ms": "500" };

async function start(dir: TempDir): Promise<{ gw: Gateway; ingest: string }> {
  const kafka = await kafkaBroker();
  const gw = await startGateway({
    dir: dir.path,
    worker: { ...WORKER, "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
  });
  const m = await gw.waitForOutput(/Ingest listener open at (http:\/\/[^\s]+?)\/? /);
  return { gw, ingest: m[1]!.replace(/\/$/, "") };
}

async function tasksIn(gw: Gateway, name: string, state: string): Promise<boolean> {
  const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
  return (
    status?.connector?.state === state &&
    status.tasks.length > 0 &&
    status.tasks.every((t: { state: string }) => t.state === state)
  );
}

/** POSTs `{}` until it is answered `status`; returns that answer. */
async function answered(url: string, status: number) {
  return waitFor(
    async () => {
      const r = await curlPost(url, '{"t":1}', "application/json");
      return r.status === status ? r : undefined;
    },
    { what: `${url} answered ${status}` },
  );
}

describe("a paused HttpIngestSource connector", () => {
  test("created PAUSED: 503 with Retry-After, then 200 once resumed", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("ingest-created-paused");
    await createTopic(topic);
    const first = await start(dir);
    await using _gw = first.gw;
    const created = await first.gw.rest.post("/connectors", {
      name: "paused",
      config: { "connector.class": "HttpIngest", "ingest.path": "/ingest/p", "kafka.topic": topic },
      initial_state: "PAUSED",
    });
    expect(created.status).toBe(201);
    // As in Connect, a connector created PAUSED has no tasks until it is resumed.
    await waitFor(
      async () => (await first.gw.rest.get("/connectors/paused/status")).body?.connector?.state === "PAUSED",
      { what: "paused" },
    );
    const paused = await curlPost(`${first.ingest}/ingest/p`, '{"t":1}', "application/json");
    expect(paused.status).toBe(503);
    expect(paused.headers["retry-after"]).toBe("5");
    expect(paused.json()).toEqual({ error_code: 503, message: "The ingest connector paused is paused" });
    expect((await first.gw.rest.put("/connectors/paused/resume")).status).toBe(202);
    await answered(`${first.ingest}/ingest/p`, 200);
    expect((await readTopic(topic, 1)).map((r) => r.value?.toString())).toEqual(['{"t":1}']);
  }, 90_000);

  test("paused when the gateway restarts: still 503 with Retry-After, and the other connector serves", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("ingest-restart-paused");
    await createTopic(topic);
    {
      const first = await start(dir);
      await using _first = first.gw;
      for (const name of ["a", "b"]) {
        const created = await first.gw.rest.post("/connectors", {
          name,
          config: { "connector.class": "HttpIngest", "ingest.path": `/ingest/${name}`, "kafka.topic": topic },
        });
        expect(created.status).toBe(201);
      }
      await waitFor(() => tasksIn(first.gw, "a", "RUNNING"), { what: "a running" });
      expect((await first.gw.rest.put("/connectors/a/pause")).status).toBe(202);
      const before = await answered(`${first.ingest}/ingest/a`, 503);
      expect(before.json().message).toBe("The ingest connector a is paused");
      expect(await first.gw.stop()).toBe(0);
    }

    const second = await start(dir);
    await using _gw = second.gw;
    await waitFor(() => tasksIn(second.gw, "a", "PAUSED"), { what: "a paused after the restart" });
    await answered(`${second.ingest}/ingest/b`, 200);
    const paused = await curlPost(`${second.ingest}/ingest/a`, '{"t":2}', "application/json");
    expect({ status: paused.status, retryAfter: paused.headers["retry-after"], body: paused.json() }).toEqual({
      status: 503,
      retryAfter: "5",
      body: { error_code: 503, message: "The ingest connector a is paused" },
    });
    expect((await second.gw.rest.put("/connectors/a/resume")).status).toBe(202);
    await answered(`${second.ingest}/ingest/a`, 200);
    // STOPPED has no tasks: its path is gone (404), as after a delete.
    expect((await second.gw.rest.put("/connectors/a/stop")).status).toBe(204);
    await answered(`${second.ingest}/ingest/a`, 404);
    // Paused from STOPPED (no tasks, as in Connect): 503 again; deleted: 404.
    expect((await second.gw.rest.put("/connectors/a/pause")).status).toBe(202);
    await answered(`${second.ingest}/ingest/a`, 503);
    expect((await second.gw.rest.request("DELETE", "/connectors/a")).status).toBe(204);
    await answered(`${second.ingest}/ingest/a`, 404);
    await answered(`${second.ingest}/ingest/b`, 200);
  }, 90_000);
});
