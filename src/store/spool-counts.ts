/**
 * SpoolCounts: what the main thread knows at once about each spool partition, without asking the
 * worker: records and bytes held (ingest.spool.max.bytes, /metrics) and when the oldest row was
 * spooled. SpoolStore sets them from the worker's figures (at open, after deleteThrough), adds
 * each durable append, removes each acknowledged record when it is queued for deletion, and takes
 * the oldest row's time the worker reports after deletes.
 */
import type { PartitionStats } from "./spool-partition-stats.ts";

export interface SpoolStats {
  readonly records: number;
  readonly bytes: number;
  /** When the oldest record was spooled (ms since epoch), or null when empty. */
  readonly oldestAt: number | null;
}

interface Counts {
  records: number;
  bytes: number;
  oldestAt: number | null;
}

export class SpoolCounts {
  private readonly counts = new Map<string, Counts>();

  set(s: PartitionStats): void {
    this.counts.set(s.partition, { records: s.records, bytes: s.bytes, oldestAt: s.oldestAt });
  }

  /** A durable append of `records` rows, `bytes` in all, spooled at `at`. */
  added(partition: string, records: number, bytes: number, at: number): void {
    const c = this.of(partition);
    if (c.records === 0) c.oldestAt = at;
    c.records += records;
    c.bytes += bytes;
  }

  removed(partition: string, bytes: number): void {
    const c = this.of(partition);
    c.records = Math.max(0, c.records - 1);
    c.bytes = Math.max(0, c.bytes - bytes);
  }

  /** Drops a partition's counts when it holds no rows (its connector stopped; a drainer's start sets them again). */
  forgetEmpty(partition: string): void {
    if (this.counts.get(partition)?.records === 0) this.counts.delete(partition);
  }

  setOldest(oldest: readonly [string, number | null][]): void {
    for (const [p, at] of oldest) this.of(p).oldestAt = at;
  }

  stats(partition: string): SpoolStats {
    const c = this.of(partition);
    return { records: c.records, bytes: c.bytes, oldestAt: c.records > 0 ? c.oldestAt : null };
  }

  /** Partitions with rows. */
  partitions(): string[] {
    return [...this.counts].filter(([, c]) => c.records > 0).map(([p]) => p);
  }

  private of(partition: string): Counts {
    let c = this.counts.get(partition);
    if (!c) {
      c = { records: 0, bytes: 0, oldestAt: null };
      this.counts.set(partition, c);
    }
    return c;
  }
}
