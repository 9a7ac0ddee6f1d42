/**
 * DrainReads: the spool reads of a SpoolWriter's drainer, and how many rows each asks for. With no
 * device appending, a read asks for `ingest.poll.max.records` (a backlog drains in large batches);
 * while devices' appends arrive (one began since the previous read, or one is in flight), at most
 * LIVE_READ_ROWS: the runtime decodes, converts, produces and acknowledges a poll batch in pieces on
 * the one event loop, and live requests wait behind those pieces, so smaller batches keep them
 * short (BENCHMARKS.md, "Spool drain under live load"). Order and acknowledgements are the
 * SpoolWriter's (a read starts after the last row polled; rows go only once Kafka acknowledged
 * them), so a smaller read changes neither.
 *
 * A full batch means the drainer is behind: the next read starts (in the spool's worker) while
 * this batch is produced, sized when it starts.
 */
import type { SpoolRow, SpoolStore } from "../../store/spool-store.ts";

/** At most this many rows a read while devices' appends arrive (~2 MiB of 1 KB records; 1,000 drained ~25 % slower, BENCHMARKS.md). */
export const LIVE_READ_ROWS = 2_000;

export class DrainReads {
  /** A device's append began since the last read started. */
  private arrived = false;
  /** The read started ahead. */
  private ahead: Promise<SpoolRow[]> | undefined;
  /** The number of rows the last read asked for. */
  private limit = 0;

  constructor(
    private readonly store: SpoolStore,
    private readonly connector: string,
    private readonly maxPoll: number,
    /** Whether a device's append is in flight. */
    private readonly appendsInFlight: () => boolean,
  ) {}

  /** A device's append began. */
  appending(): void {
    this.arrived = true;
  }

  /** The rows after `cursor`: the read started ahead, or a new one. */
  async next(cursor: number): Promise<SpoolRow[]> {
    const read = this.ahead ?? this.start(cursor);
    this.ahead = undefined;
    return await read;
  }

  /** After a batch of `count` rows up to `cursor`: a full one means the drainer is behind, so the next read starts now. */
  readAhead(cursor: number, count: number): void {
    if (count < this.limit) return;
    const next = this.start(cursor);
    next.catch(() => undefined); // awaited by the next call, if any
    this.ahead = next;
  }

  /** The read started ahead is not wanted (the drainer stops). */
  drop(): void {
    this.ahead = undefined;
  }

  private start(cursor: number): Promise<SpoolRow[]> {
    const live = this.arrived || this.appendsInFlight();
    this.arrived = false;
    this.limit = live ? Math.min(this.maxPoll, LIVE_READ_ROWS) : this.maxPoll;
    return this.store.read(this.connector, cursor, this.limit);
  }
}
