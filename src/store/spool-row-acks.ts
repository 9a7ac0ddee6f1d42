/**
 * SpoolRowAcks: which records of partly acknowledged spool rows were acknowledged, in the spool
 * worker's memory. A spool row holds one append's records (sequences `first..last`, the row's key
 * is `last`: spool-database.ts); the main thread deletes records one by one (coalesced into
 * ranges), so a row goes only once every one of its records was deleted. SpoolTable marks the part
 * of a row a delete range or a committed offset (deleteThrough) covers here, and deletes the row
 * when `mark` reports it complete. Marking is idempotent (a record acknowledged twice counts
 * once), so a range retried after a failed transaction cannot complete a row early.
 *
 * SpoolTable keeps the flags of each partly acknowledged row in the file too (table `spool_acked`,
 * written in the same transaction as the deletes, loaded with `restore` at open), so a restart
 * does not send a row's delivered records again. A lost delete transaction loses its marks with
 * it: those records are sent again (a duplicate, never a loss), as a lost delete of a whole row.
 * A flag is 1 (acknowledged) or 0, nothing else: `restore` refuses any other flags.
 */

/** A record's flag once acknowledged (0 before). */
const ACKED = 1;

interface PartialRow {
  readonly partition: string;
  readonly first: number;
  /** One flag per record of the row, ACKED once acknowledged. */
  readonly acked: Uint8Array;
  count: number;
}

export class SpoolRowAcks {
  private readonly rows = new Map<number, PartialRow>();

  /**
   * Marks sequences `from..to` (clamped to the row) of the row `first..last` of `partition` as
   * acknowledged; true when every record of the row is (the caller deletes it, then `forget`s it).
   */
  mark(partition: string, first: number, last: number, from: number, to: number): boolean {
    const a = Math.max(from, first);
    const b = Math.min(to, last);
    let row = this.rows.get(last);
    if (!row) {
      if (a === first && b === last) return true;
      row = { partition, first, acked: new Uint8Array(last - first + 1), count: 0 };
      this.rows.set(last, row);
    }
    for (let s = a; s <= b; s++) {
      if (row.acked[s - first] !== ACKED) {
        row.acked[s - first] = ACKED;
        row.count++;
      }
    }
    return row.count === row.acked.length;
  }

  /** A row's flags as the file keeps them (undefined: none of its records acknowledged). */
  flags(last: number): Uint8Array | undefined {
    return this.rows.get(last)?.acked;
  }

  /**
   * The flags of the row `first..last` with `from..to` marked, as a copy (nothing changes here
   * until `restore`: a transaction computes them and applies them once committed); undefined when
   * that completes the row.
   */
  marked(first: number, last: number, from: number, to: number): Uint8Array | undefined {
    const acked = Uint8Array.from(this.rows.get(last)?.acked ?? new Uint8Array(last - first + 1));
    for (let s = Math.max(from, first); s <= Math.min(to, last); s++) acked[s - first] = ACKED;
    return acked.every((a) => a === ACKED) ? undefined : acked;
  }

  /**
   * Keeps the flags of the row of `count` records ending at `last` (from the file at open, or from
   * `marked`); false, keeping nothing, when they do not fit it: a flag per record, each 0 or ACKED,
   * not all ACKED (a file edited by hand; its records are sent again, never lost).
   */
  restore(partition: string, last: number, count: number, acked: Uint8Array): boolean {
    let n = 0;
    for (const a of acked) {
      if (a !== 0 && a !== ACKED) return false;
      if (a === ACKED) n++;
    }
    if (acked.length !== count || n === count) return false;
    this.rows.set(last, { partition, first: last - count + 1, acked: Uint8Array.from(acked), count: n });
    return true;
  }

  /** Whether the record `seq` of the row ending at `last` was acknowledged. */
  isAcked(last: number, seq: number): boolean {
    const row = this.rows.get(last);
    return row !== undefined && row.acked[seq - row.first] === ACKED;
  }

  /** The row was deleted. */
  forget(last: number): void {
    this.rows.delete(last);
  }

  /** Drops the rows of `partition` up to sequence `seq` (deleted by deleteThrough). */
  forgetThrough(partition: string, seq: number): void {
    for (const [last, row] of this.rows) if (row.partition === partition && last <= seq) this.rows.delete(last);
  }

  /** The partly acknowledged rows of a partition: key and first sequence (`isAcked` tells which records). */
  *of(partition: string): Generator<{ readonly last: number; readonly first: number }> {
    for (const [last, row] of this.rows) if (row.partition === partition) yield { last, first: row.first };
  }
}
