/**
 * One-shot timers for background retries (status writes, spool deletes): `SetTimer` runs `run`
 * once after `ms` unless cancelled. Production uses `unrefTimer`, which never keeps the process
 * alive; a test passes `clockTimer(manualClock)` and drives time with the clock instead of sleeping.
 */
import { type Clock, timerMs } from "./clock.ts";

export type SetTimer = (run: () => void, ms: number) => { cancel(): void };

/** A `setTimeout` that does not hold the process open. */
export const unrefTimer: SetTimer = (run, ms) => {
  const timer = setTimeout(run, timerMs(ms));
  timer.unref?.();
  return { cancel: () => clearTimeout(timer) };
};

/** Timers on `clock`'s sleeps (a ManualClock in tests: they fire when the test advances it). */
export function clockTimer(clock: Clock): SetTimer {
  return (run, ms) => {
    const cancelled = new AbortController();
    void clock.sleep(ms, cancelled.signal).then(() => {
      if (!cancelled.signal.aborted) run();
    });
    return { cancel: () => cancelled.abort() };
  };
}
