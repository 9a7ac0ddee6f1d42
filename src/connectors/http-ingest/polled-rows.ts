/**
 * The spool rows a SpoolWriter polled and Kafka has not yet acknowledged, in poll order: an AnyOrderWindow keyed by
 * the row's sequence. The ingest task commits in any order (SourceTask.commitsAnyOrder): a row of a partition Kafka
 * holds is acknowledged after later rows, so each acknowledgement takes exactly its own row. A row never acknowledged
 * (its batch given up) stays awaited, and in the spool.
 */
import { type AnyOrderEntries, AnyOrderWindow } from "../../util/any-order-window.ts";

interface PolledRow {
  readonly seq: number;
  readonly bytes: number;
  taken: boolean;
}

const rows: AnyOrderEntries<PolledRow, number> = {
  keyOf: (row) => row.seq,
  isTaken: (row) => row.taken,
  markTaken: (row) => {
    row.taken = true;
  },
};

export class PolledRows {
  private readonly window = new AnyOrderWindow<PolledRow, number>(rows);

  add(seq: number, bytes: number): void {
    this.window.push({ seq, bytes, taken: false });
  }

  /** The row's size, and it is no longer awaited; undefined when it is not awaited. */
  take(seq: number): number | undefined {
    return this.window.take(seq)?.bytes; // undefined: not polled by this writer, or acknowledged already
  }

  clear(): void {
    this.window.clear();
  }
}
