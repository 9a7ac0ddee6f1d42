/**
 * SpoolRowReader: reads a partition's records back from the spool file, for SpoolTable.read (in
 * the spool worker thread). A row holds one append's records (spool-database.ts), up to a batch
 * request's 500, and SQLite hands a row's blob over whole; a drainer reads fewer records at a time
 * than that (its poll size, `ingest.poll.max.records`). So the reader keeps, per partition, the
 * row a read stopped in the middle of, and the next read of that partition that starts inside it
 * continues from memory: a row is fetched once however small the reads (not once per read, which
 * made draining a row of n records in reads of k cost n²/k bytes).
 *
 * A kept row is the file's row as it is: its bytes never change while it exists, and which of its
 * records were acknowledged is asked of SpoolRowAcks at each read, as for a row just fetched.
 * SpoolTable drops it when the row is deleted (`forgetRows`), or when the partition's rows up to
 * an offset are or its drainer stopped (`forget`). A read that starts elsewhere (a drainer that
 * rewinds after a failed send) drops it and reads the file. One row per partition at most: memory
 * stays one request's bytes per drained partition.
 */
import type { Database, Statement } from "bun:sqlite";
import type { SpoolRowAcks } from "./spool-row-acks.ts";

/** One record as read back. */
export interface RawRow {
  readonly seq: number;
  readonly record: Uint8Array;
  readonly bytes: number;
  readonly spooled_at: number;
}

interface StoredRow {
  readonly seq: number;
  readonly record_count: number;
  readonly record: Uint8Array;
  readonly lengths: Uint8Array | null;
  readonly spooled_at: number;
}

/** A row fetched from the file: its records `first..last` at `starts[i]..starts[i + 1]` of `data`. */
interface FetchedRow {
  readonly last: number;
  readonly first: number;
  readonly data: Uint8Array;
  readonly starts: Uint32Array;
  readonly spooledAt: number;
}

/** A row's record lengths (`lengths` NULL: one record of `bytes`); stored little-endian uint32 each. */
export function lengthsOf(count: number, lengths: Uint8Array | null, bytes: number): number[] {
  if (lengths === null) return [bytes];
  const view = new DataView(lengths.buffer, lengths.byteOffset, lengths.byteLength);
  return Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true));
}

function fetched(row: StoredRow): FetchedRow {
  const lengths = lengthsOf(row.record_count, row.lengths, row.record.byteLength);
  const starts = new Uint32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) starts[i + 1] = starts[i]! + lengths[i]!;
  return { last: row.seq, first: row.seq - lengths.length + 1, data: row.record, starts, spooledAt: row.spooled_at };
}

export class SpoolRowReader {
  private readonly partlyRead = new Map<string, FetchedRow>();
  private readonly query: Statement<StoredRow, [string, number]>;
  /** Rows fetched from the file so far (their whole blob each): what the tests count. */
  rowsFetched = 0;

  constructor(
    db: Database,
    private readonly acks: SpoolRowAcks,
  ) {
    this.query = db.query(
      "SELECT seq, record_count, record, lengths, spooled_at FROM spool WHERE partition = ? AND seq > ? ORDER BY seq",
    );
  }

  /** Up to `limit` records of a partition after sequence `afterSeq` (none acknowledged), oldest first. */
  read(partition: string, afterSeq: number, limit: number): RawRow[] {
    const out: RawRow[] = [];
    if (limit <= 0) return out;
    let after = afterSeq;
    const kept = this.partlyRead.get(partition);
    this.partlyRead.delete(partition);
    if (kept && afterSeq >= kept.first - 1 && afterSeq < kept.last) {
      if (this.take(partition, kept, afterSeq, limit, out)) return out;
      after = kept.last;
    }
    for (const row of this.query.iterate(partition, after)) {
      this.rowsFetched++;
      if (this.take(partition, fetched(row), afterSeq, limit, out)) return out;
    }
    return out;
  }

  /** Adds the row's records after `afterSeq` to `out`; true when `out` is full (the row is kept if records remain). */
  private take(partition: string, row: FetchedRow, afterSeq: number, limit: number, out: RawRow[]): boolean {
    for (let seq = Math.max(afterSeq + 1, row.first); seq <= row.last; seq++) {
      if (this.acks.isAcked(row.last, seq)) continue;
      const i = seq - row.first;
      const start = row.starts[i]!;
      const end = row.starts[i + 1]!;
      out.push({ seq, record: row.data.subarray(start, end), bytes: end - start, spooled_at: row.spooledAt });
      if (out.length >= limit) {
        if (seq < row.last) this.partlyRead.set(partition, row);
        return true;
      }
    }
    return false;
  }

  /** The rows with these keys were deleted. */
  forgetRows(lasts: readonly number[]): void {
    if (this.partlyRead.size === 0 || lasts.length === 0) return;
    const gone = new Set(lasts);
    for (const [partition, row] of this.partlyRead) if (gone.has(row.last)) this.partlyRead.delete(partition);
  }

  /** A partition's rows changed otherwise (deleteThrough), or its drainer stopped (release). */
  forget(partition: string): void {
    this.partlyRead.delete(partition);
  }

  clear(): void {
    this.partlyRead.clear();
  }
}
