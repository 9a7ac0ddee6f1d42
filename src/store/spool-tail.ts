/**
 * SpoolTail: the rows of one spool partition committed since the drainer last caught up, kept in
 * memory (bounded) so that a drainer keeping up reads them from here instead of asking the worker
 * to read back (and the caller to decode) what it appended a moment ago. SpoolStore owns one per
 * partition and updates it in its message handler, in the worker's order of replies.
 *
 * Invariant while `complete`: every row of the partition with a sequence above `from` is in `rows`
 * (in order). It becomes complete when a read from the file reached the partition's end (every
 * commit answered after that read's answer comes after it in the file and is pushed here), and
 * stops being so when a read goes to the file again (reads are served from here only from `from`
 * on) or the rows held pass `maxBytes` (the drainer is behind: Kafka is slow or away), or those
 * of every partition's tail together pass the worker-wide `TailMemory` cap (many spool connectors
 * during an outage): the tail holding most lets go of its rows (read from the file again), so a
 * drainer that is behind does not keep the ones keeping up out of memory.
 */
export interface TailRow {
  readonly seq: number;
  readonly record: Uint8Array;
  readonly bytes: number;
  readonly spooledAt: number;
  /** What the appender attached to the record (it is served with the row). */
  readonly payload?: unknown;
}

/** What every partition's tail holds together, and its cap (ingest.spool.memory.max.bytes). */
export class TailMemory {
  usedBytes = 0;
  constructor(
    readonly maxBytes: number = Number.POSITIVE_INFINITY,
    /** Every partition's tail (the store's), those that may let go past the cap. */
    private readonly tails: () => Iterable<SpoolTail> = () => [],
  ) {}

  /** Past the cap after `pushing` pushed: the tails holding most let go of their rows until within it. */
  makeRoom(pushing: SpoolTail): void {
    while (this.usedBytes > this.maxBytes) {
      let largest = pushing;
      for (const tail of this.tails()) if (tail.heldBytes > largest.heldBytes) largest = tail;
      if (largest.heldBytes === 0) return;
      largest.reset();
    }
  }
}

export class SpoolTail {
  private complete = false;
  private from = 0;
  private rows: TailRow[] = [];
  /** What each row keeps in memory (see push), parallel to `rows`. */
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly memory: TailMemory = new TailMemory(),
  ) {}

  /** Whether `push` keeps rows now (the caller builds none otherwise). */
  get accepting(): boolean {
    return this.complete;
  }

  /**
   * A commit's row, in sequence order; `memory` is what keeping it costs (its record, the buffer
   * it is a view of, its payload: the caller's estimate), counted against `maxBytes`.
   */
  push(row: TailRow, memory: number = row.bytes): void {
    if (!this.complete) return;
    this.rows.push(row);
    this.sizes.push(memory);
    this.bytes += memory;
    this.memory.usedBytes += memory;
    if (this.bytes > this.maxBytes) this.reset();
    else if (this.memory.usedBytes > this.memory.maxBytes) this.memory.makeRoom(this);
  }

  /** What the rows held cost (see push). */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * One request's committed rows: views into `data` (its records back to back, `lengths[i]`
   * bytes each). Memory counted: each record, its payload (about the record's size) and the
   * request's whole buffer once, with its last row (the buffer is kept until that one goes).
   */
  pushRequest(
    seqs: readonly number[],
    data: Uint8Array,
    lengths: ArrayLike<number>,
    spooledAt: number,
    payloads: readonly unknown[] | undefined,
  ): void {
    let offset = 0;
    for (let i = 0; i < seqs.length; i++) {
      const length = lengths[i]!;
      const payload = payloads?.[i];
      const memory =
        length + (payload === undefined ? 0 : length) + (i === seqs.length - 1 ? data.buffer.byteLength : 0);
      const record = data.subarray(offset, offset + length);
      this.push({ seq: seqs[i]!, record, bytes: length, spooledAt, payload }, memory);
      offset += length;
    }
  }

  /**
   * The rows after `after` (at most `limit`), taken out of the tail, or undefined when the tail
   * cannot answer (not complete, or `after` is before what it holds): then read the file.
   */
  take(after: number, limit: number): TailRow[] | undefined {
    if (!this.complete || after < this.from) return undefined;
    while (this.head < this.rows.length && this.rows[this.head]!.seq <= after) this.drop();
    const out: TailRow[] = [];
    while (this.head < this.rows.length && out.length < limit) {
      out.push(this.rows[this.head]!);
      this.drop();
    }
    this.from = out.length > 0 ? out.at(-1)!.seq : after;
    if (this.head === this.rows.length) {
      this.rows = [];
      this.sizes = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** A read from the file starts: until it answers, the tail knows nothing. */
  reset(): void {
    this.memory.usedBytes -= this.bytes;
    this.complete = false;
    this.rows = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
  }

  /**
   * A read from the file after `after` answered with rows of sequences `seqs` (of `limit` asked): when fewer, it
   * reached the partition's end, and the tail holds everything from its last row on.
   */
  readFromFile(after: number, seqs: ArrayLike<number>, limit: number): void {
    if (seqs.length >= limit) return;
    this.reset();
    this.complete = true;
    this.from = seqs.length > 0 ? seqs[seqs.length - 1]! : after;
  }

  private drop(): void {
    this.bytes -= this.sizes[this.head]!;
    this.memory.usedBytes -= this.sizes[this.head]!;
    this.head++;
  }
}
