/**
 * The Herder when a connector's operation is slow or never ends, through the REST routes of an
 * in-process worker: an asynchronous start (bounded by connector.start.timeout.ms, and what a delete,
 * pause, stop or restart meanwhile does), a stop that hangs (abandoned after Connect's 5 s),
 * GET /health's check (KIP-1017) while the herder is stuck or a validation is slow, and an offsets
 * change that takes its time (run beside the herder's executor, as Connect's Worker runs it: herdexec).
 */
import { describe, expect, spyOn, test } from "bun:test";
import { settled, waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { ConnectError } from "../errors.ts";
import { deferred } from "../util/async.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { awaitStates, type InProcessWorker, inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const source = (extra: Config = {}): Config => ({ "connector.class": SCRIPTED_SOURCE, ...extra });

async function connectorState(w: InProcessWorker, name: string): Promise<string | undefined> {
  return (await w.rest("GET", `/connectors/${name}/status`)).body?.connector?.state;
}

/** Lets queued callbacks and I/O run (nothing is expected to happen: asserts that it did not). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("Herder", () => {
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
      // Connect lists connectors as a Java HashSet iterates them.
      expect((await w.rest("GET", "/connectors")).body).toEqual(["fast", "slow"]);
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

  describe("GET /health's check (KIP-1017)", () => {
    test("a herder stuck in operations (connector stops that hang) is unhealthy after 10 s; healthy again once it moves", async () => {
      const clock = new ManualClock();
      await using w = await inProcessWorker({ clock });
      expect(await w.herder.health()).toBe("healthy");
      for (const name of ["a", "b", "c"]) {
        await w.rest("POST", "/connectors", { name, config: source({ "tasks.max": "1" }) });
        await awaitStates(w, name, "RUNNING", ["RUNNING"]);
      }
      w.scripted.script = { stop: () => new Promise(() => {}) };
      // Each stop is abandoned after 5 s (Connect's CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS): three
      // deletes hold the herder for 15 s.
      const deletes = ["a", "b", "c"].map((name) => w.rest("DELETE", `/connectors/${name}`));
      await waitFor(() => w.scripted.connectorStops === 1);
      let health: string | undefined;
      void w.herder.health().then((h) => {
        health = h;
      });
      clock.advance(5_000);
      await waitFor(() => w.scripted.connectorStops === 2);
      clock.advance(4_999);
      await settle();
      expect(health).toBeUndefined();
      clock.advance(1);
      await waitFor(() => health === "unhealthy");
      await waitFor(() => w.scripted.connectorStops === 3);
      clock.advance(5_000);
      expect((await Promise.all(deletes)).map((r) => r.status)).toEqual([204, 204, 204]);
      expect(await w.herder.health()).toBe("healthy");
    });
  });

  describe("GET /health while a config is validated", () => {
    test("a slow validation runs outside the herder's queue: /health answers healthy meanwhile, the connector is created after", async () => {
      const clock = new ManualClock();
      await using w = await inProcessWorker({ clock });
      const validator = (
        w.herder as unknown as { validator: { validateOrThrow(c: object, name: string): Promise<void> } }
      ).validator;
      const validate = validator.validateOrThrow.bind(validator);
      let release!: () => void;
      const slow = new Promise<void>((resolve) => {
        release = resolve;
      });
      let validating = false;
      validator.validateOrThrow = async (config, name) => {
        validating = true;
        await slow;
        return validate(config, name);
      };
      const creating = w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "1" }) });
      await waitFor(() => validating);
      let health: string | undefined;
      void w.herder.health().then((h) => {
        health = h;
      });
      void w.herder.health(); // concurrent probes share one check
      await waitFor(() => health !== undefined);
      expect(health).toBe("healthy");
      release();
      expect((await creating).status).toBe(201);
    });
  });

  describe("a connector whose stop hangs", () => {
    // Connect's Worker.CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS; task.shutdown.graceful.timeout.ms bounds tasks only.
    // Regression (opsp3): a connector's stop waited task.shutdown.graceful.timeout.ms (60 s here).
    test("is abandoned after 5 s with Connect's ERROR, whatever task.shutdown.graceful.timeout.ms says: DELETE completes and the herder carries on", async () => {
      const clock = new ManualClock();
      await using w = await inProcessWorker({ clock, worker: { "task.shutdown.graceful.timeout.ms": "60000" } });
      await w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "1" }) });
      await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
      w.scripted.script = { stop: () => new Promise(() => {}) };
      let deleted: { status: number } | undefined;
      const deleting = w.rest("DELETE", "/connectors/a").then((r) => {
        deleted = r;
      });
      await waitFor(() => w.scripted.connectorStops === 1);
      await settle();
      expect(deleted).toBeUndefined();
      clock.advance(5000);
      await deleting;
      expect(deleted!.status).toBe(204);
      expect(
        w.logLines.some((l) =>
          l.includes(
            "ERROR [a|worker] Connector 'a' failed to properly shut down, has become unresponsive, and may be consuming external resources. Correct the configuration for this connector or remove the connector. After fixing the connector, it may be necessary to restart this worker to release any consumed resources.",
          ),
        ),
      ).toBe(true);
      w.scripted.script = {};
      expect((await w.rest("POST", "/connectors", { name: "b", config: source() })).status).toBe(201);
      expect(await awaitStates(w, "b", "RUNNING", ["RUNNING"])).toBe(true);
    });

    test("the worker's stop stops every connector at once (Worker.stopAndAwaitConnectors): two hanging stops share one timeout", async () => {
      const clock = new ManualClock();
      await using w = await inProcessWorker({ clock, worker: { "task.shutdown.graceful.timeout.ms": "60000" } });
      for (const name of ["a", "b"]) {
        await w.rest("POST", "/connectors", { name, config: source({ "tasks.max": "1" }) });
        await awaitStates(w, name, "RUNNING", ["RUNNING"]);
      }
      w.scripted.script = { stop: () => new Promise(() => {}) };
      const stopping = w.herder.stop();
      // One after another, b's stop would be called only once a's timed out (the clock never moves).
      await waitFor(() => w.scripted.connectorStops === 2, { what: "both connectors' stop called" });
      clock.advance(5000);
      await stopping;
      for (const name of ["a", "b"])
        expect(
          w.logLines.some((l) => l.includes(`[${name}|worker] Connector '${name}' failed to properly shut down`)),
        ).toBe(true);
    });
  });

  describe("an offsets change under way (the connector's alterOffsets waits)", () => {
    const offsets = (file: string) => ({ offsets: [{ partition: { file }, offset: { position: 5 } }] });
    const altered = { status: 200, body: { message: "The offsets for this connector have been altered successfully" } };

    /** A worker with STOPPED source connector `a` whose alterOffsets waits for `release`; `entered` counts the calls. */
    async function stoppedSource(clock?: ManualClock) {
      const w = await inProcessWorker(clock ? { clock } : {});
      await w.rest("POST", "/connectors", { name: "a", config: source(), initial_state: "STOPPED" });
      const gate = deferred<void>();
      const calls = { entered: 0 };
      w.scripted.script = {
        alterOffsets: async () => {
          calls.entered++;
          await gate.promise;
          return true;
        },
      };
      return { w, calls, release: () => gate.resolve() };
    }

    test("holds no other operation up: another connector is created and paused, the connector itself resumed (as Connect)", async () => {
      const { w, calls, release } = await stoppedSource();
      await using _ = w;
      let answered = false;
      const alter = w.rest("PATCH", "/connectors/a/offsets", offsets("f")).finally(() => {
        answered = true;
      });
      await waitFor(() => calls.entered === 1);

      expect((await w.rest("POST", "/connectors", { name: "b", config: source() })).status).toBe(201);
      expect((await w.rest("PUT", "/connectors/b/pause")).status).toBe(202);
      expect(await connectorState(w, "b")).toBe("PAUSED");
      expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
      expect(await w.herder.health()).toBe("healthy");
      expect(answered).toBe(false);

      // Connect's Worker finishes a change it passed the check for: the resumed connector's offsets are written.
      release();
      expect(await alter).toEqual(altered);
      expect((await w.rest("GET", "/connectors/a/offsets")).body).toEqual(offsets("f"));
    });

    test("two changes of one connector both pass the check and run side by side (as Connect)", async () => {
      const { w, calls, release } = await stoppedSource();
      await using _ = w;
      const first = w.rest("PATCH", "/connectors/a/offsets", offsets("f"));
      const second = w.rest("PATCH", "/connectors/a/offsets", offsets("g"));
      await waitFor(() => calls.entered === 2);
      release();
      expect(await Promise.all([first, second])).toEqual([altered, altered]);
      expect((await w.rest("GET", "/connectors/a/offsets")).body.offsets).toHaveLength(2);
    });

    test("a stop waits for it: its offsets are written before the stores close", async () => {
      const { w, calls, release } = await stoppedSource();
      await using _ = w;
      const alter = w.rest("PATCH", "/connectors/a/offsets", offsets("f"));
      await waitFor(() => calls.entered === 1);
      // What the stores hold as the herder's stop resolves: the worker closes them right after it (w.stop()).
      let atStop: unknown;
      const stopping = w.herder.stop().then(() => {
        atStop = w.offsets.all("a");
      });
      // Resolves once the stop's own step on the herder's executor has run: the stop now waits for the change only.
      await w.herder.healthCheck();
      await settle();
      expect(atStop).toBeUndefined();
      release();
      await stopping;
      expect(atStop).toEqual(offsets("f").offsets);
      expect(await alter).toEqual(altered);
    });

    // Review herdexec P3-5: what a delete meanwhile does, as README and the herder's header say.
    test("a delete of the connector goes ahead; the change still writes its offsets, which the connector made again under its name reads (as Connect's offsets topic keeps them)", async () => {
      const { w, calls, release } = await stoppedSource();
      await using _ = w;
      const alter = w.rest("PATCH", "/connectors/a/offsets", offsets("f"));
      await waitFor(() => calls.entered === 1);
      expect((await w.rest("DELETE", "/connectors/a")).status).toBe(204);
      expect((await w.rest("GET", "/connectors")).body).toEqual([]);
      release();
      expect(await alter).toEqual(altered);
      await w.rest("POST", "/connectors", { name: "a", config: source(), initial_state: "STOPPED" });
      expect((await w.rest("GET", "/connectors/a/offsets")).body).toEqual(offsets("f"));
    });

    // Review herdexec P3-4: the deadline began at the check step, so a change queued behind a stuck herder was made
    // after the REST layer had answered 500 Request timed out.
    test("its 90 s run from the request's arrival: spent in the herder's queue, the change is refused, nothing written", async () => {
      const clock = new ManualClock();
      await using w = await inProcessWorker({ clock });
      await w.rest("POST", "/connectors", { name: "a", config: source(), initial_state: "STOPPED" });
      await w.rest("POST", "/connectors", { name: "b", config: source() });
      await awaitStates(w, "b", "RUNNING", ["RUNNING"]);
      // The delete of b holds the herder's queue until its hanging stop is abandoned (Connect's 5 s).
      w.scripted.script = { stop: () => new Promise(() => {}) };
      const stops = w.scripted.connectorStops;
      const deleted = w.rest("DELETE", "/connectors/b");
      await waitFor(() => w.scripted.connectorStops === stops + 1);
      const alter = w.herder.modifyConnectorOffsets("a", offsets("f").offsets).catch((error: Error) => error);
      clock.advance(90_000);
      expect((await deleted).status).toBe(204);
      expect(await alter).toEqual(
        new ConnectError("Timed out while calling the 'alterOffsets' method for source connector a"),
      );
      expect((await w.rest("GET", "/connectors/a/offsets")).body).toEqual({ offsets: [] });
    });

    // Review herdexec P3-2: a change whose check was queued behind the stop's step ran after the stop, on closed stores.
    test("one asked for as the worker stops is refused as Connect's DistributedHerder refuses the requests it still has", async () => {
      const { w, calls } = await stoppedSource();
      await using _ = w;
      const stopping = w.stop();
      const refused = await settled(
        w.herder.modifyConnectorOffsets("a", offsets("f").offsets).catch((error: Error) => error),
      );
      await settled(stopping);
      expect([refused, calls.entered]).toEqual([new ConnectError("Worker is shutting down"), 0]);
    });

    // Review herdexec P3-1: the stop awaited the changes under way without a limit.
    test("a stop waits 2 s at most for it, as Connect's Worker for its executor: an alterOffsets that never returns is abandoned", async () => {
      const clock = new ManualClock();
      const { w, calls } = await stoppedSource(clock);
      await using _ = w;
      void w.herder.modifyConnectorOffsets("a", offsets("f").offsets).catch(() => undefined);
      await waitFor(() => calls.entered === 1);
      const stopping = w.stop();
      // The 2 s on the herder's clock (review herdexec-c P3-6: a real timer).
      await waitFor(() => clock.sleeps.includes(2000));
      clock.advance(2000);
      await settled(stopping);
      expect(w.logLines.filter((l) => l.includes(" ERROR ")).map((l) => l.split(" ERROR ")[1])).toEqual([
        "Offsets changes did not finish within 2000 ms of the stop and were abandoned (org.apache.kafka.connect.runtime.Herder)",
      ]);
    });

    // Review herdexec-c P3-2: an alterOffsets returning after the stop's 2 s wrote to the closed stores ("ERROR Failed
    // to modify offsets … Database has closed").
    test("one abandoned by the stop writes nothing when its alterOffsets returns later, and logs no ERROR", async () => {
      const clock = new ManualClock();
      const { w, calls, release } = await stoppedSource(clock);
      await using _ = w;
      const writes = spyOn(w.offsets, "alter");
      const change = w.herder.modifyConnectorOffsets("a", offsets("f").offsets).catch((error: Error) => error);
      await waitFor(() => calls.entered === 1);
      const stopping = w.stop();
      await waitFor(() => clock.sleeps.includes(2000));
      clock.advance(2000);
      await settled(stopping);
      const logged = w.logLines.length;
      release();
      expect(await settled(change)).toEqual(new ConnectError("Worker is shutting down"));
      expect([w.logLines.slice(logged), writes.mock.calls]).toEqual([[], []]);
    });
  });
});
