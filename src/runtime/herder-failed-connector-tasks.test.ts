/**
 * The stored tasks of a connector whose start fails run, as Connect's distributed herder (which the
 * gateway follows where standalone and distributed differ) starts the tasks assigned to it from the
 * task configs of its config topic, whatever became of their connector: after the worker restarts,
 * and after a config update. Regression: they stayed UNASSIGNED (stopped) until the connector was
 * restarted, as a standalone worker, which keeps no task configs, would have none to start.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { ConnectError } from "../errors.ts";
import { migrate } from "../store/database.ts";
import { type InProcessWorker, inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const config = { "connector.class": SCRIPTED_SOURCE, "tasks.max": "2" };

/**
 * Runs `then` on a worker database where connector `c` was created and its two tasks ran (then
 * `meanwhile` was done) by a worker now closed: a restart of the worker.
 */
async function afterRestart(
  then: (db: Database) => Promise<void>,
  meanwhile: (w: InProcessWorker) => Promise<void> = async () => {},
): Promise<void> {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  try {
    {
      await using w = await inProcessWorker({ db });
      expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
      await waitFor(() => w.worker.runningTasks("c").length === 2, { what: "the tasks running" });
      await meanwhile(w);
    }
    await then(db);
  } finally {
    db.close();
  }
}

const failingStart = {
  start: () => {
    throw new ConnectError("cannot reach the source");
  },
};

test("after a restart of the worker, the stored tasks of a connector whose start fails run", async () => {
  await afterRestart(async (db) => {
    await using w = await inProcessWorker({ db, script: failingStart });
    expect((await w.rest("GET", "/connectors/c/status")).body.connector.state).toBe("FAILED");
    await waitFor(() => w.worker.runningTasks("c").length === 2, { what: "the stored tasks running" });
  });
});

test("after a config update whose connector fails to start, the tasks run with the stored task configs", async () => {
  await using w = await inProcessWorker();
  expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
  await waitFor(() => w.worker.runningTasks("c").length === 2, { what: "the tasks running" });
  w.scripted.script = failingStart;
  expect((await w.rest("PUT", "/connectors/c/config", { ...config, topic: "changed" })).status).toBe(200);
  expect((await w.rest("GET", "/connectors/c/status")).body.connector.state).toBe("FAILED");
  expect(w.worker.runningTasks("c").length).toBe(2);
  const states = (await w.rest("GET", "/connectors/c/status")).body.tasks.map((t: { state: string }) => t.state);
  expect(states).toEqual(["RUNNING", "RUNNING"]);
});

test("after a config update whose connector's asynchronous start fails, the tasks run with the stored task configs", async () => {
  // Regression: only a start that failed at once ran them; one that failed later (a rejected
  // promise, connector.start.timeout.ms) left them stopped while their statuses still read RUNNING.
  await using w = await inProcessWorker();
  expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
  await waitFor(() => w.worker.runningTasks("c").length === 2, { what: "the tasks running" });
  let fail: (error: unknown) => void = () => {};
  w.scripted.script = {
    start: () =>
      new Promise<void>((_, reject) => {
        fail = reject;
      }),
  };
  expect((await w.rest("PUT", "/connectors/c/config", { ...config, topic: "changed" })).status).toBe(200);
  fail(new ConnectError("cannot reach the source"));
  await waitFor(async () => (await w.rest("GET", "/connectors/c/status")).body.connector.state === "FAILED", {
    what: "the connector FAILED",
  });
  await waitFor(() => w.worker.runningTasks("c").length === 2, { what: "the stored tasks running" });
  const states = (await w.rest("GET", "/connectors/c/status")).body.tasks.map((t: { state: string }) => t.state);
  expect(states).toEqual(["RUNNING", "RUNNING"]);
});

test("a paused connector that cannot be built after a restart of the worker: its stored tasks are PAUSED, and run on resume", async () => {
  // Regression: only a STARTED connector's stored tasks were started; a paused one's stayed
  // UNASSIGNED, and a resume started none either (there is no connector instance to generate them).
  await afterRestart(
    async (db) => {
      const failingCreate = {
        create: () => {
          throw new ConnectError("cannot load the connector");
        },
      };
      await using w = await inProcessWorker({ db, script: failingCreate });
      const states = async () =>
        (await w.rest("GET", "/connectors/c/status")).body.tasks.map((t: { state: string }) => t.state).join();
      await waitFor(async () => (await states()) === "PAUSED,PAUSED", { what: "the stored tasks PAUSED" });
      expect((await w.rest("PUT", "/connectors/c/resume")).status).toBe(202);
      await waitFor(async () => (await states()) === "RUNNING,RUNNING", { what: "the stored tasks RUNNING" });
      expect(w.worker.runningTasks("c").length).toBe(2);
    },
    async (w) => {
      expect((await w.rest("PUT", "/connectors/c/pause")).status).toBe(202);
    },
  );
});
