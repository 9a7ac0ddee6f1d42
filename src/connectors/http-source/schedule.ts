/**
 * When polls start. `interval`: a fixed rate, one poll every `http.timer.interval.ms` measured from
 * the previous poll's start (a poll that overruns is followed at once). `cron`: the next fire time
 * of a Quartz-style expression in its time zone (croner). A restarted task continues from the last
 * poll time stored with the offset; without one, an interval schedule polls at once and a cron
 * schedule waits for its next fire time.
 */
import { Cron } from "croner";
import type { HttpSourceConfig } from "./config.ts";
import { cronOptions } from "./config-checks.ts";

export interface Schedule {
  /** The first poll time for a task starting at `nowMs` whose last recorded poll started at `lastPoll`. */
  first(nowMs: number, lastPoll: number | undefined): number;
  /** The poll after one that started at `startedMs`. */
  next(startedMs: number): number;
}

export function intervalSchedule(intervalMs: number): Schedule {
  return {
    first: (now, last) => (last === undefined ? now : Math.min(Math.max(now, last + intervalMs), now + intervalMs)),
    next: (started) => started + intervalMs,
  };
}

export function cronSchedule(expression: string, timezone: string): Schedule {
  const cron = new Cron(expression, cronOptions(timezone));
  const after = (ms: number) => cron.nextRun(new Date(ms))?.getTime() ?? Number.POSITIVE_INFINITY;
  return {
    first: (now, last) => (last === undefined ? after(now) : Math.max(now, Math.min(after(last), after(now)))),
    next: (started) => after(started),
  };
}

/** The schedule of a parsed config (`http.timer.type`). */
export function scheduleOf(c: HttpSourceConfig): Schedule {
  return c["http.timer.type"].toLowerCase() === "cron"
    ? cronSchedule(c["http.timer.cron.expression"] ?? "", c["http.timer.cron.timezone"])
    : intervalSchedule(c["http.timer.interval.ms"]);
}
