/**
 * Opens the gateway's SQLite file (bun:sqlite): WAL journal, exclusive locking (one gateway per
 * data file; a second one fails fast with a clear message), integrity check, then the numbered
 * migrations. Every startup failure becomes a StoreError saying what is wrong with which file.
 */
import { Database } from "bun:sqlite";
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConnectError } from "../errors.ts";
import { migrations } from "./migrations/index.ts";

export class StoreError extends ConnectError {
  override name = "StoreError";
}

export const DATABASE_FILE = "gateway.db";

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new StoreError(`Cannot create the data directory ${dir} (data.dir): ${describe(error)}`);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new StoreError(`The data directory ${dir} (data.dir) is not writable by this process`);
  }
}

/** Opens (creating if needed) `<dataDir>/gateway.db` and brings its schema up to date. */
export function openDatabase(dataDir: string): Database {
  const dir = resolve(dataDir);
  ensureDirectory(dir);
  const path = join(dir, DATABASE_FILE);
  try {
    if (statSync(path).isFile()) accessSync(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new StoreError(`The data file ${path} is not readable and writable by this process`);
    }
  }
  let db: Database;
  try {
    db = new Database(path, { create: true, strict: true });
  } catch (error) {
    throw new StoreError(`Cannot open the data file ${path}: ${describe(error)}`);
  }
  try {
    db.run("PRAGMA busy_timeout = 0");
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("PRAGMA journal_mode = WAL");
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA foreign_keys = ON");
    // Take the write lock now (exclusive mode keeps it until close): a second gateway on the same
    // data file fails here instead of corrupting state later.
    db.run("BEGIN IMMEDIATE");
    db.run("COMMIT");
    const check = db.query("PRAGMA quick_check").get() as Record<string, string> | null;
    const verdict = check ? Object.values(check)[0] : "no answer";
    if (verdict !== "ok") throw new StoreError(`integrity check failed: ${verdict}`);
  } catch (error) {
    db.close();
    const text = describe(error);
    if (/locked|busy/i.test(text)) {
      throw new StoreError(
        `The data file ${path} is locked by another process: is another gateway running with data.dir=${dir}?`,
      );
    }
    if (/not a database|malformed|corrupt|integrity/i.test(text)) {
      throw new StoreError(
        `The data file ${path} is corrupt (${text}). Restore it from a backup or move it away to start empty.`,
      );
    }
    if (/readonly|read-only|permission|unable to open/i.test(text)) {
      throw new StoreError(`The data file ${path} is not writable: ${text}`);
    }
    throw new StoreError(`Cannot use the data file ${path}: ${text}`);
  }
  migrate(db, path);
  return db;
}

/** Applies the migrations above the file's user_version (exported for in-memory test databases). */
export function migrate(db: Database, path: string): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StoreError(
      `The data file ${path} has schema version ${current}, newer than this gateway knows (${latest}). Run a newer gateway.`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.run(m.sql);
      db.run(`PRAGMA user_version = ${m.version}`);
    })();
  }
}
