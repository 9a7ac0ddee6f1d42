/**
 * InternalErrorLog: how the ingest listener logs a request that failed for a reason of its own (a
 * bug, a stack overflow, a storage error), not the client's. Such a failure can repeat for every
 * request a client sends, so each kind of error (its class and message) is logged at ERROR with
 * its stack once per interval; the ones in between are only counted, and the next report of that
 * kind says how many there were. No timer: a kind that stops occurring leaves its count unlogged.
 * The client gets a generic 500 (ingest-error.ts, `failedAnswer`): the detail is in the log only.
 */
import { messageOf } from "../errors.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { RepeatLimiter, suppressedNote } from "../util/repeat-limiter.ts";

/** How often each kind of internal error is logged with its stack. */
export const INTERNAL_ERROR_LOG_INTERVAL_MS = 60_000;

export class InternalErrorLog {
  private readonly limiter: RepeatLimiter;

  constructor(
    private readonly log: Logger,
    clock: Clock,
    intervalMs = INTERNAL_ERROR_LOG_INTERVAL_MS,
  ) {
    this.limiter = new RepeatLimiter(() => monotonicNow(clock), intervalMs);
  }

  /** Logs (or counts) the failure of a request on `label`. */
  report(label: string, error: unknown): void {
    const admitted = this.limiter.admit(kindOf(error));
    if (admitted === undefined) return;
    // The logger masks secrets in the message and the stack.
    this.log.error(
      `Ingest request on ${label} failed${suppressedNote(admitted)}; this error is logged once every ${this.limiter.intervalMs / 1000} s`,
      error,
    );
  }
}

function kindOf(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  return `${name}: ${messageOf(error).slice(0, 200)}`;
}
