/**
 * A worker whose SQLite database is full ("database or disk is full", SQLITE_FULL, made with
 * `PRAGMA max_page_count` on the worker's database): a task's lifecycle writes (its status, its
 * active topics) fail, and the worker logs them and goes on. Neither fails a task that is doing
 * well nor escapes as an unhandled rejection, which would exit the gateway (uncaught-errors.ts).
 */
import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { Schemas } from "../api/data/schema.ts";
import { sourceRecord } from "../api/record.ts";
import { ConnectError } from "../errors.ts";
import { STORE_FULL_MESSAGE } from "../store/store-full.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { clockTimer } from "../util/timer.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";
import { STATUS_RETRY_MS } from "./retrying-status-store.ts";

/**
 * Caps the database at its current size with no free page left: a write that needs a new page
 * (a row too long for the room left in its page, as a long topic name or a trace) fails.
 */
function makeFull(db: Database): void {
  // Free pages (a migration that rebuilt a table leaves some) would take the writes meant to fail.
  db.run("VACUUM");
  db.run("PRAGMA incremental_vacuum");
  const { page_count } = db.query("PRAGMA page_count").get() as { page_count: number };
  db.run(`PRAGMA max_page_count = ${page_count}`);
  expect((db.query("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count).toBe(0);
}

/** Longer than a page: its row needs overflow pages. */
const LONG_TOPIC = `t${"x".repeat(10_000)}`;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

/** Creates connector `c` (the scripted source) and waits until its task runs. */
async function startScriptedConnector(w: Awaited<ReturnType<typeof inProcessWorker>>): Promise<void> {
  expect(
    (await w.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } })).status,
  ).toBe(201);
  await waitFor(async () => (await w.rest("GET", "/connectors/c/status")).body?.tasks?.[0]?.state === "RUNNING", {
    what: "task running",
  });
}

/**
 * Starts connector `c` whose task, once the database is made full, fails with an error whose trace
 * is too long for the room left: its FAILED status cannot be stored.
 */
async function failWhenFull(w: Awaited<ReturnType<typeof inProcessWorker>>): Promise<void> {
  let go = false;
  w.scripted.script = {
    poll: async () => {
      await waitFor(() => go, { what: "the database to be full" });
      throw new ConnectError(`corrupt input ${"x".repeat(100_000)}`);
    },
  };
  await startScriptedConnector(w);
  makeFull(w.db);
  go = true;
}

describe("a worker whose database is full", () => {
  test("a source task keeps sending when its first topic cannot be recorded as active", async () => {
    await using w = await inProcessWorker();
    w.kafka.createTopic(LONG_TOPIC);
    let go = false;
    let sent = false;
    w.scripted.script = {
      poll: async () => {
        await waitFor(() => go, { what: "the database to be full" });
        if (sent) return null;
        sent = true;
        return [
          sourceRecord({
            topic: LONG_TOPIC,
            value: "v",
            valueSchema: Schemas.STRING,
            sourcePartition: null,
            sourceOffset: null,
          }),
        ];
      },
    };
    await startScriptedConnector(w);
    makeFull(w.db);
    expect(() => w.db.run("INSERT INTO active_topics (connector, topic) VALUES ('c', ?)", [LONG_TOPIC])).toThrow(
      "database or disk is full",
    );
    go = true;
    await waitFor(() => w.kafka.records(LONG_TOPIC).length === 1, { what: "the record in Kafka" });
    await waitFor(
      () => w.logLines.some((l) => l.includes("as active for connector c") && l.includes("Could not record topic")),
      {
        what: "the store error logged",
      },
    );
    expect(w.logLines.join("\n")).toContain("database or disk is full");
    expect((await w.rest("GET", "/connectors/c/status")).body.tasks[0].state).toBe("RUNNING");
    expect(unhandled).toEqual([]);
  });

  test("a topic that could not be recorded as active is recorded with its next record, as Connect's recordActiveTopic; the failure is logged once until it is recorded", async () => {
    // Connect's status store knows a topic once its write is read back: a failed write leaves it
    // unknown, so the task's next record of the topic writes it again (here: once there is room).
    await using w = await inProcessWorker();
    w.kafka.createTopic(LONG_TOPIC);
    let due = 0;
    w.scripted.script = {
      poll: async () => {
        await waitFor(() => due > 0, { what: "a record to send" });
        due--;
        const record = { topic: LONG_TOPIC, value: "v", sourcePartition: null, sourceOffset: null };
        return [sourceRecord({ ...record, valueSchema: Schemas.STRING })];
      },
    };
    await startScriptedConnector(w);
    makeFull(w.db);
    due = 3;
    await waitFor(() => w.kafka.records(LONG_TOPIC).length === 3, { what: "the records sent while the store is full" });
    // Logged once while the store stays full, not once per record (a flood of ERROR lines).
    expect(w.logLines.filter((l) => l.includes("Could not record topic")).length).toBe(1);
    w.db.run("PRAGMA max_page_count = 1073741823");
    due = 1;
    await waitFor(() => w.kafka.records(LONG_TOPIC).length === 4, { what: "the record sent once there is room" });
    await waitFor(async () => (await w.rest("GET", "/connectors/c/topics")).body.c.topics.length === 1, {
      what: "the topic recorded as active",
    });
    expect(unhandled).toEqual([]);
  });

  test("a task that fails while its FAILED status cannot be stored is logged, not an unhandled rejection", async () => {
    await using w = await inProcessWorker();
    await failWhenFull(w);
    await waitFor(() => w.logLines.some((l) => l.includes("Could not store status FAILED of task c-0")), {
      what: "the store error logged",
    });
    expect(w.logLines.some((l) => l.includes("threw an uncaught and unrecoverable exception"))).toBe(true);
    expect(unhandled).toEqual([]);
  });
});

describe("a status that cannot be stored (issue: full-disk leftovers, point 1)", () => {
  test("REST shows the task FAILED at once, and the status is stored by the retry timer once there is room", async () => {
    const clock = new ManualClock();
    await using w = await inProcessWorker({ statusRetryTimer: clockTimer(clock) });
    await failWhenFull(w);
    await waitFor(async () => (await w.rest("GET", "/connectors/c/status")).body.tasks[0].state === "FAILED", {
      what: "the FAILED status in the REST answer",
    });
    const stored = () => w.db.query("SELECT state FROM statuses WHERE connector = 'c' AND task = 0").get();
    expect(stored()).toEqual({ state: "RUNNING" });
    const status = (await w.rest("GET", "/connectors/c/tasks/0/status")).body;
    expect([status.state, status.trace]).toEqual(["FAILED", expect.stringContaining("corrupt input")]);
    w.db.run("PRAGMA max_page_count = 1000000");
    clock.advance(STATUS_RETRY_MS);
    await waitFor(() => (stored() as { state: string }).state === "FAILED", { what: "the FAILED status stored" });
    expect(w.logLines.filter((l) => l.includes("Could not store status"))).toHaveLength(1);
    expect(w.logLines.some((l) => l.includes("Statuses are stored again"))).toBe(true);
    expect(unhandled).toEqual([]);
  });

  test("stopping the worker stops the retry timer of statuses still kept", async () => {
    const clock = new ManualClock();
    await using w = await inProcessWorker({ statusRetryTimer: clockTimer(clock) });
    await startScriptedConnector(w);
    // Every status write fails (a trigger that needs new pages), so the UNASSIGNED statuses the
    // stop writes are kept too and cannot empty what is kept (which would cancel the timer by itself).
    w.db.run("CREATE TABLE ballast (x BLOB)");
    for (const op of ["INSERT", "UPDATE"])
      w.db.run(
        `CREATE TRIGGER s_${op} BEFORE ${op} ON statuses BEGIN INSERT INTO ballast VALUES (zeroblob(100000)); END`,
      );
    makeFull(w.db);
    expect((await w.rest("PUT", "/connectors/c/pause")).status).toBe(202);
    await waitFor(() => clock.pending === 1, { what: "a status kept and its retry scheduled" });
    await w.stop();
    expect(clock.pending).toBe(0);
  });
});

describe("a REST write on a full database", () => {
  const SECRET = "s3cr3t-token-value";

  test("is told by SQLite's code, never by text: a client's text cannot raise the full-store alarm", async () => {
    await using w = await inProcessWorker();
    const r = await w.rest("GET", `/connectors/${encodeURIComponent("database or disk is full")}`);
    expect(r.status).toBe(404);
    expect(r.body.message).not.toBe(STORE_FULL_MESSAGE);
    expect(w.logLines.some((l) => l.includes("state store is full"))).toBe(false);
  });

  test("answers 500 as Connect does, saying the state store is full, with no value of the request; nothing changes", async () => {
    await using w = await inProcessWorker();
    await startScriptedConnector(w);
    makeFull(w.db);
    const long = "x".repeat(20_000);
    const config = { "connector.class": SCRIPTED_SOURCE, "auth.type": "BEARER", "auth.token": SECRET, note: long };
    const expected = { error_code: 500, message: STORE_FULL_MESSAGE };
    expect(await w.rest("POST", "/connectors", { name: "d", config })).toEqual({ status: 500, body: expected });
    expect(await w.rest("PUT", "/connectors/c/config", config)).toEqual({ status: 500, body: expected });
    expect((await w.rest("GET", "/connectors")).body).toEqual(["c"]);
    expect((await w.rest("GET", "/connectors/c/config")).body).toEqual({
      "connector.class": SCRIPTED_SOURCE,
      name: "c",
    });
    expect(w.logLines.some((l) => l.includes(STORE_FULL_MESSAGE) && l.includes("database or disk is full"))).toBe(true);
    expect(w.logLines.join("\n")).not.toContain(SECRET);
    expect(STORE_FULL_MESSAGE).toStartWith("The worker's state store is full (SQLITE_FULL");
  });

  test("a DELETE whose write fails leaves the connector running as it was", async () => {
    await using w = await inProcessWorker();
    await startScriptedConnector(w);
    // A delete needs no new page; on a full disk it fails when its WAL frames cannot be written.
    // Stand-in: a trigger makes the delete write a row that needs new pages, which really fails.
    w.db.run("CREATE TABLE ballast (x BLOB)");
    w.db.run(
      "CREATE TRIGGER delete_needs_room BEFORE DELETE ON connectors BEGIN INSERT INTO ballast VALUES (zeroblob(100000)); END",
    );
    makeFull(w.db);
    expect(await w.rest("DELETE", "/connectors/c")).toEqual({
      status: 500,
      body: { error_code: 500, message: STORE_FULL_MESSAGE },
    });
    expect((await w.rest("GET", "/connectors")).body).toEqual(["c"]);
    const status = (await w.rest("GET", "/connectors/c/status")).body;
    expect([status.connector.state, status.tasks[0].state]).toEqual(["RUNNING", "RUNNING"]);
    expect(w.worker.runningTasks("c")).toHaveLength(1);
  });

  test("failing on another SQLite error (a failing disk's I/O error) is logged at ERROR with SQLite's code", async () => {
    await using w = await inProcessWorker();
    // Stand-in for SQLITE_IOERR, which a test cannot cause safely: any SQLite error code on the write.
    w.db.run("CREATE TRIGGER refuse BEFORE INSERT ON connectors BEGIN SELECT RAISE(ABORT, 'refused'); END");
    const r = await w.rest("POST", "/connectors", { name: "d", config: { "connector.class": SCRIPTED_SOURCE } });
    expect(r.status).toBe(500);
    const line = w.logLines.find((l) => l.includes("failed on the worker's state store"));
    expect(line).toContain("ERROR");
    expect(line).toContain("(SQLITE_CONSTRAINT_TRIGGER): refused");
  });

  test("a 404 is not logged as a state store failure", async () => {
    await using w = await inProcessWorker();
    expect((await w.rest("GET", "/connectors/nope")).status).toBe(404);
    expect(w.logLines.some((l) => l.includes("state store"))).toBe(false);
  });

  test("task configs that cannot be stored: created (201), stored again after a backoff, then the tasks start", async () => {
    await using w = await inProcessWorker();
    // Stand-in for a store full between the connector's row and its tasks' rows.
    w.db.run("CREATE TRIGGER refuse_tasks BEFORE INSERT ON task_configs BEGIN SELECT RAISE(ABORT, 'no room'); END");
    const r = await w.rest("POST", "/connectors", { name: "c", config: { "connector.class": SCRIPTED_SOURCE } });
    expect(r.status).toBe(201);
    await waitFor(() => w.logLines.some((l) => l.includes("Could not store the task configs of connector c")), {
      what: "the ERROR",
    });
    expect(w.logLines.find((l) => l.includes("task configs of connector c"))).toContain("(SQLITE_CONSTRAINT_TRIGGER)");
    w.db.run("DROP TRIGGER refuse_tasks");
    await waitFor(async () => (await w.rest("GET", "/connectors/c/status")).body?.tasks?.[0]?.state === "RUNNING", {
      what: "the task, once its config is stored",
    });
  });

  test("an update whose task configs cannot be stored answers 200; its tasks start once they are stored", async () => {
    await using w = await inProcessWorker();
    w.scripted.script = { taskConfigs: () => [{ generation: String(Date.now()) }] };
    await startScriptedConnector(w);
    w.db.run("CREATE TRIGGER refuse_tasks BEFORE INSERT ON task_configs BEGIN SELECT RAISE(ABORT, 'no room'); END");
    const r = await w.rest("PUT", "/connectors/c/config", { "connector.class": SCRIPTED_SOURCE, note: "v2" });
    expect(r.status).toBe(200);
    await waitFor(() => w.logLines.some((l) => l.includes("Could not store the task configs of connector c")), {
      what: "the ERROR",
    });
    w.db.run("DROP TRIGGER refuse_tasks");
    await waitFor(() => w.worker.runningTasks("c").length === 1, {
      what: "the restarted task, once its new config is stored",
    });
    expect((await w.rest("GET", "/connectors/c/tasks")).body[0].config.generation).toBeDefined();
  });

  test("while an update's task configs cannot be stored its tasks run with the stored ones; the new ones replace them once stored", async () => {
    // Connect stops no task before the new task configs are written. Regression: the update stopped
    // the tasks and none ran until the store recovered.
    await using w = await inProcessWorker();
    let generation = 1;
    w.scripted.script = { taskConfigs: () => [{ generation: String(generation) }] };
    await startScriptedConnector(w);
    generation = 2;
    w.db.run("CREATE TRIGGER refuse_tasks BEFORE INSERT ON task_configs BEGIN SELECT RAISE(ABORT, 'no room'); END");
    expect(
      (await w.rest("PUT", "/connectors/c/config", { "connector.class": SCRIPTED_SOURCE, note: "v2" })).status,
    ).toBe(200);
    expect(w.logLines.some((l) => l.includes("Could not store the task configs of connector c"))).toBe(true);
    expect(w.worker.runningTasks("c").length).toBe(1);
    expect((await w.rest("GET", "/connectors/c/status")).body.tasks.map((t: { state: string }) => t.state)).toEqual([
      "RUNNING",
    ]);
    const starts = w.scripted.taskStarts;
    w.db.run("DROP TRIGGER refuse_tasks");
    await waitFor(() => w.scripted.taskStarts > starts && w.worker.runningTasks("c").length === 1, {
      what: "the task of the new task config",
    });
    expect((await w.rest("GET", "/connectors/c/tasks")).body[0].config.generation).toBe("2");
  });
});
