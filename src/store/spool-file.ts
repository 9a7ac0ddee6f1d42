/**
 * The spool file `<data.dir>/spool.db`: opening it with its pragmas, and its numbered migrations
 * (migrations/spool.ts). The spool worker thread opens it (SpoolWorkerLoop); SpoolTable
 * (spool-database.ts) runs the statements on it. Opening and migrating failures are StoreErrors
 * naming the file; migrating an existing file logs a line before and after (through `info`, which
 * the worker posts to the main thread's logger). A file SQLite finds corrupt (not a database, or
 * malformed pages) is a StoreError saying to move it away: the gateway never deletes it, since it
 * may hold records devices were told were accepted. Nor does it let SQLite replay a damaged
 * write-ahead log that would drop commits (wal-check.ts): that is a StoreError too, before SQLite
 * touches the files; a damaged last commit, which a power loss also leaves, is a warning.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { privateFiles, StoreError } from "./database.ts";
import type { Migration } from "./migrations/index.ts";
import { spoolMigrations } from "./migrations/spool.ts";
import { storeErrorCode } from "./store-full.ts";
import { orphanWal, walDamage } from "./wal-check.ts";

export const SPOOL_FILE = "spool.db";
/** Page size of a new spool file (a commit writes ~1 MiB of records: fewer, larger frames). */
export const PAGE_SIZE = 16_384;
/** The page sizes ingest.spool.page.size may choose for a new spool file. */
export const PAGE_SIZES = [4_096, 8_192, 16_384] as const;
/** SQLite's page cache for the spool, KiB. */
export const CACHE_KIB = 32_768;
/** WAL pages after which a commit checkpoints. */
export const WAL_AUTOCHECKPOINT_PAGES = 4_000;

/**
 * How to salvage a damaged spool file, with the caveat of README "Device ingest security and the
 * spool": `.recover` reads the `sqlite_dbpage` table, which not every build of the shell has.
 */
const RECOVER_HINT = `sqlite3 ${SPOOL_FILE} .recover on a copy, with an sqlite3 whose SQLite has the sqlite_dbpage table, as SQLite's own build of the shell has; Debian 12's sqlite3 3.40.1 lacks it and answers every .recover with "sql error: SQL logic error (1)"`;

/** Receives the lines opening the file logs, INFO unless said (the worker posts them to the main thread's logger). */
export type SpoolLog = (message: string, level?: "info" | "warning") => void;

/**
 * The StoreError for `error` when SQLite found the spool file at `path` corrupt (SQLITE_NOTADB,
 * SQLITE_CORRUPT*, by code), else undefined. Says which file, and that the operator moves it away.
 */
export function corruptSpoolError(path: string, error: unknown): StoreError | undefined {
  if (error instanceof StoreError) return undefined;
  const code = storeErrorCode(error);
  if (code !== "SQLITE_NOTADB" && !code?.startsWith("SQLITE_CORRUPT")) return undefined;
  return new StoreError(
    `The spool file ${path} is corrupt or not an SQLite database (${code}: ${(error as Error).message}). Stop the gateway, move it away (with its ${SPOOL_FILE}-wal and ${SPOOL_FILE}-shm files, if any) and start again: a new, empty spool file is created. The gateway never deletes it, since it may hold records devices were told were accepted: keep it to recover them (${RECOVER_HINT}).`,
    { cause: error },
  );
}

/**
 * Refuses a spool whose WAL SQLite would replay only in part, dropping commits that had ended
 * (records acknowledged to devices): the files stay as they are for the operator to recover them.
 * A damaged commit as the log's last frame may be the torn write of a power loss: a warning.
 */
function checkSpoolWal(path: string, log: SpoolLog): void {
  const damage = walDamage(path, "sqlite_sequence");
  if (!damage) return;
  const wal = `${path}-wal`;
  if (damage.lost > 0) {
    throw new StoreError(
      `The spool file's write-ahead log ${wal} is damaged from frame ${damage.firstDropped} on: SQLite would drop ${damage.lost} committed transaction(s) after it, with records devices were told were accepted, so the spool is not opened. Stop the gateway, copy ${SPOOL_FILE} and ${SPOOL_FILE}-wal away, salvage what you can (${RECOVER_HINT}), then move them away (with ${SPOOL_FILE}-shm, if any) and start again: a new, empty spool file is created. The gateway never deletes them.`,
    );
  }
  if (damage.unsure) {
    log(
      `The last commit in the spool file's write-ahead log ${wal} (frame ${damage.firstDropped} on) is damaged and is dropped: after a power loss in the middle of a commit that is expected (nothing of it was acknowledged); otherwise the records of that commit are lost.`,
      "warning",
    );
  }
}

/**
 * Opens (creating if needed) the spool file and brings its schema up to date. `pageSize` is that
 * of a file it creates (ingest.spool.page.size); an existing file keeps its own.
 */
export function openSpoolDatabase(dataDir: string, info: SpoolLog = () => {}, pageSize: number = PAGE_SIZE): Database {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, SPOOL_FILE);
  if (orphanWal(path)) {
    throw new StoreError(
      `The spool file ${path} is missing or empty but its write-ahead log ${path}-wal holds committed records: was ${SPOOL_FILE} moved away without it? SQLite would delete that log and start an empty spool, so the spool is not opened. Put ${SPOOL_FILE} back beside it, or move ${SPOOL_FILE}-wal (and ${SPOOL_FILE}-shm, if any) away too to start with an empty spool.`,
    );
  }
  // Device records, as private as the worker's state (README "The data directory").
  privateFiles(path);
  checkSpoolWal(path, info);
  let db: Database | undefined;
  try {
    db = new Database(path, { create: true, strict: true });
    db.run("PRAGMA busy_timeout = 0");
    // Takes effect on a new file only (before WAL): 1 KB records fill 16 KiB pages with a
    // quarter of the page writes and WAL frames of 4 KiB ones. Older files keep their size. 4 KiB
    // pages write fewer bytes per commit of a few small requests (flash wear on small hosts; README
    // "Bytes written to disk" gives the measured factors) for more CPU per record on large ones.
    if (!(PAGE_SIZES as readonly number[]).includes(pageSize))
      throw new StoreError(`Unsupported spool page size ${pageSize}`);
    db.run(`PRAGMA page_size = ${pageSize}`);
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("PRAGMA journal_mode = WAL");
    db.run("PRAGMA synchronous = FULL");
    // Measured with bench/spool-store.ts (BENCHMARKS.md "Spool rows of one append"): a page cache
    // that holds a few commits keeps deletes from reading back the overflow pages they free, and a
    // checkpoint every 4000 pages (64 MiB of WAL at 16 KiB) copies a reused page to the file once
    // per more commits. Neither changes what a commit syncs.
    db.run(`PRAGMA cache_size = -${CACHE_KIB}`);
    db.run(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  } catch (error) {
    db?.close();
    throw (
      corruptSpoolError(path, error) ??
      new StoreError(`Cannot open the spool file ${path}: ${(error as Error).message}`)
    );
  }
  try {
    migrateSpool(db, path, spoolMigrations, info);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Applies the migrations above the file's user_version, each in a transaction. Migrating an
 * existing file logs a line before (with its row count) and after (with the time it took): on a
 * large spool it takes seconds. A failure is a StoreError naming the file (and the migration); the
 * file keeps its previous version.
 */
export function migrateSpool(
  db: Database,
  path: string,
  migrations: readonly Migration[] = spoolMigrations,
  info: SpoolLog = () => {},
): void {
  const latest = migrations.at(-1)?.version ?? 0;
  let current: number;
  let rows = 0;
  try {
    current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
    if (current > 0 && current < latest) rows = (db.query("SELECT count(*) AS n FROM spool").get() as { n: number }).n;
  } catch (error) {
    const corrupt = corruptSpoolError(path, error);
    if (corrupt) throw corrupt;
    throw new StoreError(`Cannot read the schema of the spool file ${path}: ${(error as Error).message}`);
  }
  if (current > latest) {
    throw new StoreError(
      `The spool file ${path} has schema version ${current}, newer than this gateway knows (${latest})`,
    );
  }
  if (current === latest) return;
  const started = performance.now();
  if (current > 0) info(`Migrating the spool file ${path} from schema version ${current} to ${latest} (${rows} rows)`);
  for (const m of migrations) {
    if (m.version <= current) continue;
    try {
      db.transaction(() => {
        db.run(m.sql);
        db.run(`PRAGMA user_version = ${m.version}`);
      })();
    } catch (error) {
      throw (
        corruptSpoolError(path, error) ??
        new StoreError(
          `Cannot migrate the spool file ${path} to schema version ${m.version} (${m.name}): ${(error as Error).message}`,
        )
      );
    }
  }
  if (current > 0) {
    const ms = Math.round(performance.now() - started);
    info(`Migrated the spool file ${path} to schema version ${latest} in ${ms} ms`);
  }
}
