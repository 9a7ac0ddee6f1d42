/**
 * FailureLogBudget: how much of a failure that repeats for as long as Kafka is unreachable gets logged. The first
 * five are logged, then one a minute that says how many it did not log; a success starts it over. Used by a source
 * task's send retries (send-recovery.ts, one budget per recovery) and a sink task's failing offset commits
 * (sink-offset-commit.ts): a broker down for a day would otherwise log a line, or a whole trace, every retry of every task.
 */
import { type Clock, monotonicNow } from "./clock.ts";

/** Failures logged each before they thin out to one every LOG_EVERY_MS. */
const LOGGED_EACH = 5;
const LOG_EVERY_MS = 60_000;

/** A failure the budget lets through: how many it logged before (0: the first) and how many since it did not. */
export interface LoggedFailure {
  readonly logged: number;
  readonly unlogged: number;
  /** Past the first five: one of the lines a minute, which say the count and leave the trace out. */
  readonly thinned: boolean;
}

export class FailureLogBudget {
  private logged = 0;
  private loggedAt = 0;
  private unlogged = 0;

  constructor(private readonly clock: Clock) {}

  /** A failure now: what to log it with, or undefined when it is only counted. */
  admit(): LoggedFailure | undefined {
    const now = monotonicNow(this.clock);
    if (this.logged >= LOGGED_EACH && now - this.loggedAt < LOG_EVERY_MS) {
      this.unlogged++;
      return undefined;
    }
    const admitted = { logged: this.logged, unlogged: this.unlogged, thinned: this.logged >= LOGGED_EACH };
    this.logged++;
    this.loggedAt = now;
    this.unlogged = 0;
    return admitted;
  }

  /** Failures counted, not logged, since the last one logged (no later line says them unless the caller does). */
  get notLogged(): number {
    return this.unlogged;
  }

  /** The failures ended (a success): the next is logged as the first. Returns how many were left unlogged. */
  reset(): number {
    const unlogged = this.unlogged;
    this.logged = 0;
    this.unlogged = 0;
    return unlogged;
  }
}

/** ` (N failed <what>s not logged)` for a count of failures left unlogged, or nothing. */
export function notLoggedNote(unlogged: number, what: string): string {
  return unlogged > 0 ? ` (${unlogged} failed ${what}${unlogged === 1 ? "" : "s"} not logged)` : "";
}
