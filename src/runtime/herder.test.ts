import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { ConnectError } from "../errors.ts";
import { deferred } from "../util/async.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { type InProcessWorker, inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const source = (extra: Config = {}): Config => ({ "connector.class": SCRIPTED_SOURCE, ...extra });

async function connectorState(w: InProcessWorker, name: string): Promise<string | undefined> {
  return (await w.rest("GET", `/connectors/${name}/status`)).body?.connector?.state;
}

/** Lets queued callbacks and I/O run (nothing is expected to happen: asserts that it did not). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("Herder", () => {
  describe("the ConnectorContext a connector gets", () => {
    test("carries a logger named for the connector class with [connector|worker], and the worker's clock", async () => {
      await using w = await inProcessWorker();
      await w.herder.putConnectorConfig(
        "ctx",
        { name: "ctx", "connector.class": SCRIPTED_SOURCE },
        { allowReplace: false },
      );
      const context = await waitFor(() => w.scripted.connectorContexts[0]);
      context.logger.info("hello from the connector");
      expect(w.logLines.at(-1)).toEndWith(`INFO [ctx|worker] hello from the connector (${SCRIPTED_SOURCE})`);
      expect(context.clock.now()).toBeGreaterThan(0);
    });
  });

  describe("a connector whose start does network I/O (asynchronous start)", () => {
    test("a hanging start blocks neither the herder nor the REST API, and FAILs at connector.start.timeout.ms", async () => {
      const clock = new ManualClock(1_000_000);
      await using w = await inProcessWorker({ clock, worker: { "connector.start.timeout.ms": "30000" } });
      const hang = deferred<void>();
      w.scripted.script = { start: (config) => (config.topic === "slow" ? hang.promise : undefined) };
      expect((await w.rest("POST", "/connectors", { name: "slow", config: source({ topic: "slow" }) })).status).toBe(
        201,
      );
      expect(await connectorState(w, "slow")).toBe("UNASSIGNED");

      // Meanwhile everything else answers: another connector is created, runs its task, pauses.
      expect((await w.rest("POST", "/connectors", { name: "fast", config: source() })).status).toBe(201);
      await waitFor(async () => (await w.rest("GET", "/connectors/fast/status")).body.tasks[0]?.state === "RUNNING");
      expect((await w.rest("PUT", "/connectors/fast/pause")).status).toBe(202);
      expect(await connectorState(w, "fast")).toBe("PAUSED");
      expect((await w.rest("GET", "/connectors")).body).toEqual(["slow", "fast"]);
      expect((await w.rest("GET", "/connector-plugins")).status).toBe(200);

      clock.advance(29_999);
      await settle();
      expect(await connectorState(w, "slow")).toBe("UNASSIGNED");
      clock.advance(1);
      await waitFor(async () => (await connectorState(w, "slow")) === "FAILED");
      const status = (await w.rest("GET", "/connectors/slow/status")).body;
      expect(status.connector.trace).toContain(
        "Connector slow did not finish starting within 30000 ms (connector.start.timeout.ms); the instance was abandoned",
      );
      expect(status.tasks).toEqual([]);

      // The abandoned instance is stopped if its start ever completes; its status stays FAILED.
      const stops = w.scripted.connectorStops;
      hang.resolve();
      await waitFor(() => w.scripted.connectorStops === stops + 1);
      expect(await connectorState(w, "slow")).toBe("FAILED");
    });

    test("its tasks start once the start completes", async () => {
      await using w = await inProcessWorker();
      const gate = deferred<void>();
      w.scripted.script = { start: () => gate.promise };
      await w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "2" }) });
      expect(await connectorState(w, "a")).toBe("UNASSIGNED");
      expect(w.scripted.taskStarts).toBe(0);
      gate.resolve();
      await waitFor(async () => (await w.rest("GET", "/connectors/a/status")).body.tasks.length === 2);
      expect(await connectorState(w, "a")).toBe("RUNNING");
      await waitFor(() => w.scripted.taskStarts === 2);
    });

    test("a start that rejects later FAILs the connector with that error's trace", async () => {
      await using w = await inProcessWorker();
      const gate = deferred<void>();
      w.scripted.script = { start: () => gate.promise };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      gate.reject(new ConnectError("token endpoint answered 401"));
      await waitFor(async () => (await connectorState(w, "a")) === "FAILED");
      const status = (await w.rest("GET", "/connectors/a/status")).body;
      expect(status.connector.trace).toStartWith(
        "org.apache.kafka.connect.errors.ConnectException: token endpoint answered 401",
      );
    });

    test("deleted while starting: DELETE answers at once; the instance is stopped when its start completes", async () => {
      await using w = await inProcessWorker();
      const gate = deferred<void>();
      w.scripted.script = { start: () => gate.promise };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      expect((await w.rest("DELETE", "/connectors/a")).status).toBe(204);
      expect(w.scripted.connectorStops).toBe(0);
      gate.resolve();
      await waitFor(() => w.scripted.connectorStops === 1);
      expect((await w.rest("GET", "/connectors/a/status")).status).toBe(404);
      expect(w.scripted.taskStarts).toBe(0);
    });

    test("paused while starting: once started it is stopped again and reported PAUSED, without tasks", async () => {
      await using w = await inProcessWorker();
      const gate = deferred<void>();
      w.scripted.script = { start: () => gate.promise };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      expect((await w.rest("PUT", "/connectors/a/pause")).status).toBe(202);
      gate.resolve();
      await waitFor(async () => (await connectorState(w, "a")) === "PAUSED");
      expect(w.scripted.connectorStops).toBe(1);
      expect(w.scripted.taskStarts).toBe(0);
      // Resuming starts it again (synchronously this time) and generates its task.
      w.scripted.script = {};
      expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
      await waitFor(async () => (await w.rest("GET", "/connectors/a/status")).body.tasks[0]?.state === "RUNNING");
      expect(await connectorState(w, "a")).toBe("RUNNING");
    });

    test("stopped while starting, then the start fails: the connector ends STOPPED", async () => {
      await using w = await inProcessWorker();
      const gate = deferred<void>();
      w.scripted.script = { start: () => gate.promise };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      expect((await w.rest("PUT", "/connectors/a/stop")).status).toBe(204);
      gate.reject(new Error("late failure"));
      await waitFor(async () => (await connectorState(w, "a")) === "STOPPED");
    });

    test("restarted while starting: the first instance is stopped once its start completes, the second runs", async () => {
      await using w = await inProcessWorker();
      const first = deferred<void>();
      w.scripted.script = { start: () => first.promise };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      w.scripted.script = {};
      expect((await w.rest("POST", "/connectors/a/restart")).status).toBe(204);
      await waitFor(async () => (await w.rest("GET", "/connectors/a/status")).body.tasks[0]?.state === "RUNNING");
      expect(w.scripted.connectorStarts).toBe(2);
      first.resolve();
      await waitFor(() => w.scripted.connectorStops === 1);
      expect(await connectorState(w, "a")).toBe("RUNNING");
    });
  });
});
