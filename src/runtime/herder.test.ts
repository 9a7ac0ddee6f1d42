import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config, SinkTaskContext } from "../api/connector.ts";
import { ConnectError } from "../errors.ts";
import { deferred } from "../util/async.ts";
import { ManualClock } from "../util/manual-clock.ts";
import {
  awaitStates,
  type InProcessWorker,
  inProcessWorker,
  SCRIPTED_SINK,
  SCRIPTED_SOURCE,
} from "./herder-test-support.ts";

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

  describe("a sink with topics.regex", () => {
    test("consumes the topics the Java regular expression matches, whole names only", async () => {
      await using w = await inProcessWorker();
      for (const t of ["in.v1", "inXv1", "in.v10", "IN.V1"]) w.kafka.createTopic(t);
      const config = { "connector.class": SCRIPTED_SINK, "topics.regex": "(?i)\\Qin.v1\\E" };
      expect((await w.rest("POST", "/connectors", { name: "k", config })).status).toBe(201);
      const context = (await waitFor(() => w.scripted.taskContexts[0])) as SinkTaskContext;
      const assigned = await waitFor(() => context.assignment().length > 0 && context.assignment());
      expect(assigned.map((tp) => tp.topic).sort()).toEqual(["IN.V1", "in.v1"]);
    });
  });

  describe("creating with an initial state", () => {
    test("RUNNING (default): the connector and its tasks.max tasks run", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "2" }) });
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"])).toBe(true);
      expect((await w.rest("GET", "/connectors/a/tasks")).body.map((t: { id: unknown }) => t.id)).toEqual([
        { connector: "a", task: 0 },
        { connector: "a", task: 1 },
      ]);
    });

    test("PAUSED: connector and tasks PAUSED until resumed", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source(), initial_state: "PAUSED" });
      expect(await awaitStates(w, "a", "PAUSED", [])).toBe(true);
      expect(w.scripted.connectorStarts).toBe(0);
      expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
    });

    test("STOPPED: no instance and no tasks until resumed", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source(), initial_state: "STOPPED" });
      expect(await awaitStates(w, "a", "STOPPED", [])).toBe(true);
      expect([w.scripted.connectorStarts, w.scripted.taskStarts]).toEqual([0, 0]);
      await w.rest("PUT", "/connectors/a/resume");
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
    });
  });

  describe("pause, resume and stop", () => {
    test("pause pauses the connector and its tasks (the instance is stopped); resume restarts both", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "2" }) });
      await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"]);
      await w.rest("PUT", "/connectors/a/pause");
      await w.rest("PUT", "/connectors/a/pause");
      expect(await awaitStates(w, "a", "PAUSED", ["PAUSED", "PAUSED"])).toBe(true);
      expect(w.scripted.connectorStops).toBe(1);
      expect(w.scripted.taskStops).toBe(0);
      await w.rest("PUT", "/connectors/a/resume");
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"])).toBe(true);
      expect([w.scripted.connectorStarts, w.scripted.taskStarts]).toEqual([2, 2]);
    });

    test("stop stores no task configs and STOPPED together, before the tasks have stopped (a crash meanwhile restarts without tasks)", async () => {
      await using w = await inProcessWorker();
      const release = deferred<void>();
      let polls = 0;
      // A poll that does not honour the stop signal holds the task's stop up until released.
      w.scripted.script.poll = async () => {
        polls++;
        await release.promise;
        return null;
      };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
      await waitFor(() => polls > 0, { what: "a poll in progress" });
      const stopping = w.rest("PUT", "/connectors/a/stop");
      await waitFor(() => w.configs.get("a")?.targetState === "STOPPED", { what: "STOPPED stored" });
      expect(w.scripted.taskStops).toBe(0);
      expect(w.configs.get("a")).toMatchObject({ targetState: "STOPPED", taskConfigs: [] });
      release.resolve();
      expect((await stopping).status).toBe(204);
      expect(await awaitStates(w, "a", "STOPPED", [])).toBe(true);
      expect(w.scripted.taskStops).toBe(1);
    });

    test("stop stops the tasks and removes their configs; resume generates them again", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "2" }) });
      await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"]);
      expect((await w.rest("PUT", "/connectors/a/stop")).status).toBe(204);
      expect(await awaitStates(w, "a", "STOPPED", [])).toBe(true);
      expect((await w.rest("GET", "/connectors/a/tasks")).body).toEqual([]);
      expect([w.scripted.connectorStops, w.scripted.taskStops]).toEqual([1, 2]);
      await w.rest("PUT", "/connectors/a/resume");
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"])).toBe(true);
      expect(w.scripted.taskStarts).toBe(4);
    });

    test("pausing a stopped connector keeps it without tasks; resuming runs it", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source(), initial_state: "STOPPED" });
      await w.rest("PUT", "/connectors/a/pause");
      expect(await awaitStates(w, "a", "PAUSED", [])).toBe(true);
      await w.rest("PUT", "/connectors/a/resume");
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
    });
  });

  describe("a connector whose start fails", () => {
    test("is FAILED with the error's trace and no tasks; a restart after the cause is fixed runs it", async () => {
      await using w = await inProcessWorker();
      w.scripted.script = {
        start: () => {
          throw new ConnectError("cannot reach the source");
        },
      };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      expect(await awaitStates(w, "a", "FAILED", [])).toBe(true);
      const status = (await w.rest("GET", "/connectors/a/status")).body;
      expect(status.connector.trace).toStartWith(
        "org.apache.kafka.connect.errors.ConnectException: cannot reach the source",
      );
      // Pause and resume do not leave FAILED; only a restart (or stop) does.
      await w.rest("PUT", "/connectors/a/pause");
      await w.rest("PUT", "/connectors/a/resume");
      expect((await w.rest("GET", "/connectors/a/status")).body.connector.state).toBe("FAILED");
      w.scripted.script = {};
      const restart = await w.rest("POST", "/connectors/a/restart?onlyFailed=true");
      expect(restart.status).toBe(202);
      expect(restart.body.connector.state).toBe("RESTARTING");
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
    });

    test("stop takes a FAILED connector to STOPPED", async () => {
      await using w = await inProcessWorker();
      w.scripted.script = {
        start: () => {
          throw new Error("boom");
        },
      };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitStates(w, "a", "FAILED", []);
      await w.rest("PUT", "/connectors/a/stop");
      expect(await awaitStates(w, "a", "STOPPED", [])).toBe(true);
    });

    test("stop leaves a connector that could not even be constructed FAILED, as Connect", async () => {
      // Connect's Worker.startConnector failed before it had a WorkerConnector: setTargetState finds
      // none to stop, and no STOPPED status is written (the gateway wrote one).
      await using w = await inProcessWorker();
      const config = { "connector.class": "FileStreamSource", topic: "t", "batch.size": null };
      expect((await w.rest("POST", "/connectors", { name: "a", config })).status).toBe(201);
      expect(await awaitStates(w, "a", "FAILED", [])).toBe(true);
      expect((await w.rest("PUT", "/connectors/a/stop")).status).toBe(204);
      const status = (await w.rest("GET", "/connectors/a/status")).body;
      expect(status.connector.state).toBe("FAILED");
      expect(status.connector.trace).toStartWith("java.lang.ClassCastException: Non-string value found");
    });

    test("resume leaves a connector that could not be constructed FAILED without building it, as Connect; a restart builds it", async () => {
      // Connect's Worker.setTargetState finds no WorkerConnector to resume (startConnector failed
      // before it had one): the connector stays FAILED until restarted (the gateway built it again).
      await using w = await inProcessWorker();
      w.scripted.script = {
        create: () => {
          throw new ConnectError("the class could not be loaded");
        },
      };
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      expect(await awaitStates(w, "a", "FAILED", [])).toBe(true);
      const failed = (await w.rest("GET", "/connectors/a/status")).body;
      w.scripted.script = {};
      await w.rest("PUT", "/connectors/a/pause");
      expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
      expect((await w.rest("GET", "/connectors/a/status")).body).toEqual(failed);
      expect(w.scripted.connectorStarts).toBe(0);
      expect((await w.rest("POST", "/connectors/a/restart")).status).toBe(204);
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
    });

    test("a connector stopped while it could not be constructed: a valid config leaves it STOPPED, resume runs it", async () => {
      await using w = await inProcessWorker();
      const bad = { "connector.class": "FileStreamSource", topic: "t", "batch.size": null };
      await w.rest("POST", "/connectors", { name: "a", config: bad });
      expect(await awaitStates(w, "a", "FAILED", [])).toBe(true);
      expect((await w.rest("PUT", "/connectors/a/stop")).status).toBe(204);
      await w.rest("POST", "/connectors/a/restart");
      expect((await w.rest("GET", "/connectors/a/status")).body.connector.state).toBe("FAILED");
      const good = { "connector.class": "FileStreamSource", topic: "t" };
      expect((await w.rest("PUT", "/connectors/a/config", good)).status).toBe(200);
      expect(await awaitStates(w, "a", "STOPPED", [])).toBe(true);
      expect((await w.rest("PUT", "/connectors/a/resume")).status).toBe(202);
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
    });

    test("a connector that raises an error while running is FAILED", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
      w.scripted.connectorContexts[0]!.raiseError(new ConnectError("lost the source"));
      expect(await awaitStates(w, "a", "FAILED", ["RUNNING"])).toBe(true);
      expect(w.scripted.connectorStops).toBe(1);
    });
  });

  describe("config updates", () => {
    test("while PAUSED: the connector stays PAUSED, its tasks as they are until resumed, then with the new config", async () => {
      // As Connect, which generates no task configs for a connector that is not running.
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source({ topic: "one" }) });
      await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
      await w.rest("PUT", "/connectors/a/pause");
      await awaitStates(w, "a", "PAUSED", ["PAUSED"]);
      expect((await w.rest("PUT", "/connectors/a/config", source({ topic: "two" }))).status).toBe(200);
      expect(await awaitStates(w, "a", "PAUSED", ["PAUSED"])).toBe(true);
      expect((await w.rest("GET", "/connectors/a/config")).body.topic).toBe("two");
      expect(w.scripted.taskStops).toBe(0);
      expect((await w.rest("GET", "/connectors/a/tasks")).body[0].config.topic).toBe("one");
      await w.rest("PUT", "/connectors/a/resume");
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
      expect((await w.rest("GET", "/connectors/a/tasks")).body[0].config.topic).toBe("two");
      expect(w.scripted.taskStops).toBe(1);
    });

    test("while STOPPED: the connector stays STOPPED, nothing starts; resume uses the new config", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source({ topic: "one" }), initial_state: "STOPPED" });
      await awaitStates(w, "a", "STOPPED", []);
      expect((await w.rest("PUT", "/connectors/a/config", source({ topic: "two" }))).status).toBe(200);
      expect(await awaitStates(w, "a", "STOPPED", [])).toBe(true);
      expect([w.scripted.connectorStarts, w.scripted.taskStarts]).toEqual([0, 0]);
      await w.rest("PUT", "/connectors/a/resume");
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
      expect((await w.rest("GET", "/connectors/a/tasks")).body[0].config.topic).toBe("two");
    });

    test("while RUNNING: a lower tasks.max removes the extra task and its status", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "2" }) });
      await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"]);
      await w.rest("PATCH", "/connectors/a/config", { "tasks.max": "1" });
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
      expect((await w.rest("GET", "/connectors/a/tasks/1/status")).status).toBe(404);
    });

    test("a connector's requestTaskReconfiguration regenerates its tasks", async () => {
      await using w = await inProcessWorker();
      let count = 1;
      w.scripted.script = { taskConfigs: () => Array.from({ length: count }, () => ({ topic: "t" })) };
      await w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "3" }) });
      await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
      count = 3;
      w.scripted.connectorContexts[0]!.requestTaskReconfiguration();
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING", "RUNNING"])).toBe(true);
    });
  });

  describe("offsets", () => {
    const offsets = { offsets: [{ partition: { file: "f" }, offset: { position: 5 } }] };
    const notStopped =
      "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/a/stop' endpoint";

    test.each(["RUNNING", "PAUSED"])("can be read but not altered or reset while %s", async (state) => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
      if (state === "PAUSED") await w.rest("PUT", "/connectors/a/pause");
      await awaitStates(w, "a", state, [state]);
      expect(await w.rest("GET", "/connectors/a/offsets")).toEqual({ status: 200, body: { offsets: [] } });
      expect(await w.rest("PATCH", "/connectors/a/offsets", offsets)).toEqual({
        status: 400,
        body: { error_code: 400, message: notStopped },
      });
      expect(await w.rest("DELETE", "/connectors/a/offsets")).toEqual({
        status: 400,
        body: { error_code: 400, message: notStopped },
      });
    });

    test("once STOPPED they can be altered, read back and reset", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
      await w.rest("PUT", "/connectors/a/stop");
      await awaitStates(w, "a", "STOPPED", []);
      expect(await w.rest("PATCH", "/connectors/a/offsets", offsets)).toEqual({
        status: 200,
        body: { message: "The offsets for this connector have been altered successfully" },
      });
      expect((await w.rest("GET", "/connectors/a/offsets")).body).toEqual(offsets);
      expect((await w.rest("DELETE", "/connectors/a/offsets")).status).toBe(200);
      expect((await w.rest("GET", "/connectors/a/offsets")).body).toEqual({ offsets: [] });
    });
  });

  describe("delete", () => {
    test("stops the tasks and the connector and forgets config and status", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source({ "tasks.max": "2" }) });
      await awaitStates(w, "a", "RUNNING", ["RUNNING", "RUNNING"]);
      expect((await w.rest("DELETE", "/connectors/a")).status).toBe(204);
      expect([w.scripted.connectorStops, w.scripted.taskStops]).toEqual([1, 2]);
      expect((await w.rest("GET", "/connectors")).body).toEqual([]);
      expect((await w.rest("GET", "/connectors/a/status")).status).toBe(404);
      // The same name can be used again at once.
      expect((await w.rest("POST", "/connectors", { name: "a", config: source() })).status).toBe(201);
      expect(await awaitStates(w, "a", "RUNNING", ["RUNNING"])).toBe(true);
    });
  });

  describe("herder stop", () => {
    test("stops every task and connector and leaves their statuses UNASSIGNED", async () => {
      const w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitStates(w, "a", "RUNNING", ["RUNNING"]);
      await w.herder.stop();
      expect([w.scripted.connectorStops, w.scripted.taskStops]).toEqual([1, 1]);
      expect(w.herder.connectorStatus("a")).toMatchObject({
        connector: { state: "UNASSIGNED" },
        tasks: [{ id: 0, state: "UNASSIGNED" }],
      });
      await w.stop();
    });
  });

  describe("a sink connector's offsets (its consumer group)", () => {
    test("are read from the group, and once STOPPED altered and reset there", async () => {
      await using w = await inProcessWorker();
      w.kafka.createTopic("in", 2);
      const config = { "connector.class": SCRIPTED_SINK, topics: "in" };
      await w.rest("POST", "/connectors", { name: "k", config });
      await awaitStates(w, "k", "RUNNING", ["RUNNING"]);
      w.kafka.commit("connect-k", [{ topic: "in", partition: 0, offset: 3 }]);
      expect((await w.rest("GET", "/connectors/k/offsets")).body).toEqual({
        offsets: [{ partition: { kafka_topic: "in", kafka_partition: 0 }, offset: { kafka_offset: 3 } }],
      });
      await w.rest("PUT", "/connectors/k/stop");
      await awaitStates(w, "k", "STOPPED", []);
      const patch = {
        offsets: [
          { partition: { kafka_topic: "in", kafka_partition: 0 }, offset: null },
          { partition: { kafka_topic: "in", kafka_partition: 1 }, offset: { kafka_offset: 7 } },
        ],
      };
      expect((await w.rest("PATCH", "/connectors/k/offsets", patch)).status).toBe(200);
      expect(w.kafka.committed("connect-k", { topic: "in", partition: 0 })).toBeUndefined();
      expect(w.kafka.committed("connect-k", { topic: "in", partition: 1 })).toBe(7);
      expect((await w.rest("DELETE", "/connectors/k/offsets")).status).toBe(200);
      expect((await w.rest("GET", "/connectors/k/offsets")).body).toEqual({ offsets: [] });
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
      const validator = (w.herder as unknown as { validator: { validateOrThrow(c: object): Promise<void> } }).validator;
      const validate = validator.validateOrThrow.bind(validator);
      let release!: () => void;
      const slow = new Promise<void>((resolve) => {
        release = resolve;
      });
      let validating = false;
      validator.validateOrThrow = async (config) => {
        validating = true;
        await slow;
        return validate(config);
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
});
