/**
 * RetryingStatusStore on a real SQLite file made full with `PRAGMA max_page_count` (SQLITE_FULL,
 * as on a full disk), its retry timer driven by a ManualClock.
 */
import type { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { ConfigStore } from "../store/config-store.ts";
import { openDatabase } from "../store/database.ts";
import { type Status, StatusStore } from "../store/status-store.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { clockTimer } from "../util/timer.ts";
import { RetryingStatusStore, STATUS_RETRY_MS } from "./retrying-status-store.ts";

const running: Status = { state: "RUNNING", trace: null, workerId: "w1" };
/** Too long for the room left in any page: storing it needs a new one. */
const failed: Status = { state: "FAILED", trace: `boom ${"x".repeat(200_000)}`, workerId: "w1" };

async function harness() {
  const dir: TempDir = await tempDir("retrying-status-");
  const db = openDatabase(dir.path);
  new ConfigStore(db).putConfig("c", { "connector.class": "X" });
  const store = new StatusStore(db);
  store.putConnector("c", running);
  store.putTask("c", 0, running);
  store.putTask("c", 1, running);
  const lines: string[] = [];
  const logs = new LogManager({ sink: (l) => lines.push(l) });
  const clock = new ManualClock();
  const statuses = new RetryingStatusStore({ store, log: logs.get("status"), setTimer: clockTimer(clock) });
  return {
    db,
    store,
    statuses,
    lines,
    clock,
    full: () => makeFull(db),
    room: () => db.run("PRAGMA max_page_count = 1000000"),
    [Symbol.asyncDispose]: async () => {
      statuses.close();
      db.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

function makeFull(db: Database): void {
  db.run("PRAGMA incremental_vacuum");
  const { page_count } = db.query("PRAGMA page_count").get() as { page_count: number };
  db.run(`PRAGMA max_page_count = ${page_count}`);
}

/** Lets timers the clock woke run (one macrotask turn; no time passes). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const errors = (lines: string[]) => lines.filter((l) => l.includes("ERROR"));

describe("RetryingStatusStore", () => {
  describe("when a status cannot be stored", () => {
    test("keeps it: reads show it over the stored row (connector, task, tasks), nothing throws", async () => {
      await using h = await harness();
      h.full();
      expect(() => h.statuses.putTask("c", 1, failed)).not.toThrow();
      expect(() => h.statuses.putConnector("c", failed)).not.toThrow();
      expect(h.store.task("c", 1)).toEqual(running);
      expect(h.statuses.task("c", 1)).toEqual(failed);
      expect(h.statuses.connector("c")).toEqual(failed);
      expect(h.statuses.tasks("c")).toEqual([
        { id: 0, status: running },
        { id: 1, status: failed },
      ]);
      expect(h.statuses.pending).toBe(2);
    });

    test("logs one ERROR per episode (with the store's error), not one per status or retry", async () => {
      await using h = await harness();
      h.full();
      h.statuses.putTask("c", 0, failed);
      h.statuses.putTask("c", 1, failed);
      for (let i = 0; i < 3; i++) {
        h.clock.advance(STATUS_RETRY_MS);
        await settle();
      }
      expect(errors(h.lines)).toHaveLength(1);
      expect(errors(h.lines)[0]).toContain("Could not store status FAILED of task c-0 (database or disk is full)");
      expect(h.statuses.pending).toBe(2);
    });

    test("is written with the next status write of any connector or task once there is room; an INFO says so", async () => {
      await using h = await harness();
      h.full();
      h.statuses.putTask("c", 1, failed);
      h.room();
      h.statuses.putTask("c", 0, { ...running, state: "PAUSED" });
      expect(h.store.task("c", 1)).toEqual(failed);
      expect(h.store.task("c", 0)?.state).toBe("PAUSED");
      expect(h.statuses.pending).toBe(0);
      expect(h.lines.filter((l) => l.includes("Statuses are stored again"))).toHaveLength(1);
      expect(h.clock.pending).toBe(0);
    });

    test("is written by the timer every STATUS_RETRY_MS while any is kept, and the timer then stops", async () => {
      await using h = await harness();
      h.full();
      h.statuses.putTask("c", 1, failed);
      expect(h.clock.pending).toBe(1);
      h.clock.advance(STATUS_RETRY_MS);
      await settle();
      expect(h.store.task("c", 1)).toEqual(running);
      expect(h.clock.pending).toBe(1);
      h.room();
      h.clock.advance(STATUS_RETRY_MS - 1);
      await settle();
      expect(h.store.task("c", 1)).toEqual(running);
      h.clock.advance(1);
      await settle();
      expect(h.store.task("c", 1)).toEqual(failed);
      expect(h.statuses.pending).toBe(0);
      expect(h.clock.pending).toBe(0);
    });

    test("a newer status of the same task replaces the kept one; one stored meanwhile is never overwritten by it", async () => {
      await using h = await harness();
      h.full();
      h.statuses.putTask("c", 1, failed);
      h.room();
      const restarting: Status = { state: "RESTARTING", trace: null, workerId: "w1" };
      h.statuses.putTask("c", 1, restarting);
      h.clock.advance(STATUS_RETRY_MS);
      await settle();
      expect(h.store.task("c", 1)).toEqual(restarting);
      expect(h.statuses.task("c", 1)).toEqual(restarting);
    });

    test("removing the connector's or tasks' statuses forgets the kept ones: they are never written back", async () => {
      await using h = await harness();
      h.full();
      h.statuses.putTask("c", 1, failed);
      h.statuses.putConnector("c", failed);
      h.statuses.removeTasksFrom("c", 1);
      expect(h.statuses.tasks("c")).toEqual([{ id: 0, status: running }]);
      h.statuses.removeConnector("c");
      expect(h.statuses.connector("c")).toBeUndefined();
      expect(h.statuses.pending).toBe(0);
      expect(h.clock.pending).toBe(0);
      h.room();
      h.statuses.putTask("d", 0, running);
      expect(h.store.tasks("c")).toEqual([]);
    });

    test("a newer status stored while the kept one still does not fit: the kept one is never written over it", async () => {
      await using h = await harness();
      h.full();
      h.statuses.putTask("c", 1, failed); // kept: its trace needs a new page
      expect(h.statuses.pending).toBe(1);
      const restarting: Status = { state: "RESTARTING", trace: null, workerId: "w1" };
      h.statuses.putTask("c", 1, restarting); // the kept one still fails; this one fits in place
      expect(h.store.task("c", 1)).toEqual(restarting);
      expect(h.statuses.pending).toBe(0);
      h.room();
      h.clock.advance(STATUS_RETRY_MS);
      await settle();
      expect(h.store.task("c", 1)).toEqual(restarting);
      expect(h.statuses.task("c", 1)).toEqual(restarting);
    });

    test("a kept status that still does not fit does not hold back the others behind it", async () => {
      await using h = await harness();
      // The connector's PAUSED status fails while the trigger is there (it needs a new page).
      h.db.run("CREATE TABLE ballast (x BLOB)");
      h.db.run(
        "CREATE TRIGGER connector_full BEFORE UPDATE ON statuses WHEN NEW.task = -1 AND NEW.state = 'PAUSED' BEGIN INSERT INTO ballast VALUES (zeroblob(100000)); END",
      );
      h.full();
      h.statuses.putTask("c", 1, failed); // too large for the room there is: kept first
      const small: Status = { state: "PAUSED", trace: null, workerId: "w1" };
      h.statuses.putConnector("c", small); // kept after the task's
      expect(h.statuses.pending).toBe(2);
      h.db.run("DROP TRIGGER connector_full");
      h.clock.advance(STATUS_RETRY_MS);
      await settle();
      expect(h.store.connector("c")).toEqual(small);
      expect(h.statuses.pending).toBe(1);
      expect(h.clock.pending).toBe(1);
    });

    test("close stops the timer", async () => {
      await using h = await harness();
      h.full();
      h.statuses.putTask("c", 1, failed);
      expect(h.clock.pending).toBe(1);
      h.statuses.close();
      expect(h.clock.pending).toBe(0);
    });
  });
});
