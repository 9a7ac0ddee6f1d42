/**
 * SpoolQuarantine: the spool's table of records Kafka refused for good (`spool_quarantine`,
 * migration 5). A drained record the broker refuses on its own (an out-of-range timestamp, a
 * record too large for the topic, a null key on a compacted topic) would fail the drain for ever
 * if it stayed first in line; instead SpoolTable copies it here, with the error, in the same
 * transaction that deletes it from the spool (run by the spool worker thread). Operators inspect
 * or delete the rows with sqlite3 (README, "Quarantined records").
 */
import type { Database, Statement } from "bun:sqlite";
import { lengthsOf } from "./spool-row-reader.ts";

/** A record to move to the quarantine (SpoolStore.delete with a reason). */
export interface QuarantineEntry {
  readonly partition: string;
  readonly seq: number;
  readonly topic: string | null;
  /** Kafka's error (INVALID_TIMESTAMP, MESSAGE_TOO_LARGE, …) and what the producer said. */
  readonly kafkaError: string;
  readonly message: string;
  /** When Kafka refused it, ms since epoch. */
  readonly at: number;
}

interface RowOf {
  seq: number;
  record_count: number;
  record: Uint8Array;
  lengths: Uint8Array | null;
  spooled_at: number;
}

export class SpoolQuarantine {
  private readonly rowOf: Statement<RowOf, [string, number]>;
  private readonly insert: Statement<
    unknown,
    [number, string, string | null, Uint8Array, number, number, string, string]
  >;

  constructor(db: Database) {
    this.rowOf = db.query(
      "SELECT seq, record_count, record, lengths, spooled_at FROM spool WHERE partition = ? AND seq >= ? ORDER BY seq LIMIT 1",
    );
    // A record quarantined again (sent again after a restart that lost the first delete) keeps one row.
    this.insert = db.query(
      "INSERT OR REPLACE INTO spool_quarantine (seq, partition, topic, record, spooled_at, quarantined_at, kafka_error, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
  }

  /**
   * Copies each entry's record from its spool row into the quarantine; run in the transaction that
   * then deletes them from the spool. An entry whose record is not in the spool any more (deleted
   * meanwhile) is skipped.
   */
  copy(entries: readonly QuarantineEntry[]): void {
    for (const e of entries) {
      const row = this.rowOf.get(e.partition, e.seq);
      if (!row) continue;
      const first = row.seq - row.record_count + 1;
      if (e.seq < first) continue;
      const lengths = lengthsOf(row.record_count, row.lengths, row.record.byteLength);
      let start = 0;
      for (let i = 0; i < e.seq - first; i++) start += lengths[i]!;
      const record = row.record.subarray(start, start + lengths[e.seq - first]!);
      this.insert.run(e.seq, e.partition, e.topic, record, row.spooled_at, e.at, e.kafkaError, e.message);
    }
  }
}
