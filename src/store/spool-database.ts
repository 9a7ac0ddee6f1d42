/**
 * The spool's SQL, in one place: the file `<data.dir>/spool.db` (its own numbered migrations in
 * migrations/spool.ts) and SpoolTable, the synchronous statements on it. Only the spool worker
 * thread (spool-worker.ts) runs them; the main thread talks to it through SpoolStore.
 *
 * A separate file so that only the spool pays for `synchronous=FULL`: every append commit fsyncs
 * the WAL before it returns, so an acknowledged record survives a power loss (README "Why the
 * spool survives power loss"). Deletes (after Kafka acknowledged) need no durability of their own:
 * a lost delete only re-sends a record (a duplicate, never a loss). So deletes queued when an
 * append commit runs ride in it, the rest run in a transaction that skips the fsync
 * (`synchronous=NORMAL` for it; the next FULL commit syncs the WAL through it), and consecutive
 * sequences of a partition become one range delete (deleteRanges, spool-protocol.ts).
 *
 * Sequences come from AUTOINCREMENT, so they only grow and are never reused: a spool partition's
 * sequence is its source offset; an insert reads its seq back as the rowid (no RETURNING row).
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { StoreError } from "./database.ts";
import type { Migration } from "./migrations/index.ts";
import { spoolMigrations } from "./migrations/spool.ts";

export const SPOOL_FILE = "spool.db";
/** Page size of a new spool file (a commit writes ~1 MiB of records: fewer, larger frames). */
export const PAGE_SIZE = 16_384;

/** A partition's rows: count, bytes, and when its oldest row was spooled (null when empty). */
export interface PartitionStats {
  readonly partition: string;
  readonly records: number;
  readonly bytes: number;
  readonly oldestAt: number | null;
}

/** One request's records for a partition, as the append commit inserts them. */
export interface AppendRows {
  readonly partition: string;
  readonly now: number;
  /** The records, in order (views into one transferred buffer). */
  readonly records: readonly Uint8Array[];
}

/** An inclusive range of sequences of one partition to delete. */
export type DeleteRange = [partition: string, from: number, to: number];

export interface RawRow {
  readonly seq: number;
  readonly record: Uint8Array;
  readonly bytes: number;
  readonly spooled_at: number;
}

/** Opens (creating if needed) the spool file and brings its schema up to date. */
export function openSpoolDatabase(dataDir: string): Database {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, SPOOL_FILE);
  let db: Database;
  try {
    db = new Database(path, { create: true, strict: true });
    db.run("PRAGMA busy_timeout = 0");
    // Takes effect on a new file only (before WAL): 1 KB records fill 16 KiB pages with a
    // quarter of the page writes and WAL frames of 4 KiB ones. Older files keep their size.
    db.run(`PRAGMA page_size = ${PAGE_SIZE}`);
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("PRAGMA journal_mode = WAL");
    db.run("PRAGMA synchronous = FULL");
  } catch (error) {
    throw new StoreError(`Cannot open the spool file ${path}: ${(error as Error).message}`);
  }
  migrateSpool(db, path);
  return db;
}

export function migrateSpool(db: Database, path: string, migrations: readonly Migration[] = spoolMigrations): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StoreError(
      `The spool file ${path} has schema version ${current}, newer than this gateway knows (${latest})`,
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

export class SpoolTable {
  private readonly insert: Statement<unknown, [string, Uint8Array, number, number]>;
  private readonly readQuery: Statement<RawRow, [string, number, number]>;
  private readonly deleteRange: Statement<unknown, [string, number, number]>;
  private readonly deleteUpTo: Statement<unknown, [string, number]>;
  private readonly statsQuery: Statement<
    { partition: string; n: number; bytes: number | null; oldest: number | null },
    []
  >;
  private readonly partitionStatsQuery: Statement<{ n: number; bytes: number | null; oldest: number | null }, [string]>;
  private readonly oldestQuery: Statement<{ spooled_at: number }, [string]>;

  constructor(readonly db: Database) {
    this.insert = db.query("INSERT INTO spool (partition, record, bytes, spooled_at) VALUES (?, ?, ?, ?)");
    this.readQuery = db.query(
      "SELECT seq, record, bytes, spooled_at FROM spool WHERE partition = ? AND seq > ? ORDER BY seq LIMIT ?",
    );
    this.deleteRange = db.query("DELETE FROM spool WHERE partition = ? AND seq BETWEEN ? AND ?");
    this.deleteUpTo = db.query("DELETE FROM spool WHERE partition = ? AND seq <= ?");
    this.statsQuery = db.query(
      "SELECT partition, count(*) AS n, sum(bytes) AS bytes, min(spooled_at) AS oldest FROM spool GROUP BY partition",
    );
    this.partitionStatsQuery = db.query(
      "SELECT count(*) AS n, sum(bytes) AS bytes, min(spooled_at) AS oldest FROM spool WHERE partition = ?",
    );
    this.oldestQuery = db.query("SELECT spooled_at FROM spool WHERE partition = ? ORDER BY seq LIMIT 1");
  }

  /**
   * One durable transaction (synchronous=FULL: returns after the fsync): `deletes` first, then
   * every append's rows in order. Returns the sequences, all appends' in one array, in order.
   */
  commit(appends: readonly AppendRows[], deletes: readonly DeleteRange[]): Float64Array {
    let n = 0;
    for (const a of appends) n += a.records.length;
    const seqs = new Float64Array(n);
    let i = 0;
    this.db.transaction(() => {
      this.runDeletes(deletes);
      for (const a of appends) {
        // The row's seq is its rowid (INTEGER PRIMARY KEY): no RETURNING row to build.
        for (const r of a.records)
          seqs[i++] = Number(this.insert.run(a.partition, r, r.byteLength, a.now).lastInsertRowid);
      }
    })();
    return seqs;
  }

  /** Deletes in a transaction without an fsync of its own (see the header). */
  deleteUnsynced(deletes: readonly DeleteRange[]): void {
    if (deletes.length === 0) return;
    this.db.run("PRAGMA synchronous = NORMAL");
    try {
      this.db.transaction(() => this.runDeletes(deletes))();
    } finally {
      this.db.run("PRAGMA synchronous = FULL");
    }
  }

  private runDeletes(deletes: readonly DeleteRange[]): void {
    for (const [p, from, to] of deletes) this.deleteRange.run(p, from, to);
  }

  /** Up to `limit` rows of a partition after sequence `afterSeq`, oldest first. */
  read(partition: string, afterSeq: number, limit: number): RawRow[] {
    return this.readQuery.all(partition, afterSeq, limit);
  }

  /**
   * Deletes every row of a partition up to `seq` (rows a committed source offset covers) and
   * returns true; or, when `seq` is above every sequence this file ever issued (the offset is of a
   * spool file that was lost or recreated since), deletes nothing, raises the file's sequence to
   * `seq` so that new rows come after that offset (a later start cannot delete them unsent), and
   * returns false.
   */
  deleteThrough(partition: string, seq: number): boolean {
    const issued = this.db.query<{ seq: number }, []>("SELECT seq FROM sqlite_sequence WHERE name = 'spool'").get();
    if (seq > (issued?.seq ?? 0)) {
      this.db.transaction(() => {
        if (issued) this.db.run("UPDATE sqlite_sequence SET seq = ? WHERE name = 'spool'", [seq]);
        else this.db.run("INSERT INTO sqlite_sequence (name, seq) VALUES ('spool', ?)", [seq]);
      })();
      return false;
    }
    this.deleteUpTo.run(partition, seq);
    return true;
  }

  /** Every partition with rows. */
  stats(): PartitionStats[] {
    return this.statsQuery
      .all()
      .map((r) => ({ partition: r.partition, records: r.n, bytes: r.bytes ?? 0, oldestAt: r.oldest }));
  }

  /** One partition's rows. */
  statsOf(partition: string): PartitionStats {
    const r = this.partitionStatsQuery.get(partition);
    return { partition, records: r?.n ?? 0, bytes: r?.bytes ?? 0, oldestAt: r?.oldest ?? null };
  }

  /** When the oldest row of a partition was spooled, or null when it has none. */
  oldestAt(partition: string): number | null {
    return this.oldestQuery.get(partition)?.spooled_at ?? null;
  }

  close(): void {
    this.db.close();
  }
}
