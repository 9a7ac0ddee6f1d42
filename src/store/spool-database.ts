/**
 * The spool's SQL: SpoolTable, the synchronous statements on the file `<data.dir>/spool.db`
 * (opened and migrated by spool-file.ts). Only the spool worker thread (spool-worker.ts) runs
 * them; the main thread talks to it through SpoolStore.
 *
 * A separate file so that only the spool pays for `synchronous=FULL`: every append commit fsyncs
 * the WAL before it returns, so an acknowledged record survives a power loss (README "Why the
 * spool survives power loss"). Deletes (after Kafka acknowledged) need no durability of their own:
 * a lost delete only re-sends a record (a duplicate, never a loss). So deletes queued when an
 * append commit runs ride in it, the rest run in a transaction that skips the fsync
 * (`synchronous=NORMAL` for it; the next FULL commit syncs the WAL through it), and consecutive
 * sequences of a partition become one range delete (deleteRanges, spool-protocol.ts).
 *
 * One row per append: a request's records of a partition are one row (their bytes back to back,
 * and their lengths), so an append of 500 records is one insert and one index entry, and deleting
 * it frees its pages whole instead of rewriting pages of small rows. Sequences stay per record: a
 * row of n records takes the next n; its key (`seq`) is the LAST of them, so AUTOINCREMENT's
 * sqlite_sequence is always the last sequence issued, and sequences only grow and are never reused
 * (a spool partition's sequence is its source offset). Records are deleted one by one; a row goes
 * once all of its records were (SpoolRowAcks; its marks are kept in `spool_acked` in the same
 * transactions as the deletes, so a restart does not send them again), and reads skip the
 * deleted records of a row still there (SpoolRowReader, which fetches a row once however small
 * the reads). Rows written before (schema version 2) are rows of one record.
 */
import type { Database, Statement } from "bun:sqlite";
import { type PartitionStats, SpoolPartitionStats } from "./spool-partition-stats.ts";
import { type QuarantineEntry, SpoolQuarantine } from "./spool-quarantine.ts";
import { SpoolRowAcks } from "./spool-row-acks.ts";
import { type RawRow, SpoolRowReader } from "./spool-row-reader.ts";

/** One request's records for a partition, as the append commit inserts them (one row). */
export interface AppendRows {
  readonly partition: string;
  readonly now: number;
  /** The records back to back (a view into the transferred buffer). */
  readonly data: Uint8Array;
  /** Each record's length, in order. */
  readonly lengths: ArrayLike<number>;
}

/** An inclusive range of sequences of one partition to delete. */
export type DeleteRange = [partition: string, from: number, to: number];

type RowKey = { seq: number; record_count: number };

/** Lengths as stored: little-endian uint32 each. */
function encodeLengths(lengths: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(lengths.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < lengths.length; i++) view.setUint32(i * 4, lengths[i]!, true);
  return out;
}

export class SpoolTable {
  private readonly acks = new SpoolRowAcks();
  private readonly quarantine: SpoolQuarantine;
  private readonly reader: SpoolRowReader;
  private readonly partitionStats: SpoolPartitionStats;
  private readonly insert: Statement<unknown, [number, string, Uint8Array, number, number, number, Uint8Array | null]>;
  private readonly issuedQuery: Statement<{ seq: number }, []>;
  private readonly rowsIn: Statement<RowKey, [string, number, number]>;
  private readonly rowAfter: Statement<RowKey, [string, number]>;
  private readonly deleteRow: Statement<unknown, [number]>;
  private readonly deleteUpTo: Statement<unknown, [string, number]>;
  private readonly saveAcked: Statement<unknown, [number, Uint8Array]>;
  private readonly deleteAcked: Statement<unknown, [number]>;

  constructor(readonly db: Database) {
    this.reader = new SpoolRowReader(db, this.acks);
    this.quarantine = new SpoolQuarantine(db);
    this.insert = db.query(
      "INSERT INTO spool (seq, partition, record, bytes, spooled_at, record_count, lengths) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.issuedQuery = db.query("SELECT seq FROM sqlite_sequence WHERE name = 'spool'");
    this.rowsIn = db.query(
      "SELECT seq, record_count FROM spool WHERE partition = ? AND seq BETWEEN ? AND ? ORDER BY seq",
    );
    this.rowAfter = db.query(
      "SELECT seq, record_count FROM spool WHERE partition = ? AND seq > ? ORDER BY seq LIMIT 1",
    );
    this.deleteRow = db.query("DELETE FROM spool WHERE seq = ?");
    this.deleteUpTo = db.query("DELETE FROM spool WHERE partition = ? AND seq <= ?");
    this.saveAcked = db.query(
      "INSERT INTO spool_acked (seq, acked) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET acked = excluded.acked",
    );
    this.deleteAcked = db.query("DELETE FROM spool_acked WHERE seq = ?");
    const saved = db.query<
      { seq: number; partition: string | null; record_count: number | null; acked: Uint8Array },
      []
    >("SELECT a.seq, s.partition, s.record_count, a.acked FROM spool_acked a LEFT JOIN spool s ON s.seq = a.seq");
    // Flags without a row or that do not fit it (a file edited by hand) go: its records are sent.
    const unfit = saved
      .all()
      .filter((r) => r.partition === null || !this.acks.restore(r.partition, r.seq, r.record_count!, r.acked));
    db.transaction(() => {
      for (const r of unfit) this.deleteAcked.run(r.seq);
    })();
    this.partitionStats = new SpoolPartitionStats(db, this.acks);
  }

  /**
   * One durable transaction (synchronous=FULL: returns after the fsync): `deletes` first, then
   * every append as one row, in order (`quarantined`, among the deletes, copied first). Returns
   * the sequences, all appends' records in one array.
   */
  commit(
    appends: readonly AppendRows[],
    deletes: readonly DeleteRange[],
    quarantined: QuarantineEntry[] = [],
  ): Float64Array {
    let n = 0;
    for (const a of appends) n += a.lengths.length;
    const seqs = new Float64Array(n);
    let deleted: number[] = [];
    this.db.transaction(() => {
      this.quarantine.copy(quarantined);
      deleted = this.runDeletes(deletes);
      let issued = this.issuedQuery.get()?.seq ?? 0;
      let i = 0;
      for (const a of appends) {
        const count = a.lengths.length;
        if (count === 0) continue;
        const last = issued + count;
        const lengths = count === 1 ? null : encodeLengths(a.lengths);
        this.insert.run(last, a.partition, a.data, a.data.byteLength, a.now, count, lengths);
        for (let s = issued + 1; s <= last; s++) seqs[i++] = s;
        issued = last;
      }
    })();
    this.forgetRows(deleted);
    return seqs;
  }

  /** Deletes in a transaction without an fsync of its own (see the header). */
  deleteUnsynced(deletes: readonly DeleteRange[], quarantined: readonly QuarantineEntry[] = []): void {
    if (deletes.length === 0) return;
    // A record moved to the quarantine is durable like an append (its delete would lose it).
    if (quarantined.length === 0) this.db.run("PRAGMA synchronous = NORMAL");
    let deleted: number[] = [];
    try {
      this.db.transaction(() => {
        this.quarantine.copy(quarantined);
        deleted = this.runDeletes(deletes);
      })();
    } finally {
      this.db.run("PRAGMA synchronous = FULL");
    }
    this.forgetRows(deleted);
  }

  private forgetRows(deleted: readonly number[]): void {
    for (const seq of deleted) this.acks.forget(seq);
    this.reader.forgetRows(deleted);
  }

  /**
   * Marks the ranges' records deleted; deletes the rows that are then whole, saves the marks of
   * the others (`spool_acked`); returns the keys of the rows deleted.
   */
  private runDeletes(deletes: readonly DeleteRange[]): number[] {
    const deleted: number[] = [];
    const partly = new Set<number>();
    for (const [p, from, to] of deletes) {
      const rows = this.rowsIn.all(p, from, to);
      const next = this.rowAfter.get(p, to);
      if (next) rows.push(next);
      for (const r of rows) {
        const first = r.seq - r.record_count + 1;
        if (first > to) continue;
        if (!this.acks.mark(p, first, r.seq, from, to)) {
          partly.add(r.seq);
          continue;
        }
        this.deleteRow.run(r.seq);
        this.deleteAcked.run(r.seq);
        partly.delete(r.seq);
        deleted.push(r.seq);
      }
    }
    for (const seq of partly) this.saveAcked.run(seq, this.acks.flags(seq)!);
    return deleted;
  }

  /** Up to `limit` records of a partition after sequence `afterSeq` (none deleted), oldest first. */
  read(partition: string, afterSeq: number, limit: number): RawRow[] {
    return this.reader.read(partition, afterSeq, limit);
  }

  /** Rows fetched from the file by reads so far (SpoolRowReader). */
  get rowsFetched(): number {
    return this.reader.rowsFetched;
  }

  /**
   * Deletes every record of a partition up to `seq` (records a committed source offset covers)
   * and returns true; or, when `seq` is above every sequence this file ever issued (the offset is
   * of a spool file that was lost or recreated since), deletes nothing, raises the file's sequence
   * to `seq` so that new rows come after that offset (a later start cannot delete them unsent),
   * and returns false.
   */
  deleteThrough(partition: string, seq: number): boolean {
    if (this.raiseSequence(seq)) return false;
    // The row holding `seq` and later records stays; its records up to `seq` count as deleted
    // (and it goes if the rest were deleted before). Memory changes only once the transaction
    // committed: a failed one leaves memory as the file is.
    const after = this.rowAfter.get(partition, seq);
    const next = after && after.seq - after.record_count + 1 <= seq ? after : null;
    const flags = next ? this.acks.marked(next.seq - next.record_count + 1, next.seq, 0, seq) : undefined;
    this.db.transaction(() => {
      this.deleteUpTo.run(partition, seq);
      this.db.run("DELETE FROM spool_acked WHERE NOT EXISTS (SELECT 1 FROM spool s WHERE s.seq = spool_acked.seq)");
      if (next && flags) this.saveAcked.run(next.seq, flags);
      else if (next) {
        this.deleteRow.run(next.seq);
        this.deleteAcked.run(next.seq);
      }
    })();
    this.acks.forgetThrough(partition, seq);
    this.reader.forget(partition);
    if (next && flags) this.acks.restore(partition, next.seq, next.record_count, flags);
    else if (next) this.acks.forget(next.seq);
    return true;
  }

  /**
   * Raises the file's sequence to `seq` when it is above every sequence the file issued (returns true): new rows come
   * after it. An offset an operator writes above them (PATCH .../offsets) is then one of this file, not taken at the
   * next start for that of a file lost since.
   */
  raiseSequence(seq: number): boolean {
    const issued = this.issuedQuery.get();
    if (seq <= (issued?.seq ?? 0)) return false;
    this.db.transaction(() => {
      if (issued) this.db.run("UPDATE sqlite_sequence SET seq = ? WHERE name = 'spool'", [seq]);
      else this.db.run("INSERT INTO sqlite_sequence (name, seq) VALUES ('spool', ?)", [seq]);
    })();
    return true;
  }

  /** A partition's drainer stopped: the row it was reading goes from memory (its flags stay: the file's). */
  release(partition: string): void {
    this.reader.forget(partition);
  }

  /** Every partition with records (SpoolPartitionStats). */
  stats(): PartitionStats[] {
    return this.partitionStats.stats();
  }

  /** One partition's records. */
  statsOf(partition: string): PartitionStats {
    return this.partitionStats.statsOf(partition);
  }

  /** When the oldest row of a partition was spooled, or null when it has none. */
  oldestAt(partition: string): number | null {
    return this.partitionStats.oldestAt(partition);
  }

  close(): void {
    this.reader.clear();
    this.db.close();
  }
}
