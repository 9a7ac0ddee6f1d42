/**
 * When polls start. `interval`: a fixed rate, one poll every `http.timer.interval.ms` measured from
 * the previous poll's start (a poll that overruns is followed at once). `cron`: the next fire time
 * of a Quartz-style expression in its time zone, across DST changes as Quartz (cron-runs.ts). A restarted task continues from the last
 * poll time stored with the offset; without one, an interval schedule polls at once and a cron
 * schedule waits for its next fire time.
 *
 * An interval's poll times are on the task clock's monotonic reading, so a step of the host's clock
 * neither delays nor hastens a poll; cron fire times are wall-clock instants by nature, and follow
 * a step. A stored poll time is a wall-clock time: it is related to now when the task starts.
 */
import { type Clock, type Moment, monotonicNow } from "../../util/clock.ts";
import type { HttpSourceConfig } from "./config.ts";
import { cronRuns } from "./cron-runs.ts";

/** Poll times are on the schedule's own reading of a clock (`now`): compare them only with it. */
export interface Schedule {
  /** The first poll time for a task starting `now` whose last recorded poll started at `lastPoll` (wall clock). */
  first(now: Moment, lastPoll: number | undefined): number;
  /** The poll after one that started at `started`. */
  next(started: Moment): number;
  /** The clock's reading poll times are on. */
  now(clock: Clock): number;
}

export function intervalSchedule(intervalMs: number): Schedule {
  return {
    first: (now, last) =>
      now.monotonic + (last === undefined ? 0 : Math.min(Math.max(0, last + intervalMs - now.wall), intervalMs)),
    next: (started) => started.monotonic + intervalMs,
    now: (clock) => monotonicNow(clock),
  };
}

export function cronSchedule(expression: string, timezone: string): Schedule {
  const cron = cronRuns(expression, timezone);
  const after = (ms: number) => cron.nextRun(new Date(ms))?.getTime() ?? Number.POSITIVE_INFINITY;
  return {
    first: ({ wall: now }, last) =>
      last === undefined ? after(now) : Math.max(now, Math.min(after(last), after(now))),
    next: (started) => after(started.wall),
    now: (clock) => clock.now(),
  };
}

/** The schedule of a parsed config (`http.timer.type`). */
export function scheduleOf(c: HttpSourceConfig): Schedule {
  return c["http.timer.type"].toLowerCase() === "cron"
    ? cronSchedule(c["http.timer.cron.expression"] ?? "", c["http.timer.cron.timezone"])
    : intervalSchedule(c["http.timer.interval.ms"]);
}
