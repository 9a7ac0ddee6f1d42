/**
 * The fire times of a Quartz `http.timer.cron.expression` in its time zone, by croner (the
 * expression rewritten by quartz-cron.ts), as Quartz's CronExpression.getTimeAfter finds them.
 * Quartz walks the local date and time (java.util.Calendar) and fires at the first one the
 * expression allows that the zone has, read as Calendar reads it; so does this module:
 * - croner finds the local times the expression allows, read in UTC (no zone shifts them);
 * - a local time a clock set forward skips (a DST gap: `0 30 2 * * ?` on a day 02:00 jumps to 03:00)
 *   does not fire that day: Quartz's Calendar moves it past the gap, to 03:30, whose hour the
 *   expression does not allow, and it goes on to the next day (croner fired at 03:00);
 * - a local time a clock set back repeats (an overlap: 02:30 on a day 03:00 goes back to 02:00) fires
 *   once, at its second instant (standard time): Calendar reads a repeated local time as standard
 *   time, also the time it starts from (croner fired at the first, daylight-saving, instant).
 * Quartz's `L-n` day of month (the month's last day minus n) is computed here: the months the
 * expression allows are found with croner's `L`; in each, the day lastDay − n is asked for, and a
 * month without it is skipped, as Quartz skips it. Used by schedule.ts and config-checks.ts (validation).
 */
import { Cron } from "croner";
import { daysBeforeLastDay, quartzForCroner } from "./quartz-cron.ts";
import { instantsOfLocal, offsetMsAt, type Zone, zoneOf } from "./zone-id.ts";

export interface CronRuns {
  /** The first fire time after `after`, or null when there is none. */
  nextRun(after: Date): Date | null;
}

/** A month whose last day runs have all passed: the next month's last day is 27 days or more on. */
const PAST_LAST_DAY_MS = 25 * 3600_000;
/** Months looked at for one fire time (a leap day's February recurs within 8 years). */
const MAX_MONTHS = 12 * 9;
/** Local times in a gap looked past for one fire time (each skips a whole gap). */
const MAX_GAPS = 1000;

/** Croner options for Quartz-style expressions (seconds field, `?`, `0/5` steps, 1 = Sunday), in local time read as UTC. */
const CRON_OPTIONS = { paused: true, timezone: "UTC", sloppyRanges: true, alternativeWeekdays: true } as const;

/** The local times (their fields read as UTC's) an expression allows: croner, with Quartz's `L-n`. */
function localRuns(expression: string): CronRuns {
  const fields = quartzForCroner(expression).split(" ");
  const cron = new Cron(fields.join(" "), CRON_OPTIONS);
  const n = daysBeforeLastDay(expression);
  if (n === 0) return cron;
  return {
    nextRun(after) {
      let from = after;
      for (let i = 0; i < MAX_MONTHS; i++) {
        const last = cron.nextRun(from); // on the last day of a month the expression allows
        if (last === null) return null;
        const [year, month] = [last.getUTCFullYear(), last.getUTCMonth() + 1];
        const day = new Date(Date.UTC(year, month, 0)).getUTCDate() - n;
        if (day >= 1) {
          const exact = [...fields.slice(0, 3), day, month, "?", year].join(" ");
          const run = new Cron(exact, CRON_OPTIONS).nextRun(after);
          if (run !== null) return run;
        }
        from = new Date(last.getTime() + PAST_LAST_DAY_MS);
      }
      return null;
    },
  };
}

/** The first local time at or after the gap `local` is in that the zone has (its clock set forward to it). */
function gapEnd(local: number, zone: Zone): number {
  // The change is between the instants the local time names with the offsets after and before it.
  let [low, high] = [local - offsetMsAt(zone, local + 86_400_000), local - offsetMsAt(zone, local - 86_400_000)];
  const before = offsetMsAt(zone, low);
  while (high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetMsAt(zone, mid) === before) low = mid;
    else high = mid;
  }
  return high + offsetMsAt(zone, high);
}

/** The zone a Quartz time zone id names (validation has accepted it as Intl's). */
function cronZone(timezone: string): Zone {
  return zoneOf(timezone) ?? { region: timezone };
}

export function cronRuns(expression: string, timezone: string): CronRuns {
  const runs = localRuns(expression);
  const zone = cronZone(timezone);
  return {
    nextRun(after) {
      // Quartz: from the local time of the next whole second (its milliseconds dropped).
      const from = Math.floor(after.getTime() / 1000) * 1000 + 1000;
      let local = from + offsetMsAt(zone, from);
      for (let i = 0; i < MAX_GAPS; i++) {
        const run = runs.nextRun(new Date(local - 1000));
        if (run === null) return null;
        const instants = instantsOfLocal(run.getTime(), zone);
        const last = instants[instants.length - 1];
        if (last !== undefined) return new Date(last);
        local = gapEnd(run.getTime(), zone);
      }
      return null;
    },
  };
}
