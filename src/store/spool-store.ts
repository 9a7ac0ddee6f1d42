/**
 * The store-and-forward spool of ingest acknowledgement mode `spool`: records a device was told
 * are safe, until Kafka acknowledged them. A separate SQLite file (`<data.dir>/spool.db`, its own
 * numbered migrations in migrations/spool.ts) so that only the spool pays for
 * `synchronous=FULL`: every commit fsyncs the WAL before `append` resolves, so an acknowledged
 * record survives a power loss (see README "Why the spool survives power loss").
 *
 * Group commit: `append` queues the rows and resolves after the next commit; one commit is
 * scheduled with setImmediate, so every request that arrived in the same event-loop turn (and
 * all arriving while a commit ran) shares one transaction and one fsync. The commit itself runs
 * on the event loop (bun:sqlite is synchronous): it blocks other requests for one insert batch
 * plus one fsync, not one per request, and a commit carries at most COMMIT_MAX_BYTES of records
 * (more waits for the next turn, after other requests had their turn); `lastCommitMs` exposes
 * how long the last one took.
 *
 * Sequences come from AUTOINCREMENT, so they only grow and are never reused: a spool partition's
 * sequence is its source offset; an insert reads its seq back as the rowid (no RETURNING row).
 * Deletes (after Kafka acknowledged) are batched the same way but need no durability of their
 * own: a lost delete only re-sends a record (a duplicate, never a loss). So deletes queued when an
 * append commit runs ride in it, the rest run in a transaction that skips the fsync
 * (`synchronous=NORMAL` for it; the next FULL commit syncs the WAL through it), and consecutive
 * sequences of a partition become one range delete (deleteRanges). With 16 KiB pages: ~9 CPU-µs
 * of spool work per 1 KB record instead of ~16 (BENCHMARKS.md "Ingest security and spool").
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { StoreError } from "./database.ts";
import { spoolMigrations } from "./migrations/spool.ts";

export const SPOOL_FILE = "spool.db";
/** Page size of a new spool file (a commit writes ~1 MiB of records: fewer, larger frames). */
export const PAGE_SIZE = 16_384;
/** Most record bytes one group commit writes (one large request may exceed it alone). */
export const COMMIT_MAX_BYTES = 1_048_576;

export interface SpoolRow {
  readonly seq: number;
  readonly record: Uint8Array;
  readonly bytes: number;
  readonly spooledAt: number;
}

export interface SpoolStats {
  readonly records: number;
  readonly bytes: number;
  /** When the oldest record was spooled (ms since epoch), or null when empty. */
  readonly oldestAt: number | null;
}

interface PendingAppend {
  readonly partition: string;
  readonly records: readonly Uint8Array[];
  readonly now: number;
  readonly resolve: (seqs: number[]) => void;
  readonly reject: (error: unknown) => void;
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

export function migrateSpool(db: Database, path: string): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  const latest = spoolMigrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StoreError(
      `The spool file ${path} has schema version ${current}, newer than this gateway knows (${latest})`,
    );
  }
  for (const m of spoolMigrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.run(m.sql);
      db.run(`PRAGMA user_version = ${m.version}`);
    })();
  }
}

export class SpoolStore {
  private readonly insert: Statement<unknown, [string, Uint8Array, number, number]>;
  private readonly readQuery: Statement<
    { seq: number; record: Uint8Array; bytes: number; spooled_at: number },
    [string, number, number]
  >;
  private readonly deleteRange: Statement<unknown, [string, number, number]>;
  private readonly deleteUpTo: Statement<unknown, [string, number]>;
  private readonly statsQuery: Statement<{ n: number; bytes: number | null }, [string]>;
  private readonly oldestQuery: Statement<{ spooled_at: number }, [string]>;
  private readonly partitionsQuery: Statement<{ partition: string }, []>;
  private pending: PendingAppend[] = [];
  private pendingDeletes: [string, number][] = [];
  private commitScheduled = false;
  private deleteScheduled = false;
  private readonly counts = new Map<string, { records: number; bytes: number }>();
  /** Wall time of the last group commit (insert + fsync), ms. */
  lastCommitMs = 0;
  /** Group commits so far, and appends they carried (for the group-commit test and metrics). */
  commits = 0;
  appendsCommitted = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.query("INSERT INTO spool (partition, record, bytes, spooled_at) VALUES (?, ?, ?, ?)");
    this.readQuery = db.query(
      "SELECT seq, record, bytes, spooled_at FROM spool WHERE partition = ? AND seq > ? ORDER BY seq LIMIT ?",
    );
    this.deleteRange = db.query("DELETE FROM spool WHERE partition = ? AND seq BETWEEN ? AND ?");
    this.deleteUpTo = db.query("DELETE FROM spool WHERE partition = ? AND seq <= ?");
    this.statsQuery = db.query("SELECT count(*) AS n, sum(bytes) AS bytes FROM spool WHERE partition = ?");
    this.oldestQuery = db.query("SELECT spooled_at FROM spool WHERE partition = ? ORDER BY seq LIMIT 1");
    this.partitionsQuery = db.query("SELECT DISTINCT partition FROM spool");
  }

  /** Appends records to a partition; resolves with their sequences once they are on disk. */
  append(partition: string, records: readonly Uint8Array[]): Promise<number[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise<number[]>((resolve, reject) => {
      this.pending.push({ partition, records, now: this.now(), resolve, reject });
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  private commit(): void {
    this.commitScheduled = false;
    // One transaction takes the appends queued so far up to COMMIT_MAX_BYTES (at least one), so
    // a commit blocks the event loop for a bounded time; the rest go in the next turn's commit.
    let take = 0;
    let bytes = 0;
    while (take < this.pending.length && (take === 0 || bytes < COMMIT_MAX_BYTES)) {
      for (const r of this.pending[take]!.records) bytes += r.byteLength;
      take++;
    }
    const batch = this.pending.slice(0, take);
    this.pending = this.pending.slice(take);
    if (this.pending.length > 0) {
      this.commitScheduled = true;
      setImmediate(() => this.commit());
    }
    if (batch.length === 0) return;
    const started = performance.now();
    for (const a of batch) this.countsOf(a.partition);
    const results: number[][] = [];
    const deletes = this.takeDeletes();
    try {
      this.db.transaction(() => {
        this.runDeletes(deletes);
        for (const a of batch) {
          const seqs: number[] = [];
          // The row's seq is its rowid (INTEGER PRIMARY KEY): no RETURNING row to build.
          for (const r of a.records)
            seqs.push(Number(this.insert.run(a.partition, r, r.byteLength, a.now).lastInsertRowid));
          results.push(seqs);
        }
      })();
    } catch (error) {
      this.pendingDeletes = deletes.concat(this.pendingDeletes);
      for (const a of batch) a.reject(error);
      return;
    }
    this.lastCommitMs = performance.now() - started;
    this.commits += 1;
    this.appendsCommitted += batch.length;
    batch.forEach((a, i) => {
      const c = this.countsOf(a.partition);
      c.records += a.records.length;
      for (const r of a.records) c.bytes += r.byteLength;
      a.resolve(results[i]!);
    });
  }

  /** Up to `limit` rows of a partition after sequence `afterSeq`, oldest first. */
  read(partition: string, afterSeq: number, limit: number): SpoolRow[] {
    return this.readQuery.all(partition, afterSeq, limit).map((r) => ({
      seq: r.seq,
      record: r.record,
      bytes: r.bytes,
      spooledAt: r.spooled_at,
    }));
  }

  /** Deletes a row Kafka acknowledged (batched: one transaction per event-loop turn). */
  delete(partition: string, seq: number, bytes: number): void {
    const c = this.countsOf(partition);
    c.records = Math.max(0, c.records - 1);
    c.bytes = Math.max(0, c.bytes - bytes);
    this.pendingDeletes.push([partition, seq]);
    if (!this.deleteScheduled) {
      this.deleteScheduled = true;
      setImmediate(() => this.flushDeletes());
    }
  }

  /**
   * Writes the deletes queued so far now, in a transaction of their own that does not wait for an
   * fsync (`synchronous=NORMAL` for it: a delete lost to a power cut only re-sends a record; the
   * next append's FULL commit syncs the WAL up to it anyway). Deletes queued while an append
   * commit is due ride in that commit instead.
   */
  flushDeletes(): void {
    this.deleteScheduled = false;
    const batch = this.takeDeletes();
    if (batch.length === 0) return;
    this.db.run("PRAGMA synchronous = NORMAL");
    try {
      this.db.transaction(() => this.runDeletes(batch))();
    } finally {
      this.db.run("PRAGMA synchronous = FULL");
    }
  }

  private takeDeletes(): [string, number][] {
    const batch = this.pendingDeletes;
    this.pendingDeletes = [];
    return batch;
  }

  private runDeletes(batch: readonly [string, number][]): void {
    for (const [p, from, to] of deleteRanges(batch)) this.deleteRange.run(p, from, to);
  }

  /** Deletes every row of a partition up to `seq` (rows a committed source offset covers). */
  deleteThrough(partition: string, seq: number): void {
    this.deleteUpTo.run(partition, seq);
    this.counts.delete(partition);
  }

  /** Bytes of a partition's rows (no query: the counts kept in memory). */
  heldBytes(partition: string): number {
    return this.countsOf(partition).bytes;
  }

  stats(partition: string): SpoolStats {
    const c = this.countsOf(partition);
    const oldest = c.records > 0 ? (this.oldestQuery.get(partition)?.spooled_at ?? null) : null;
    return { records: c.records, bytes: c.bytes, oldestAt: oldest };
  }

  /** Partitions with rows in the spool. */
  partitions(): string[] {
    return this.partitionsQuery.all().map((r) => r.partition);
  }

  private countsOf(partition: string): { records: number; bytes: number } {
    let c = this.counts.get(partition);
    if (!c) {
      const row = this.statsQuery.get(partition);
      c = { records: row?.n ?? 0, bytes: row?.bytes ?? 0 };
      this.counts.set(partition, c);
    }
    return c;
  }

  close(): void {
    this.flushDeletes();
    this.db.close();
  }
}

/**
 * Coalesces deletes into ranges of consecutive sequences of one partition, in queue order: a
 * range `[from, to]` holds only sequences that were queued, so it deletes exactly those rows
 * (a sequence in between that belongs to another partition is not there to delete). Kafka
 * acknowledges a poll batch in order, so a batch of n rows is usually one statement, not n.
 */
export function deleteRanges(batch: readonly (readonly [string, number])[]): [string, number, number][] {
  const out: [string, number, number][] = [];
  let last: [string, number, number] | undefined;
  for (const [partition, seq] of batch) {
    if (last !== undefined && last[0] === partition && seq === last[2] + 1) last[2] = seq;
    else {
      last = [partition, seq, seq];
      out.push(last);
    }
  }
  return out;
}
