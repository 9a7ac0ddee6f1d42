import type { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigStore } from "../store/config-store.ts";
import { openDatabase } from "../store/database.ts";
import { StatusStore } from "../store/status-store.ts";
import { LogManager } from "../util/logger.ts";
import { ResolvedValues } from "./resolved-values.ts";
import { RetryingStatusStore } from "./retrying-status-store.ts";
import { StatusWriter } from "./status-writer.ts";

/**
 * A real SQLite file made full with `PRAGMA max_page_count`: writes that need a new page fail
 * with "database or disk is full" (SQLITE_FULL), as on a full disk.
 */
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function fullDatabase(): { db: Database; writer: StatusWriter; statuses: StatusStore; lines: string[] } {
  dir = mkdtempSync(join(tmpdir(), "status-writer-"));
  const db = openDatabase(join(dir, "data"));
  const configs = new ConfigStore(db);
  configs.putConfig("c", { "connector.class": "X" });
  const statuses = new StatusStore(db);
  const lines: string[] = [];
  const logs = new LogManager({ sink: (l) => lines.push(l) });
  const retrying = new RetryingStatusStore({
    store: statuses,
    log: logs.get("status"),
    setTimer: () => ({ cancel() {} }),
  });
  const writer = new StatusWriter(configs, retrying, logs, () => "w1");
  const pages = (db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
  db.run(`PRAGMA max_page_count = ${pages}`);
  return { db, writer, statuses, lines };
}

const bigFailure = () => new Error(`boom ${"x".repeat(200_000)}`);

describe("StatusWriter on a full database", () => {
  test("the store really is full: a direct write throws SQLITE_FULL", () => {
    const { statuses } = fullDatabase();
    expect(() =>
      statuses.putTask("c", 0, { state: "FAILED", trace: `x${"x".repeat(200_000)}`, workerId: "w1" }),
    ).toThrow("database or disk is full");
  });

  test("a task's failure listener logs the store error instead of throwing", () => {
    const { writer, statuses, lines } = fullDatabase();
    expect(() => writer.taskListener.onFailure({ connector: "c", task: 0 }, bigFailure())).not.toThrow();
    expect(statuses.task("c", 0)).toBeUndefined();
    const line = lines.find((l) => l.includes("Could not store status FAILED of task c-0"));
    expect(line).toContain("database or disk is full");
  });

  test("a connector's failure listener logs the store error instead of throwing", () => {
    const { writer, lines } = fullDatabase();
    expect(() => writer.connectorListener.onFailure("c", bigFailure())).not.toThrow();
    expect(lines.some((l) => l.includes("Could not store status FAILED of connector c"))).toBe(true);
  });

  test("once there is room again, the next status is stored", () => {
    const { db, writer, statuses } = fullDatabase();
    writer.taskListener.onFailure({ connector: "c", task: 0 }, bigFailure());
    db.run("PRAGMA max_page_count = 1000000");
    writer.taskListener.onFailure({ connector: "c", task: 0 }, bigFailure());
    expect(statuses.task("c", 0)?.state).toBe("FAILED");
  });
});

describe("StatusWriter traces", () => {
  test("a held password containing a resolved value is hidden whole, not cut at the value", () => {
    dir = mkdtempSync(join(tmpdir(), "status-writer-"));
    const db = openDatabase(join(dir, "data"));
    const configs = new ConfigStore(db);
    configs.putConfig("c", { "connector.class": "X" });
    const statuses = new StatusStore(db);
    const logs = new LogManager({ sink: () => {} });
    const retrying = new RetryingStatusStore({
      store: statuses,
      log: logs.get("status"),
      setTimer: () => ({ cancel() {} }),
    });
    const writer = new StatusWriter(configs, retrying, logs, () => "w1");
    // The connector's literal PASSWORD value, held while it runs; its topic resolved by a provider.
    logs.holdSecrets(["orders-api-Pa55w0rd"]);
    writer.hideInTraces("c", ResolvedValues.from({ topics: "${secrets:topic}" }, { topics: "orders" }, ["orders"]));
    writer.taskListener.onFailure({ connector: "c", task: 0 }, new Error("refused orders-api-Pa55w0rd for orders"));
    const trace = statuses.task("c", 0)?.trace ?? "";
    expect(trace).toContain("refused [hidden] for [hidden]");
    expect(trace).not.toContain("Pa55w0rd");
  });
});
