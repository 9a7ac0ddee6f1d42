/**
 * The records of a page read but not yet handed to the runtime, given out in poll batches of at
 * most MAX_BATCH_RECORDS. A page of 800 000 records was one poll batch: the runtime converted it
 * whole in one stretch (the worker's event loop held for seconds) and held every record's
 * converted bytes until Kafka acknowledged the last, past its in-flight bounds (buffer.memory,
 * max.in.flight.requests.per.connection), which it applies between batches. In batches, the
 * runtime converts and sends one while the next waits here, a batch's records are freed once it is
 * acknowledged, and the next page is fetched only when this one is handed out whole. Every record
 * carries its own resume offset (page and skip), so a restart between batches resumes after the
 * last one Kafka has. Used by HttpSourceTask.
 */
import type { SourceRecord } from "../../api/record.ts";

/**
 * Large enough that a page of an ordinary API (hundreds to a few thousand records) is still one
 * poll batch, as before; small enough that a batch's converted bytes stay well within buffer.memory.
 */
export const MAX_BATCH_RECORDS = 10_000;

export class ReadyRecords {
  private records: (SourceRecord | undefined)[] = [];
  private at = 0;

  /** Whether every record was handed out. */
  get empty(): boolean {
    return this.at >= this.records.length;
  }

  /** A page's records, to hand out after those still here. */
  add(records: SourceRecord[]): void {
    if (records.length === 0) return;
    if (this.empty) {
      this.records = records;
      this.at = 0;
    } else for (const record of records) this.records.push(record);
  }

  /** The next batch, null when empty; handed-out records are not held here (they are freed once acknowledged). */
  take(): SourceRecord[] | null {
    if (this.empty) return null;
    const end = Math.min(this.records.length, this.at + MAX_BATCH_RECORDS);
    let batch: SourceRecord[];
    if (this.at === 0 && end === this.records.length) batch = this.records as SourceRecord[];
    else {
      batch = this.records.slice(this.at, end) as SourceRecord[];
      this.records.fill(undefined, this.at, end);
    }
    this.at = end;
    if (this.empty) {
      this.records = [];
      this.at = 0;
    }
    return batch;
  }
}
