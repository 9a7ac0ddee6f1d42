/**
 * Which writes to gateway.db commit with `synchronous = FULL` (durable-write.ts): triggers on a
 * real gateway.db record the mode in force inside each write's transaction
 * (`pragma_synchronous`: 1 is NORMAL, 2 is FULL).
 */
import type { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { ConfigStore } from "./config-store.ts";
import { openDatabase } from "./database.ts";
import { durably } from "./durable-write.ts";
import { OffsetStore } from "./offset-store.ts";

const NORMAL = 1;
const FULL = 2;

/** Every insert, update and delete on the config and offset tables, with the mode in force. */
function recordSyncModes(db: Database): () => [string, number][] {
  db.run("CREATE TABLE sync_log (seq INTEGER PRIMARY KEY, what TEXT, level INTEGER)");
  for (const table of ["connectors", "task_configs", "source_offsets"]) {
    for (const op of ["INSERT", "UPDATE", "DELETE"]) {
      db.run(
        `CREATE TRIGGER log_${table}_${op} AFTER ${op} ON ${table} BEGIN
           INSERT INTO sync_log (what, level) SELECT '${op} ${table}', synchronous FROM pragma_synchronous;
         END`,
      );
    }
  }
  return () => {
    const rows = db.query("SELECT what, level FROM sync_log ORDER BY seq").all() as { what: string; level: number }[];
    db.run("DELETE FROM sync_log");
    return rows.map((r) => [r.what, r.level]);
  };
}

const syncMode = (db: Database) => (db.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;

describe("durable writes to gateway.db", () => {
  test("what the REST API acknowledges commits with synchronous=FULL; the mode is NORMAL again afterwards", async () => {
    await using dir = await tempDir("durable-write-");
    const db = openDatabase(dir.path);
    try {
      const log = recordSyncModes(db);
      const configs = new ConfigStore(db);
      const offsets = new OffsetStore(db);
      expect(syncMode(db)).toBe(NORMAL);
      configs.putConfig("c", { "connector.class": "X" });
      configs.putConfig("c", { "connector.class": "Y" });
      configs.setTargetState("c", "PAUSED");
      configs.putTaskConfigs("c", [{ t: "0" }]);
      configs.putStopped("c");
      offsets.alter("c", [{ partition: { p: 1 }, offset: { o: 1 } }]);
      offsets.alter("c", [{ partition: { p: 1 }, offset: null }]);
      configs.remove("c");
      expect(log()).toEqual([
        ["INSERT connectors", FULL],
        ["UPDATE connectors", FULL],
        ["UPDATE connectors", FULL],
        ["INSERT task_configs", FULL],
        ["DELETE task_configs", FULL],
        ["UPDATE connectors", FULL],
        ["INSERT source_offsets", FULL],
        ["DELETE source_offsets", FULL],
        ["DELETE connectors", FULL],
      ]);
      expect(syncMode(db)).toBe(NORMAL);
    } finally {
      db.close();
    }
  });

  test("a source task's offset commit stays at synchronous=NORMAL (a rollback only re-reads records)", async () => {
    await using dir = await tempDir("durable-write-");
    const db = openDatabase(dir.path);
    try {
      const log = recordSyncModes(db);
      const offsets = new OffsetStore(db);
      offsets.write("c", [{ partition: { p: 1 }, offset: { o: 1 } }]);
      offsets.write("c", [{ partition: { p: 1 }, offset: { o: 2 } }]);
      expect(log()).toEqual([
        ["INSERT source_offsets", NORMAL],
        ["UPDATE source_offsets", NORMAL],
      ]);
    } finally {
      db.close();
    }
  });

  test("a failed durable write rolls back and still puts the mode back to NORMAL", async () => {
    await using dir = await tempDir("durable-write-");
    const db = openDatabase(dir.path);
    try {
      const configs = new ConfigStore(db);
      expect(() =>
        durably(db, () => {
          configs.putConfig("c", { "connector.class": "X" });
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(configs.has("c")).toBe(false);
      expect(syncMode(db)).toBe(NORMAL);
    } finally {
      db.close();
    }
  });
});
