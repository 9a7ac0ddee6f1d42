/**
 * ChunkedRead: a drainer's read of the spool file, done by SpoolWorkerLoop a chunk at a time (up
 * to READ_CHUNK_BYTES of records a turn) instead of whole. A drainer that is behind asks for
 * `ingest.poll.max.records` (10,000 by default: 10 MB of 1 KB records) at a time, and every
 * append that arrived meanwhile waited for the whole read before its commit: while a backlog
 * drained, a device's request (answered after its commit) waited a read each time, and devices
 * posting one request at a time got a commit per read (BENCHMARKS.md, "Spool drain under live
 * load"). Between chunks the loop commits the appends and deletes that arrived (nothing else goes
 * ahead of the read), so a request waits a chunk at most.
 *
 * The answer is the same as a read in one go at the time of its last chunk: each chunk goes on
 * after the last record of the one before, and the rows committed between chunks come after every
 * row already in the file, so the read includes them unless it fills `limit` first. A read that
 * comes back short still reached the partition's end, and the commits answered before it are in
 * it (SpoolTail's invariant).
 */
import type { ToWorker } from "./spool-protocol.ts";
import type { RawRow } from "./spool-row-reader.ts";

/** Records gathered per turn, at most (about: the records of one small read past it at worst). */
export const READ_CHUNK_BYTES = 1 << 20;
/** Records asked of the reader at a time while gathering a chunk (a row continues from memory). */
const STEP_RECORDS = 64;

export type ReadMessage = Extract<ToWorker, { op: "read" }>;

export class ChunkedRead {
  readonly rows: RawRow[] = [];
  private after: number;

  constructor(readonly message: ReadMessage) {
    this.after = message.after;
  }

  /** Reads the next chunk with `read`; true once the read is complete (`limit` records, or the partition's end). */
  step(read: (partition: string, after: number, limit: number) => RawRow[]): boolean {
    const { partition, limit } = this.message;
    let bytes = 0;
    while (this.rows.length < limit) {
      if (bytes >= READ_CHUNK_BYTES) return false;
      const ask = Math.min(STEP_RECORDS, limit - this.rows.length);
      const rows = read(partition, this.after, ask);
      for (const row of rows) {
        this.rows.push(row);
        bytes += row.bytes;
      }
      if (rows.length < ask) return true;
      this.after = rows.at(-1)!.seq;
    }
    return true;
  }
}
