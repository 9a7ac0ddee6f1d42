/**
 * One time limit for an operation made of several calls, as Connect's Worker starts one Timer per REST request
 * and gives each admin call what is left of it, with the signal that ends it early (the worker stopping).
 * Measured on the monotonic clock: a step of the host's clock neither spends nor extends it.
 */
import { type Clock, monotonicNow, systemClock } from "./clock.ts";

export class Deadline {
  private readonly endsAt: number;

  constructor(
    ms: number,
    readonly signal?: AbortSignal,
    private readonly clock: Clock = systemClock,
  ) {
    this.endsAt = monotonicNow(clock) + ms;
  }

  /** Ms left before the deadline; 0 once it passed. */
  remainingMs(): number {
    return Math.max(0, this.endsAt - monotonicNow(this.clock));
  }
}
