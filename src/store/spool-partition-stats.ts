/**
 * SpoolPartitionStats: what the spool file holds per partition (records, bytes, when the oldest
 * row was spooled), read from the file on the spool worker thread: the figures the worker loop
 * sends the main thread's SpoolCounts at open and after deleteThrough. SpoolTable
 * (spool-database.ts) makes one and answers its stats, statsOf and oldestAt with it. Rows are
 * counted whole by SQL; the records of a row already deleted one by one (their marks in
 * SpoolRowAcks) are subtracted here, reading that row's lengths (rare: only rows a drainer is
 * partway through).
 */
import type { Database, Statement } from "bun:sqlite";
import type { SpoolRowAcks } from "./spool-row-acks.ts";
import { lengthsOf } from "./spool-row-reader.ts";

/** A partition's records: count, bytes, and when its oldest row was spooled (null when empty). */
export interface PartitionStats {
  readonly partition: string;
  readonly records: number;
  readonly bytes: number;
  readonly oldestAt: number | null;
}

export class SpoolPartitionStats {
  private readonly lengthsQuery: Statement<
    { record_count: number; bytes: number; lengths: Uint8Array | null },
    [number]
  >;
  private readonly statsQuery: Statement<
    { partition: string; n: number; bytes: number | null; oldest: number | null },
    []
  >;
  private readonly partitionStatsQuery: Statement<
    { n: number | null; bytes: number | null; oldest: number | null },
    [string]
  >;
  private readonly oldestQuery: Statement<{ spooled_at: number }, [string]>;

  constructor(
    db: Database,
    private readonly acks: SpoolRowAcks,
  ) {
    this.lengthsQuery = db.query("SELECT record_count, bytes, lengths FROM spool WHERE seq = ?");
    this.statsQuery = db.query(
      "SELECT partition, sum(record_count) AS n, sum(bytes) AS bytes, min(spooled_at) AS oldest FROM spool GROUP BY partition",
    );
    this.partitionStatsQuery = db.query(
      "SELECT sum(record_count) AS n, sum(bytes) AS bytes, min(spooled_at) AS oldest FROM spool WHERE partition = ?",
    );
    this.oldestQuery = db.query("SELECT spooled_at FROM spool WHERE partition = ? ORDER BY seq LIMIT 1");
  }

  /** Every partition with records. */
  stats(): PartitionStats[] {
    return this.statsQuery
      .all()
      .map((r) =>
        this.withoutDeleted({ partition: r.partition, records: r.n, bytes: r.bytes ?? 0, oldestAt: r.oldest }),
      );
  }

  /** One partition's records. */
  statsOf(partition: string): PartitionStats {
    const r = this.partitionStatsQuery.get(partition);
    return this.withoutDeleted({ partition, records: r?.n ?? 0, bytes: r?.bytes ?? 0, oldestAt: r?.oldest ?? null });
  }

  /** Stats less the deleted records of rows still there (their lengths are read: this is rare). */
  private withoutDeleted(s: PartitionStats): PartitionStats {
    let { records, bytes } = s;
    for (const row of this.acks.of(s.partition)) {
      const stored = this.lengthsQuery.get(row.last);
      if (!stored) continue;
      const lengths = lengthsOf(stored.record_count, stored.lengths, stored.bytes);
      for (let i = 0; i < lengths.length; i++) {
        if (!this.acks.isAcked(row.last, row.first + i)) continue;
        records -= 1;
        bytes -= lengths[i]!;
      }
    }
    return { ...s, records, bytes };
  }

  /** When the oldest row of a partition was spooled, or null when it has none. */
  oldestAt(partition: string): number | null {
    return this.oldestQuery.get(partition)?.spooled_at ?? null;
  }
}
