/**
 * The store's open path when the disk is full at startup (issue: full-disk leftovers, point 4).
 * A full disk is made with `PRAGMA max_page_count` on a real SQLite file (SQLITE_FULL on a write
 * that needs a new page); the setting belongs to a connection, so each test opens the file as
 * openDatabase does, caps it, and runs the steps openDatabase runs after opening (`migrate`,
 * `checkWritable`), which end the start with a StoreError (main.ts: message, exit code 1). A file
 * of a newer schema version (a downgrade) ends the start the same way, unchanged.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import { ConfigStore } from "./config-store.ts";
import { checkWritable, DATABASE_FILE, migrate, openDatabase, StoreError } from "./database.ts";
import { migrations } from "./migrations/index.ts";

/** Opens `path` as openDatabase does (WAL, exclusive) and caps it at its size with no free page. */
function openFull(path: string): Database {
  const db = new Database(path, { strict: true });
  db.run("PRAGMA locking_mode = EXCLUSIVE");
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA incremental_vacuum");
  const { page_count } = db.query("PRAGMA page_count").get() as { page_count: number };
  db.run(`PRAGMA max_page_count = ${page_count}`);
  expect((db.query("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count).toBe(0);
  return db;
}

const userVersion = (db: Database) => (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;

function thrown(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("openDatabase on a full disk", () => {
  test("a migration that cannot be written stops the start naming the file and SQLITE_FULL; the file keeps its version and data", async () => {
    await using dir = await tempDir("database-");
    const path = join(dir.path, DATABASE_FILE);
    const old = new Database(path, { create: true, strict: true });
    old.run("PRAGMA journal_mode = WAL");
    old.run(migrations[0]!.sql);
    old.run("PRAGMA user_version = 1");
    new ConfigStore(old).putConfig("c", { "connector.class": "X" });
    old.close();

    const db = openFull(path);
    const error = thrown(() => migrate(db, path));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe(
      `The data file ${path} cannot be written (migration to schema version 2): the disk is full (SQLITE_FULL: database or disk is full). The gateway does not start without room for its state: free space on the volume of data.dir and start it again; it keeps schema version 1.`,
    );
    expect(userVersion(db)).toBe(1);
    db.close();

    // With room again the next start migrates; nothing was lost or damaged.
    const reopened = openDatabase(dir.path);
    expect(reopened.query("PRAGMA quick_check").get()).toEqual({ quick_check: "ok" });
    expect(userVersion(reopened)).toBe(migrations.at(-1)!.version);
    expect(new ConfigStore(reopened).get("c")?.config).toEqual({ "connector.class": "X" });
    reopened.close();
  });

  test("a store that cannot take a write at startup stops the start; the file is unchanged", async () => {
    await using dir = await tempDir("database-");
    const first = openDatabase(dir.path);
    new ConfigStore(first).putConfig("c", { "connector.class": "X", big: "y".repeat(50_000) });
    first.close();
    const path = join(dir.path, DATABASE_FILE);

    const db = openFull(path);
    migrate(db, path); // nothing to do: the schema is current
    const error = thrown(() => checkWritable(db, path));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe(
      `The data file ${path} cannot be written (the startup write check): the disk is full (SQLITE_FULL: database or disk is full). The gateway does not start without room for its state: free space on the volume of data.dir and start it again; the file is unchanged.`,
    );
    expect(db.query("SELECT name FROM sqlite_schema WHERE name = 'startup_write_check'").get()).toBeNull();
    db.close();

    const reopened = openDatabase(dir.path);
    expect(reopened.query("PRAGMA quick_check").get()).toEqual({ quick_check: "ok" });
    expect(new ConfigStore(reopened).get("c")?.config.big).toHaveLength(50_000);
    reopened.close();
  });

  test("with room, the write check leaves no table behind and the file does not grow from one start to the next", async () => {
    await using dir = await tempDir("database-");
    openDatabase(dir.path).close();
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const db = openDatabase(dir.path);
      sizes.push((db.query("PRAGMA page_count").get() as { page_count: number }).page_count);
      expect(db.query("SELECT name FROM sqlite_schema WHERE name = 'startup_write_check'").get()).toBeNull();
      db.close();
    }
    expect(new Set(sizes).size).toBe(1);
  });
});

describe("openDatabase on a file a newer gateway migrated (a downgrade)", () => {
  test("is refused naming the file and both versions; the file keeps its version and data", async () => {
    await using dir = await tempDir("database-");
    const newer = migrations.at(-1)!.version + 1;
    const first = openDatabase(dir.path);
    new ConfigStore(first).putConfig("c", { "connector.class": "X" });
    first.run(`PRAGMA user_version = ${newer}`);
    first.close();
    const path = join(dir.path, DATABASE_FILE);

    const error = thrown(() => openDatabase(dir.path));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe(
      `The data file ${path} has schema version ${newer}, newer than this gateway knows (${newer - 1}). Run a newer gateway.`,
    );
    const db = new Database(path, { readonly: true });
    expect(userVersion(db)).toBe(newer);
    expect(db.query("SELECT config FROM connectors WHERE name = 'c'").get()).toEqual({
      config: JSON.stringify({ "connector.class": "X" }),
    });
    db.close();
  });
});

describe("migrate", () => {
  test("pending migrations apply together: one that fails leaves the file at its old version, the earlier ones undone", () => {
    const db = new Database(":memory:", { strict: true });
    const failing = { version: 3, name: "fails", sql: "CREATE TABLE broken (" };
    const error = thrown(() => migrate(db, "gateway.db", [migrations[0]!, migrations[1]!, failing]));
    expect((error as Error).message).toContain("(migration to schema version 3)");
    expect((error as Error).message).toEndWith("it keeps schema version 0.");
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 0 });
    expect(db.query("SELECT name FROM sqlite_schema").all()).toEqual([]);
    // A later start runs them all, a `fromAtMost` migration of the file's old version included.
    const once = { version: 3, name: "from 0 only", sql: "CREATE TABLE from_zero (x)", fromAtMost: 0 };
    migrate(db, "gateway.db", [migrations[0]!, migrations[1]!, once]);
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 3 });
    expect(db.query("SELECT name FROM sqlite_schema WHERE name = 'from_zero'").get()).toEqual({ name: "from_zero" });
    db.close();
  });

  // explore22 F4: an upgrade changed gateway.db (which an older gateway then refuses) without a word.
  // orphanfence review P2: a new gateway.db logged one "Migrated … from schema version 0 to 1…" line per migration.
  test("says which migrations it applied, once they are committed; nothing when the file is new, the schema is current or a migration fails", () => {
    const db = new Database(":memory:", { strict: true });
    const lines: string[] = [];
    const info = (line: string) => void lines.push(line);
    migrate(db, "gateway.db", [migrations[0]!], info);
    expect(lines).toEqual([]);
    migrate(db, "gateway.db", [migrations[0]!, migrations[1]!, migrations[2]!], info);
    migrate(db, "gateway.db", [migrations[0]!, migrations[1]!, migrations[2]!], info);
    thrown(() =>
      migrate(
        db,
        "gateway.db",
        [migrations[0]!, migrations[1]!, migrations[2]!, { version: 4, name: "fails", sql: "CREATE TABLE broken (" }],
        info,
      ),
    );
    expect(lines).toEqual([
      `Migrated the data file gateway.db from schema version 1 to 2 (${migrations[1]!.name})`,
      `Migrated the data file gateway.db from schema version 2 to 3 (${migrations[2]!.name})`,
    ]);
    db.close();
  });
});
