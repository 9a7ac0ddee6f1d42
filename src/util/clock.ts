/**
 * Injectable time. Lifecycle code takes a `Clock` so unit tests can drive time instead of
 * sleeping; production uses `systemClock`.
 *
 * Two readings: `now()` is the wall clock (timestamps, expiry of things stored or signed), which a
 * host may step (NTP correcting an edge device without a real-time clock); `monotonic()` only moves
 * forward at the rate of real time and is what a deadline or a duration in this process is measured
 * on. `sleep` waits on the monotonic clock (timers do).
 */

export interface Clock {
  /** Wall-clock time, ms since the Unix epoch. */
  now(): number;
  /**
   * Ms from an arbitrary origin on a clock that never steps. Optional for fakes that never step
   * their time; read it through `monotonicNow(clock)`, which falls back to `now()`.
   */
  monotonic?(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The clock's monotonic reading (its wall clock for a fake without one). */
export function monotonicNow(clock: Clock): number {
  return clock.monotonic === undefined ? clock.now() : clock.monotonic();
}

/**
 * `clock` with its monotonic reading as `now()`: for code that only measures deadlines and durations
 * in this process and takes a plain Clock (RequestDeadlines), so a step of the host's clock does not
 * reach it.
 */
export function monotonicView(clock: Clock): Clock {
  if (clock.monotonic === undefined) return clock;
  const monotonic = clock.monotonic.bind(clock);
  return { now: monotonic, monotonic, sleep: (ms, signal) => clock.sleep(ms, signal) };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};
