/**
 * RepeatLimiter: lets each kind of a repeating log line through once per interval and counts the
 * ones in between, so the next line of that kind can say how many were not logged. No timer: a
 * kind that stops occurring leaves its count unlogged. Used where one cause can log for every
 * request or retry (ingest's internal errors, the kafkajs client's connection errors in an outage,
 * the HTTP connectors' retries of an endpoint that is down: `warnLimited` with `taskWarnings`).
 */
import { type Clock, monotonicNow } from "./clock.ts";
import type { Logger } from "./logger.ts";

/** How often a repeated WARN of an HTTP connector's task (a retry, a page retried at the next poll) is logged. */
export const REPEATED_WARN_EVERY_MS = 60_000;

/** The RepeatLimiter of one HTTP connector task's repeated WARNs: each kind at most once a minute. */
export function taskWarnings(clock: Clock): RepeatLimiter {
  return new RepeatLimiter(() => monotonicNow(clock), REPEATED_WARN_EVERY_MS);
}

/** Kinds remembered at once; beyond, further kinds share one entry (their texts can vary without bound). */
const MAX_KINDS = 256;
const OTHER_KINDS = "(other kinds)";

interface Kind {
  /** When it was last let through (monotonic ms). */
  loggedAt: number;
  /** Occurrences since then that were not. */
  suppressed: number;
}

/** What a let-through occurrence reports: how many of its kind were not logged, over how long. */
export interface Admitted {
  readonly suppressed: number;
  readonly sinceMs: number;
}

export class RepeatLimiter {
  private readonly kinds = new Map<string, Kind>();

  /** `now`: ms on a clock that does not step back (`monotonicNow(clock)`; a test's own). */
  constructor(
    private readonly now: () => number,
    readonly intervalMs: number,
  ) {}

  /** The occurrence of `kind` now: undefined when it is only counted, else what to say with it. */
  admit(kind: string): Admitted | undefined {
    const now = this.now();
    let key = kind;
    let entry = this.kinds.get(key);
    if (entry === undefined && this.kinds.size >= MAX_KINDS) {
      this.forgetQuiet(now);
      if (this.kinds.size >= MAX_KINDS) {
        key = OTHER_KINDS;
        entry = this.kinds.get(key);
      }
    }
    if (entry !== undefined && now - entry.loggedAt < this.intervalMs) {
      entry.suppressed++;
      return undefined;
    }
    this.kinds.set(key, { loggedAt: now, suppressed: 0 });
    return { suppressed: entry?.suppressed ?? 0, sinceMs: entry === undefined ? 0 : now - entry.loggedAt };
  }

  /** Drops kinds not seen for an interval and with nothing left to report. */
  private forgetQuiet(now: number): void {
    for (const [key, entry] of this.kinds)
      if (entry.suppressed === 0 && now - entry.loggedAt >= this.intervalMs) this.kinds.delete(key);
  }
}

/** ` (and N more like it in the last S s, not logged)` for an occurrence that follows suppressed ones, else ``. */
export function suppressedNote(admitted: Admitted): string {
  return admitted.suppressed > 0
    ? ` (and ${admitted.suppressed} more like it in the last ${Math.round(admitted.sinceMs / 1000)} s, not logged)`
    : "";
}

/** WARNs `message` when `limiter` lets this occurrence of `kind` through (saying how many were not logged), else nothing. */
export function warnLimited(log: Logger, limiter: RepeatLimiter, kind: string, message: string): void {
  const admitted = limiter.admit(kind);
  if (admitted !== undefined) log.warn(`${message}${suppressedNote(admitted)}`);
}
