/**
 * ManualClock: a `Clock` that tests drive. Time moves only through `advance`/`set`; a `sleep`
 * resolves once time reaches its deadline (or at once when its signal aborts), so code under test
 * that backs off or polls on a timer runs deterministically, without real waiting.
 * `stepWallClock` moves only the wall clock (`now()`), as an NTP correction does: the monotonic
 * reading and the sleeps (which wait on it) do not move.
 * For tests (any module's), never wired in production.
 */
import type { Clock } from "./clock.ts";

interface Sleeper {
  readonly until: number;
  readonly resolve: () => void;
}

export class ManualClock implements Clock {
  /** The monotonic reading; sleeps wait on it. */
  private current: number;
  /** How far the wall clock has been stepped away from the monotonic reading. */
  private wallOffset = 0;
  private readonly sleepers = new Set<Sleeper>();
  /** Every sleep requested, in ms, in order (a sleep of 0 included). */
  readonly sleeps: number[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current + this.wallOffset;
  }

  monotonic(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = {
        until: this.current + ms,
        resolve: () => {
          this.sleepers.delete(sleeper);
          signal?.removeEventListener("abort", sleeper.resolve);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener("abort", sleeper.resolve, { once: true });
    });
  }

  /** Sleeps not yet over. */
  get pending(): number {
    return this.sleepers.size;
  }

  /** Moves time forward and wakes every sleep that is due. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Moves time to `nowMs` (the wall clock reads it plus any step made by `stepWallClock`). */
  set(nowMs: number): void {
    this.current = nowMs;
    for (const s of [...this.sleepers]) if (s.until <= this.current) s.resolve();
  }

  /** Steps the wall clock by `ms` (negative: back) without time passing: no sleep wakes. */
  stepWallClock(ms: number): void {
    this.wallOffset += ms;
  }

  /** Jumps to the earliest pending deadline (waking it); false when nothing sleeps. */
  advanceToNext(): boolean {
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.sleepers) next = Math.min(next, s.until);
    if (!Number.isFinite(next)) return false;
    this.set(Math.max(next, this.current));
    return true;
  }
}
