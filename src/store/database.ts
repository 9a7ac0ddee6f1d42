/**
 * Opens the gateway's SQLite file (bun:sqlite): WAL journal, exclusive locking (one gateway per
 * data file; a second one fails fast with a clear message), integrity check, the numbered
 * migrations, then one small write. Every startup failure becomes a StoreError saying what is wrong
 * with which file.
 *
 * A full disk (SQLITE_FULL) at startup stops it, as Connect stops when it cannot use its internal
 * topics at start: a migration that cannot be written leaves the file at its previous version (one
 * transaction per migration), and `checkWritable` refuses a store that cannot take a write now.
 * Once running, a full disk is not fatal (statuses are kept and retried, REST writes answer 500).
 *
 * The file holds connector configs, typed secrets included, so it is private: the data directory
 * is created 0700 and the database 0600 (SQLite gives its -wal and -shm files the database's
 * mode); an existing database and its companions are tightened to 0600, and a data directory
 * others can read is reported through `warn` (not changed: it may be shared on purpose).
 */
import { Database } from "bun:sqlite";
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConnectError } from "../errors.ts";
import { type Migration, migrations } from "./migrations/index.ts";
import { isStoreFull } from "./store-full.ts";

export class StoreError extends ConnectError {
  override name = "StoreError";
}

/** The data file is locked by another process: a gateway runs on the same data.dir. */
export class StoreLockedError extends StoreError {
  override name = "StoreLockedError";
}

export const DATABASE_FILE = "gateway.db";

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new StoreError(`The data directory ${dir} (data.dir) is a file, not a directory`);
    }
    throw new StoreError(`Cannot create the data directory ${dir} (data.dir): ${describe(error)}`);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new StoreError(`The data directory ${dir} (data.dir) is not writable by this process`);
  }
}

/**
 * Creates an SQLite file 0600 when absent (SQLite gives its -wal and -shm files the file's mode);
 * tightens it and its companions when present. Used for gateway.db and spool.db.
 */
export function privateFiles(path: string): void {
  try {
    closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") return; // reported by the checks below
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    } catch {
      // Absent, or not ours to change: opening reports what matters.
    }
  }
}

/**
 * Opens (creating if needed) `<dataDir>/gateway.db` and brings its schema up to date. `warn`
 * receives a message when the data directory is open to other users, `info` one per migration applied to a file that
 * had a schema (migrate). With `create: false` a
 * missing file is a StoreError and nothing is created; with `migrate: false` a file whose schema
 * is older or newer than this gateway's is a StoreError and nothing is written to it (both for the
 * offline `delete-connector` command: migrating would leave a file the gateway that wrote it refuses).
 */
export function openDatabase(
  dataDir: string,
  options: {
    warn?: (message: string) => void;
    info?: (message: string) => void;
    create?: boolean;
    migrate?: boolean;
  } = {},
): Database {
  const dir = resolve(dataDir);
  const create = options.create ?? true;
  if (!create && !existsSync(join(dir, DATABASE_FILE))) {
    throw new StoreError(`The data file ${join(dir, DATABASE_FILE)} does not exist: is data.dir=${dir} the gateway's?`);
  }
  ensureDirectory(dir);
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o007) !== 0) {
    options.warn?.(
      `The data directory ${dir} (data.dir) is accessible by other users (mode ${mode.toString(8).padStart(4, "0")}); it holds connector configs and their secrets: chmod 700 ${dir}`,
    );
  }
  const path = join(dir, DATABASE_FILE);
  privateFiles(path);
  try {
    if (statSync(path).isFile()) accessSync(path, constants.R_OK | constants.W_OK);
    else throw new StoreError(`The data file ${path} is not a file (a directory or a device): move it away`);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new StoreError(`The data file ${path} is not readable and writable by this process`);
    }
  }
  let db: Database;
  try {
    db = new Database(path, { create, readwrite: true, strict: true });
  } catch (error) {
    throw new StoreError(`Cannot open the data file ${path}: ${describe(error)}`);
  }
  try {
    db.run("PRAGMA busy_timeout = 0");
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("PRAGMA journal_mode = WAL");
    // Source offset commits and statuses need no sync of their own; what the REST API
    // acknowledges commits with FULL (durable-write.ts).
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
      throw new StoreLockedError(
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
  try {
    if (options.migrate === false) requireCurrentSchema(db, path);
    else {
      migrate(db, path, migrations, options.info);
      checkWritable(db, path);
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function schemaVersion(db: Database): number {
  return (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
}

function newerSchema(path: string, current: number, latest: number): StoreError {
  return new StoreError(
    `The data file ${path} has schema version ${current}, newer than this gateway knows (${latest}). Run a newer gateway.`,
  );
}

/** A StoreError unless the file's schema is this gateway's own (`migrate: false`); reads only. */
function requireCurrentSchema(db: Database, path: string): void {
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) throw newerSchema(path, current, latest);
  if (current < latest) {
    throw new StoreError(
      `The data file ${path} has schema version ${current}, older than this gateway's (${latest}), and is left as it is: use the gateway version that wrote it, or start this gateway on it once to migrate it (a gateway older than this one then refuses the file).`,
    );
  }
}

/** The StoreError for a write the store could not make at startup, saying when the disk is full. */
function cannotWrite(path: string, what: string, error: unknown, unchanged: string): StoreError {
  if (isStoreFull(error)) {
    return new StoreError(
      `The data file ${path} cannot be written (${what}): the disk is full (SQLITE_FULL: database or disk is full). The gateway does not start without room for its state: free space on the volume of data.dir and start it again; ${unchanged}.`,
    );
  }
  return new StoreError(`The data file ${path} cannot be written (${what}): ${describe(error)}; ${unchanged}.`);
}

/**
 * Makes one write that needs a page (a table created and dropped in one transaction), so that a
 * store with no room fails the start here, with a message saying so, rather than every write after.
 * A page freed before is reused: the file does not grow from one start to the next.
 */
export function checkWritable(db: Database, path: string): void {
  try {
    db.transaction(() => {
      db.run("CREATE TABLE startup_write_check (x)");
      db.run("DROP TABLE startup_write_check");
    })();
  } catch (error) {
    throw cannotWrite(path, "the startup write check", error, "the file is unchanged");
  }
}

/**
 * Applies the migrations above the file's user_version, all in one transaction (exported for
 * in-memory test databases): a start that dies part-way leaves the file at its old version, so the
 * next start runs them all again, those with `fromAtMost` included (one transaction each let a
 * crash between 3 and 4 leave a schema-2 file at 3, where migration 4 no longer ran). Once they
 * are committed, `info` gets one line per migration applied to a file that had a schema, so an
 * operator can tell an upgrade changed the file (a downgrade then refuses it); a new file's creation
 * says nothing, as the spool file's (spool-file.ts).
 */
export function migrate(
  db: Database,
  path: string,
  list: readonly Migration[] = migrations,
  info: (message: string) => void = () => {},
): void {
  const current = schemaVersion(db);
  const latest = list.at(-1)?.version ?? 0;
  if (current > latest) throw newerSchema(path, current, latest);
  let running = current;
  const applied: string[] = [];
  try {
    db.transaction(() => {
      for (const m of list) {
        if (m.version <= current) continue;
        const from = running;
        running = m.version;
        if (m.fromAtMost === undefined || current <= m.fromAtMost) db.run(m.sql);
        db.run(`PRAGMA user_version = ${m.version}`);
        applied.push(`Migrated the data file ${path} from schema version ${from} to ${m.version} (${m.name})`);
      }
    })();
  } catch (error) {
    const version = schemaVersion(db);
    throw cannotWrite(path, `migration to schema version ${running}`, error, `it keeps schema version ${version}`);
  }
  if (current > 0) for (const line of applied) info(line);
}
