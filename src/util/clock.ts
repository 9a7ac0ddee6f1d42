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
 * Whole ms from `started` (a `monotonicNow` reading) to now, as Connect measures the times it shows
 * (poll, put and offset commit times): the difference of two whole-ms readings
 * (`System.currentTimeMillis()`), so a 0.6 ms call that crosses a ms boundary takes 1 and one that
 * does not takes 0.
 */
export function wholeMsSince(clock: Clock, started: number): number {
  return Math.floor(monotonicNow(clock)) - Math.floor(started);
}

/** One instant on both of a clock's readings: for a time that is stored (wall) and also measured from (monotonic). */
export interface Moment {
  readonly wall: number;
  readonly monotonic: number;
}

/** The clock's current Moment. */
export function momentOf(clock: Clock): Moment {
  return { wall: clock.now(), monotonic: monotonicNow(clock) };
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

/** setTimeout's longest delay, 2^31−1 ms (~24.8 days): Bun, like Node, fires a longer one after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a delay setTimeout honours: at least 0, at most MAX_TIMER_MS (a longer timeout is as good as none). */
export function timerMs(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

/** Arms a one-shot timer; returns its cancel. */
export type ArmTimer = (fire: () => void, ms: number) => () => void;

const armTimeout: ArmTimer = (fire, ms) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

/**
 * A Clock's `sleep` on `arm` (setTimeout in production): a wait longer than MAX_TIMER_MS is armed in
 * pieces, so a Retry-After of a month or a far rate-limit reset waits that long instead of firing at
 * once. Tests pass their own `arm`.
 */
export function timerSleep(arm: ArmTimer = armTimeout): Clock["sleep"] {
  return (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || !(ms > 0)) return resolve();
      let remaining = ms;
      let cancel = next();
      function next(): () => void {
        const piece = Math.min(remaining, MAX_TIMER_MS);
        remaining -= piece;
        return arm(remaining > 0 ? () => (cancel = next()) : done, piece);
      }
      function done() {
        cancel();
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    });
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: timerSleep(),
};
