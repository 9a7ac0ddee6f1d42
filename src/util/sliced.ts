/**
 * Long loops that share the event loop: work on many items runs in slices of a few milliseconds,
 * each followed by a macrotask turn (setImmediate), so timers, I/O and the other tasks of the
 * worker run in between. Used where one input (an HTTP source's page of ~10^6 records) would
 * otherwise hold the loop for seconds.
 */

/** How long a slice runs before the loop gets a turn. */
export const SLICE_MS = 10;
/** Items between two looks at the clock. */
const CHECK_EVERY = 256;
/** Calls of `tick` between two looks at the clock (reading it costs ~0.3 µs on the 2-core VM, BENCHMARKS.md). */
const TICKS = 16;

/**
 * Tracks one piece of work's current slice. `signal`: aborting it ends the work at the next turn
 * (its reason thrown), so what the work builds is never used half done.
 */
export class Slicer {
  #since = performance.now();
  #ticks = 0;
  readonly #signal: AbortSignal | undefined;
  readonly #sliceMs: number;

  /** `sliceMs`: how long a slice runs (default SLICE_MS). */
  constructor(signal?: AbortSignal, sliceMs = SLICE_MS) {
    this.#signal = signal;
    this.#sliceMs = sliceMs;
    signal?.throwIfAborted();
  }

  /** Whether the current slice has run its time. */
  due(): boolean {
    return performance.now() - this.#since >= this.#sliceMs;
  }

  /** Counts one item of a loop whose items may each cost milliseconds; true when the slice has run its time. */
  tick(): boolean {
    return ++this.#ticks % TICKS === 0 && this.due();
  }

  /** Gives the event loop a turn; throws the signal's reason if it aborted meanwhile. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#signal?.throwIfAborted();
    this.#since = performance.now();
  }

  /** Runs `step` for each index from `from` to `to` (exclusive), in slices. */
  async each(from: number, to: number, step: (i: number) => void): Promise<void> {
    await this.every(from, to, (i) => {
      step(i);
      return true;
    });
  }

  /** Whether `test` holds for each index from `from` to `to` (exclusive), in slices; stops at the first it fails. */
  async every(from: number, to: number, test: (i: number) => boolean): Promise<boolean> {
    for (let i = from; i < to; i++) {
      if ((i - from) % CHECK_EVERY === CHECK_EVERY - 1 && this.due()) await this.pause();
      if (!test(i)) return false;
    }
    return true;
  }

  /** `items.map(f)`, in slices. */
  async map<T, U>(items: readonly T[], f: (item: T, i: number) => U): Promise<U[]> {
    const out: U[] = new Array(items.length);
    await this.each(0, items.length, (i) => {
      out[i] = f(items[i]!, i);
    });
    return out;
  }
}

/**
 * A budget of work (bytes, records) per event-loop turn, for work started in pieces from several
 * callbacks (a producer's requests, started as others settle): once a turn's pieces reach
 * `perTurn`, `spent` holds until the next macrotask turn (setImmediate), which calls `resume`, so
 * the loop's other callbacks (requests of devices) get a turn between such pieces.
 */
export class TurnBudget {
  #used = 0;
  #scheduled = false;

  constructor(
    private readonly perTurn: number,
    private readonly resume: () => void,
  ) {}

  /** This turn's budget is used up: the next piece waits for `resume`. */
  get spent(): boolean {
    return this.#used >= this.perTurn;
  }

  /** Counts a piece of `units` started in this turn. */
  use(units: number): void {
    this.#used += units;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      const spent = this.spent;
      this.#scheduled = false;
      this.#used = 0;
      if (spent) this.resume();
    });
  }
}

/**
 * Runs `step` for each index from 0 to `count` (exclusive), `perTurn` of them per event-loop turn
 * (setImmediate between): a bound in items, not time, where each item costs about the same. The
 * first `perTurn` run at once (a short loop never waits a turn).
 */
export async function inTurns(count: number, perTurn: number, step: (i: number) => void): Promise<void> {
  for (let from = 0; from < count; from += perTurn) {
    if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const to = Math.min(count, from + perTurn);
    for (let i = from; i < to; i++) step(i);
  }
}
