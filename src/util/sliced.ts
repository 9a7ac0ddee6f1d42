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
    for (let i = from; i < to; i++) {
      if ((i - from) % CHECK_EVERY === CHECK_EVERY - 1 && this.due()) await this.pause();
      step(i);
    }
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
