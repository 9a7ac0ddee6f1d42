import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import { LogManager } from "../util/logger.ts";
import { StoreError } from "./database.ts";
import {
  SPOOL_DOWNGRADE_TO_2,
  SPOOL_DOWNGRADE_TO_3,
  SPOOL_DOWNGRADE_TO_4,
  spoolMigrations,
} from "./migrations/spool.ts";
import { migrateSpool, openSpoolDatabase, PAGE_SIZE, SPOOL_FILE, WAL_AUTOCHECKPOINT_PAGES } from "./spool-file.ts";
import { SpoolStore } from "./spool-store.ts";
import { SpoolWorkerLoop } from "./spool-worker-loop.ts";

/** A spool file of schema version 2 holding `rows` rows, as the previous release wrote it. */
function version2File(dir: string, rows: number, prepare?: (db: Database) => void): string {
  const path = join(dir, SPOOL_FILE);
  const old = new Database(path, { create: true, strict: true });
  old.run("PRAGMA journal_mode = WAL");
  migrateSpool(old, path, spoolMigrations.slice(0, 2));
  const insert = old.query("INSERT INTO spool (partition, record, bytes, spooled_at) VALUES ('c1', x'61', 1, 1)");
  for (let i = 0; i < rows; i++) insert.run();
  prepare?.(old);
  old.close();
  return path;
}

describe("migrating the spool file (issue F4)", () => {
  test("an existing file logs a line before, with its row count, and one after, with the time it took", async () => {
    await using dir = await tempDir("spool-file-");
    const path = version2File(dir.path, 3);
    const lines: string[] = [];
    openSpoolDatabase(dir.path, (m) => lines.push(m)).close();
    expect(lines).toEqual([
      `Migrating the spool file ${path} from schema version 2 to 5 (3 rows)`,
      expect.stringMatching(new RegExp(`^Migrated the spool file ${path} to schema version 5 in \\d+ ms$`)),
    ]);
    lines.length = 0;
    openSpoolDatabase(dir.path, (m) => lines.push(m)).close();
    expect(lines).toEqual([]);
  });

  test("a new file logs nothing", async () => {
    await using dir = await tempDir("spool-file-");
    const lines: string[] = [];
    openSpoolDatabase(dir.path, (m) => lines.push(m)).close();
    expect(lines).toEqual([]);
  });

  test("the worker posts the lines to the main thread before it answers the open", async () => {
    await using dir = await tempDir("spool-file-");
    version2File(dir.path, 1);
    const posts: string[] = [];
    const loop = new SpoolWorkerLoop((m) => posts.push(m.op === "info" ? m.message.split(" ")[0]! : m.op));
    loop.receive({ op: "open", id: 1, dataDir: dir.path });
    loop.run();
    loop.receive({ op: "close", id: 2 });
    loop.run();
    expect(posts).toEqual(["Migrating", "Migrated", "opened", "done"]);
  });

  test("SpoolStore logs the lines at INFO through its logger", async () => {
    await using dir = await tempDir("spool-file-");
    const path = version2File(dir.path, 2);
    const lines: string[] = [];
    const log = new LogManager({ sink: (l) => lines.push(l) }).get("io.edgegateway.ingest.Spool");
    const store = await SpoolStore.open(dir.path, { log });
    await store.close();
    expect(lines).toEqual([
      expect.stringContaining(`INFO Spool: Migrating the spool file ${path} from schema version 2 to 5 (2 rows)`),
      expect.stringMatching(/INFO Spool: Migrated the spool file .* to schema version 5 in \d+ ms/),
    ]);
  });

  test("a migration that fails is a StoreError naming the file and the migration; the file keeps version 2 and its rows", async () => {
    await using dir = await tempDir("spool-file-");
    // A schema migration 3 cannot handle: the column it adds is there already.
    const path = version2File(dir.path, 2, (db) => db.run("ALTER TABLE spool ADD COLUMN lengths BLOB"));
    let error: unknown;
    try {
      openSpoolDatabase(dir.path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe(
      `Cannot migrate the spool file ${path} to schema version 3 (spool rows of one append): duplicate column name: lengths`,
    );
    // The file was closed (its exclusive lock released) and rolled back.
    const db = new Database(path);
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 2 });
    expect(db.query("SELECT count(*) AS n FROM spool").get()).toEqual({ n: 2 });
    db.close();
    await expect(SpoolStore.open(dir.path)).rejects.toThrow(
      `Cannot migrate the spool file ${path} to schema version 3`,
    );
  });

  test("a file of version 2 without its spool table is a StoreError naming the file, and the file keeps version 2", async () => {
    await using dir = await tempDir("spool-file-");
    const path = join(dir.path, SPOOL_FILE);
    const db = new Database(path, { create: true });
    db.run("CREATE TABLE other (x)");
    db.run("PRAGMA user_version = 2");
    db.close();
    expect(() => openSpoolDatabase(dir.path)).toThrow(
      new StoreError(`Cannot read the schema of the spool file ${path}: no such table: spool`),
    );
    const reopened = new Database(path);
    expect(reopened.query("PRAGMA user_version").get()).toEqual({ user_version: 2 });
    reopened.close();
    await expect(SpoolStore.open(dir.path)).rejects.toThrow(`Cannot read the schema of the spool file ${path}`);
  });

  /** What a corrupt spool file fails with: which file, to move it away, that it is never deleted. */
  const corrupt = (path: string, reason: string) =>
    `The spool file ${path} is corrupt or not an SQLite database (${reason}). Stop the gateway, move it away (with its spool.db-wal and spool.db-shm files, if any) and start again: a new, empty spool file is created. The gateway never deletes it, since it may hold records devices were told were accepted: keep it to recover them (sqlite3 spool.db .recover on a copy, with an sqlite3 whose SQLite has the sqlite_dbpage table, as SQLite's own build of the shell has; Debian 12's sqlite3 3.40.1 lacks it and answers every .recover with "sql error: SQL logic error (1)").`;

  test("a file that is not a database is a StoreError naming the file and saying to move it away; the file stays", async () => {
    await using dir = await tempDir("spool-file-");
    const path = join(dir.path, SPOOL_FILE);
    const text = "not a database, just text that is long enough to be a header ".repeat(4);
    await Bun.write(path, text);
    const expected = corrupt(path, "SQLITE_NOTADB: file is not a database");
    expect(() => openSpoolDatabase(dir.path)).toThrow(new StoreError(expected));
    await expect(SpoolStore.open(dir.path)).rejects.toThrow(expected);
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  test("a file with malformed pages (its header intact) fails the open the same way; the file stays", async () => {
    await using dir = await tempDir("spool-file-");
    const path = join(dir.path, SPOOL_FILE);
    const store = await SpoolStore.open(dir.path);
    await Promise.all(Array.from({ length: 20 }, () => store.append("c1", [new Uint8Array(4000)])));
    await store.close();
    const bytes = readFileSync(path);
    bytes.fill(0x5a, PAGE_SIZE);
    await Bun.write(path, bytes);
    await expect(SpoolStore.open(dir.path)).rejects.toThrow(
      corrupt(path, "SQLITE_CORRUPT: database disk image is malformed"),
    );
    expect(readFileSync(path)).toEqual(bytes);
  });
});

describe("README's spool section", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8").replace(/\s+/g, " ");

  test("quotes the downgrades to versions 4, 3 and 2 as the code states them", () => {
    expect(readme.includes(`sqlite3 spool.db '${SPOOL_DOWNGRADE_TO_4}'`)).toBe(true);
    expect(readme.includes(`sqlite3 spool.db '${SPOOL_DOWNGRADE_TO_3}'`)).toBe(true);
    expect(readme.includes(`sqlite3 spool.db '${SPOOL_DOWNGRADE_TO_2}'`)).toBe(true);
  });

  test("says the WAL, up to the checkpoint size, is not counted in ingest.spool.max.bytes", () => {
    const walMiB = (WAL_AUTOCHECKPOINT_PAGES * PAGE_SIZE) / 1_048_576;
    expect(readme).toContain(
      `The WAL file (\`spool.db-wal\`, up to ~${walMiB} MiB: \`wal_autocheckpoint\` ${WAL_AUTOCHECKPOINT_PAGES} pages of ${PAGE_SIZE / 1024} KiB) is not counted in \`ingest.spool.max.bytes\``,
    );
  });
});

describe("the spool file's mode", () => {
  test("a new spool file and its WAL are 0600, an existing one open to others is tightened: they hold device records", async () => {
    await using dir = await tempDir("spool-file-mode-");
    const mode = (name: string) => statSync(join(dir.path, name)).mode & 0o777;
    const db = openSpoolDatabase(dir.path);
    db.run(
      "INSERT INTO spool (seq, partition, record, bytes, spooled_at, record_count) VALUES (1, 'c', x'61', 1, 1, 1)",
    );
    expect([mode(SPOOL_FILE), mode(`${SPOOL_FILE}-wal`)]).toEqual([0o600, 0o600]);
    db.close();
    chmodSync(join(dir.path, SPOOL_FILE), 0o644);
    openSpoolDatabase(dir.path).close();
    expect(mode(SPOOL_FILE)).toBe(0o600);
  });
});
