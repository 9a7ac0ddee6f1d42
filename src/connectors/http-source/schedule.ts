/**
 * When polls start. `interval`: a fixed rate, one poll every `http.timer.interval.ms` measured from
 * the previous poll's start (a poll that overruns is followed at once). `cron`: the next fire time
 * of a Quartz-style expression in its time zone, across DST changes as Quartz (cron-runs.ts). A restarted task continues from the last
 * poll time stored with the offset; without one, an interval schedule polls at once and a cron
 * schedule waits for its next fire time. An interrupted poll that starts over (restore.ts) does so
 * at once on either, as a resumed one goes on at once.
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
  /** `moment` on that reading. */
  at(moment: Moment): number;
}

/** The first poll time of a task starting `now` (restore.ts's Restored): at once for a poll started over. */
export function firstPoll(
  schedule: Schedule,
  now: Moment,
  restored: { readonly pollTime: number | undefined; readonly startsOver?: true },
): number {
  return restored.startsOver ? schedule.at(now) : schedule.first(now, restored.pollTime);
}

export function intervalSchedule(intervalMs: number): Schedule {
  return {
    first: (now, last) =>
      now.monotonic + (last === undefined ? 0 : Math.min(Math.max(0, last + intervalMs - now.wall), intervalMs)),
    next: (started) => started.monotonic + intervalMs,
    now: (clock) => monotonicNow(clock),
    at: (moment) => moment.monotonic,
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
    at: (moment) => moment.wall,
  };
}

/** The schedule of a parsed config (`http.timer.type`). */
export function scheduleOf(c: HttpSourceConfig): Schedule {
  return c["http.timer.type"].toLowerCase() === "cron"
    ? cronSchedule(c["http.timer.cron.expression"] ?? "", c["http.timer.cron.timezone"])
    : intervalSchedule(c["http.timer.interval.ms"]);
}
