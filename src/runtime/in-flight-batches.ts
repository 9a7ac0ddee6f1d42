/**
 * InFlightBatches: the produce requests a WorkerSourceTask has sent and not yet settled, in the
 * order they were submitted. Used by WorkerSourceTask to keep several sends in flight while it
 * polls the next records, and to act on acknowledgements strictly in submission order: a batch is
 * handed back by `takeSettled()` only once it and every batch before it have settled, so the
 * caller never commits an offset past a record Kafka has not acknowledged, whatever order the
 * acknowledgements arrive in.
 *
 * Bounded by count and bytes (`hasRoom`); a single batch larger than the byte bound is admitted
 * when nothing else is in flight, so it cannot block forever. A batch `uncount`ed (Kafka wrote part
 * of it already, for a task that takes its commits in any order: SourceAcknowledgements) counts its
 * bytes only.
 */

export type BatchOutcome<R> =
  | { readonly ok: true; readonly value: R }
  | { readonly ok: false; readonly error: unknown };

interface Entry<P, R> {
  readonly payload: P;
  readonly bytes: number;
  readonly done: Promise<void>;
  outcome: BatchOutcome<R> | undefined;
}

export interface SettledBatch<P, R> {
  readonly payload: P;
  readonly outcome: BatchOutcome<R>;
}

export class InFlightBatches<P, R> {
  private readonly entries: Entry<P, R>[] = [];
  private inFlightBytes = 0;
  /** Entries that count against `maxBatches`: all but those `uncount`ed. */
  private counted = 0;
  /** Called (and dropped) when a batch is uncounted (`onRoomFreed`). */
  private readonly roomWaiters = new Set<() => void>();

  /** `counts`: whether a batch still counts against `maxBatches` (false once `uncount`ed); all do without it. */
  constructor(
    private readonly maxBatches: number,
    private readonly maxBytes: number,
    private readonly counts?: (payload: P) => boolean,
  ) {}

  /** Batches submitted and not yet taken back. */
  get size(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.inFlightBytes;
  }

  /** Whether a batch of `bytes` may be submitted now. */
  hasRoom(bytes = 0): boolean {
    if (this.size === 0) return true;
    return this.counted < this.maxBatches && this.inFlightBytes + bytes <= this.maxBytes;
  }

  /** A batch in flight no longer counts against `maxBatches` (its bytes still do); `counts` says so of it from now. */
  uncount(): void {
    this.counted--;
    for (const wake of this.roomWaiters) wake();
    this.roomWaiters.clear();
  }

  /**
   * Calls `wake` once a batch is `uncount`ed: the oldest batch may stay held meanwhile, so a wait on it alone would not
   * see that room. (Batches taken back free room too, but the caller waits for them to be handled: `oldestSettled`.)
   * Returns what drops `wake` when the wait ended otherwise: nothing is kept per wait (a task waiting for room once a
   * batch, for weeks, with nothing ever uncounted: review-ppack2b P1, ~64 bytes a wait on one promise's reactions).
   */
  onRoomFreed(wake: () => void): () => void {
    this.roomWaiters.add(wake);
    return () => this.roomWaiters.delete(wake);
  }

  /** Wakes registered by `onRoomFreed` and not yet called nor dropped. */
  get roomWaits(): number {
    return this.roomWaiters.size;
  }

  /** Tracks `send`; its outcome is recorded, never thrown here (takeSettled hands it back). */
  submit(payload: P, bytes: number, send: Promise<R>): void {
    const entry: Entry<P, R> = {
      payload,
      bytes,
      outcome: undefined,
      done: send.then(
        (value) => {
          entry.outcome = { ok: true, value };
        },
        (error) => {
          entry.outcome = { ok: false, error };
        },
      ),
    };
    this.entries.push(entry);
    this.inFlightBytes += bytes;
    this.counted++;
  }

  /** The settled batches at the front, in submission order; stops at the first unsettled one. */
  takeSettled(): SettledBatch<P, R>[] {
    const out: SettledBatch<P, R>[] = [];
    const entries = this.entries;
    while (out.length < entries.length && entries[out.length]!.outcome !== undefined) {
      const entry = entries[out.length]!;
      out.push({ payload: entry.payload, outcome: entry.outcome! });
      this.inFlightBytes -= entry.bytes;
      if (!this.counts || this.counts(entry.payload)) this.counted--;
    }
    // Taken batches (with their records) are released at once; one splice, however many settled behind a held one
    // (a count bounded by bytes alone may be large).
    if (out.length > 0) entries.splice(0, out.length);
    return out;
  }

  /** Whether `test` holds for the outcome of a batch settled and not yet taken. */
  anySettled(test: (outcome: BatchOutcome<R>) => boolean): boolean {
    return this.entries.some((e) => e.outcome !== undefined && test(e.outcome));
  }

  /** Resolves when the oldest batch not yet taken has settled (at once when there is none). */
  oldestSettled(): Promise<void> {
    return this.entries[0]?.done ?? Promise.resolve();
  }

  /** Resolves once every submitted batch has settled. */
  async allSettled(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.done));
  }
}
