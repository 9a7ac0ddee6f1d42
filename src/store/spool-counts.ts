/**
 * SpoolCounts: what the main thread knows at once about each spool partition, without asking the
 * worker: records and bytes held (ingest.spool.max.bytes, /metrics) and when the oldest row was
 * spooled. SpoolStore sets them from the worker's figures (at open, after deleteThrough), adds
 * each durable append, removes each acknowledged record when it is queued for deletion, and takes
 * the oldest row's time the worker reports after deletes. It also keeps the bytes of every
 * partition together (`totalBytes`, ingest.spool.total.max.bytes), partitions of deleted
 * connectors included (the worker reports every partition at open), and those of appends not yet
 * durable (`pendingBytes`): integers updated with the per-partition ones, read in O(1).
 *
 * Each append leaves `pendingBytes` once (durable or failed). Taking off more than is pending
 * would be a bug (an append released twice): it logs one ERROR and keeps the count at 0 (never
 * negative).
 */
import { getLogger, type Logger } from "../util/logger.ts";
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
  /** Bytes held by every partition together. */
  totalBytes = 0;
  /** Bytes of appends queued or on their way to the worker (not durable yet, not failed). */
  pendingBytes = 0;
  private releasedTwice = false;

  constructor(private readonly log: Logger = getLogger("io.edgegateway.ingest.Spool")) {}

  set(s: PartitionStats): void {
    this.totalBytes += s.bytes - (this.counts.get(s.partition)?.bytes ?? 0);
    this.counts.set(s.partition, { records: s.records, bytes: s.bytes, oldestAt: s.oldestAt });
  }

  /**
   * An append of `bytes` queued: pending until `added` (durable) or until the returned function,
   * its `reject` wrapped (every failure of the append goes through it), takes it off.
   */
  queued(bytes: number, reject: (error: unknown) => void): (error: unknown) => void {
    this.pendingBytes += bytes;
    return (error) => {
      this.release(bytes);
      reject(error);
    };
  }

  /** A queued append became durable: `records` rows, `bytes` in all, spooled at `at`. */
  added(partition: string, records: number, bytes: number, at: number): void {
    const c = this.of(partition);
    if (c.records === 0) c.oldestAt = at;
    c.records += records;
    c.bytes += bytes;
    this.totalBytes += bytes;
    this.release(bytes);
  }

  private release(bytes: number): void {
    if (bytes <= this.pendingBytes) {
      this.pendingBytes -= bytes;
      return;
    }
    const message = `Spool: an append of ${bytes} bytes left the pending bytes with only ${this.pendingBytes} pending (released twice?); the pending count is set to 0`;
    this.pendingBytes = 0;
    if (this.releasedTwice) return;
    this.releasedTwice = true;
    this.log.error(message);
  }

  removed(partition: string, bytes: number): void {
    const c = this.of(partition);
    const left = Math.max(0, c.bytes - bytes);
    this.totalBytes -= c.bytes - left;
    c.records = Math.max(0, c.records - 1);
    c.bytes = left;
  }

  /** Drops a partition's counts when it holds no rows (its connector stopped; a drainer's start sets them again). */
  forgetEmpty(partition: string): void {
    const c = this.counts.get(partition);
    if (c?.records !== 0) return;
    this.totalBytes -= c.bytes;
    this.counts.delete(partition);
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
