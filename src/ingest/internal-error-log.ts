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

/** How often each kind of internal error is logged with its stack. */
export const INTERNAL_ERROR_LOG_INTERVAL_MS = 60_000;
/** Kinds remembered at once; beyond, further kinds share one entry (their messages can vary without bound). */
const MAX_KINDS = 256;
const OTHER_KINDS = "(other kinds)";

interface Kind {
  /** When it was last logged (monotonic ms). */
  loggedAt: number;
  /** Occurrences since then that were not logged. */
  suppressed: number;
}

export class InternalErrorLog {
  private readonly kinds = new Map<string, Kind>();

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly intervalMs = INTERNAL_ERROR_LOG_INTERVAL_MS,
  ) {}

  /** Logs (or counts) the failure of a request on `label`. */
  report(label: string, error: unknown): void {
    const now = monotonicNow(this.clock);
    let key = kindOf(error);
    let kind = this.kinds.get(key);
    if (kind === undefined && this.kinds.size >= MAX_KINDS) {
      this.forgetQuiet(now);
      if (this.kinds.size >= MAX_KINDS) {
        key = OTHER_KINDS;
        kind = this.kinds.get(key);
      }
    }
    if (kind !== undefined && now - kind.loggedAt < this.intervalMs) {
      kind.suppressed++;
      return;
    }
    const suppressed = kind?.suppressed ?? 0;
    this.kinds.set(key, { loggedAt: now, suppressed: 0 });
    const more =
      suppressed > 0
        ? ` (and ${suppressed} more like it in the last ${Math.round((now - kind!.loggedAt) / 1000)} s, not logged)`
        : "";
    // The logger masks secrets in the message and the stack.
    this.log.error(
      `Ingest request on ${label} failed${more}; this error is logged once every ${this.intervalMs / 1000} s`,
      error,
    );
  }

  /** Drops kinds not seen for an interval and with nothing left to report. */
  private forgetQuiet(now: number): void {
    for (const [key, kind] of this.kinds)
      if (kind.suppressed === 0 && now - kind.loggedAt >= this.intervalMs) this.kinds.delete(key);
  }
}

function kindOf(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  return `${name}: ${messageOf(error).slice(0, 200)}`;
}
