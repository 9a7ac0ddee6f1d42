/**
 * An HttpIngestSource connector that is PAUSED answers 503 with Retry-After on its path however it
 * came to be paused, so devices retry rather than give up: paused through the REST API, created
 * with initial_state PAUSED, or paused when the gateway restarted. Regression: the last two
 * answered 404, as a paused connector is never started and only a started one opened its route.
 * The same holds while a connector restarts (a config change, POST …/restart): regression, its
 * path answered 404 between the old instance's stop and the new one's start.
 */
import { describe, expect, test } from "bun:test";
import { curl, curlPost } from "./support/curl.ts";
import { type Gateway, startIngestGateway } from "./support/gateway.ts";
import { createTopic, readTopic, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const start = (dir: TempDir) => startIngestGateway(dir, { "offset.flush.interval.ms": "500" });

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

describe("an HttpIngestSource connector restarting", () => {
  test("a config change or a restart under load: every request 200 or 503 Retry-After (never 404); all 200s written once", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("ingest-reconfigure");
    await createTopic(topic);
    const { gw, ingest } = await start(dir);
    await using _gw = gw;
    const config = (tasks: number) => ({
      "connector.class": "HttpIngest",
      "ingest.path": "/ingest/r",
      "kafka.topic": topic,
      "tasks.max": String(tasks),
    });
    expect((await gw.rest.put("/connectors/r/config", config(1))).status).toBe(201);
    await answered(`${ingest}/ingest/r`, 200);
    const answers = new Map<number, number>();
    const accepted: string[] = [];
    let running = true;
    const client = async (id: number) => {
      for (let n = 0; running; n++) {
        const body = `{"k":"${id}-${n}"}`;
        const r = await curl(`${ingest}/ingest/r`, [
          "-X",
          "POST",
          "-H",
          "Content-Type: application/json",
          "--data-binary",
          body,
        ]);
        answers.set(r.status, (answers.get(r.status) ?? 0) + 1);
        if (r.status === 200) accepted.push(body);
        else
          expect({ status: r.status, retryAfter: r.headers["retry-after"] }).toEqual({ status: 503, retryAfter: "5" });
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    for (const tasks of [3, 1, 2]) {
      expect((await gw.rest.put("/connectors/r/config", config(tasks))).status).toBe(200);
      await waitFor(async () => (await gw.rest.get("/connectors/r/status")).body?.tasks?.length === tasks, {
        what: `${tasks} tasks`,
      });
    }
    expect((await gw.rest.post("/connectors/r/restart?includeTasks=true", {})).status).toBe(202);
    await waitFor(() => tasksIn(gw, "r", "RUNNING"), { what: "running after the restart" });
    await answered(`${ingest}/ingest/r`, 200);
    running = false;
    await Promise.all(clients);
    expect([...answers.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    const written = (await readTopic(topic, accepted.length + 2)).map((r) => r.value?.toString());
    expect(written.filter((v) => v !== '{"t":1}').sort()).toEqual([...accepted].sort());
  }, 90_000);
});
