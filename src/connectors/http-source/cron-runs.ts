/**
 * The fire times of a Quartz `http.timer.cron.expression` in its time zone, by croner (the
 * expression rewritten by quartz-cron.ts). Quartz's `L-n` day of month (the month's last day minus
 * n) is computed here, not with croner's dayOffset, which moves each last-day fire time by n × 24 h:
 * an hour off when a DST change falls between the two days, and into the month before where the
 * month has no such day (`L-30` in February ran on 30 January). The months the expression allows are
 * found with croner's `L`; in each, the day lastDay − n is asked for in the zone, and a month without
 * it is skipped, as Quartz skips it. Used by schedule.ts and config-checks.ts (validation).
 */
import { Cron } from "croner";
import { daysBeforeLastDay, quartzForCroner } from "./quartz-cron.ts";

export interface CronRuns {
  /** The first fire time after `after`, or null when there is none. */
  nextRun(after: Date): Date | null;
}

/** A month whose last day runs have all passed: the next month's last day is 27 days or more on. */
const PAST_LAST_DAY_MS = 25 * 3600_000;
/** Months looked at for one fire time (a leap day's February recurs within 8 years). */
const MAX_MONTHS = 12 * 9;

/** Croner options for Quartz-style expressions (seconds field, `?`, `0/5` steps, 1 = Sunday). */
function cronOptions(timezone: string) {
  return { paused: true, timezone, sloppyRanges: true, alternativeWeekdays: true } as const;
}

export function cronRuns(expression: string, timezone: string): CronRuns {
  const fields = quartzForCroner(expression).split(" ");
  const cron = new Cron(fields.join(" "), cronOptions(timezone));
  const n = daysBeforeLastDay(expression);
  if (n === 0) return cron;
  const months = new Intl.DateTimeFormat("en-US", { timeZone: timezone, year: "numeric", month: "numeric" });
  return {
    nextRun(after) {
      let from = after;
      for (let i = 0; i < MAX_MONTHS; i++) {
        const last = cron.nextRun(from); // on the last day of a month the expression allows
        if (last === null) return null;
        const part = (type: string) => Number(months.formatToParts(last).find((p) => p.type === type)?.value);
        const [year, month] = [part("year"), part("month")];
        const day = new Date(Date.UTC(year, month, 0)).getUTCDate() - n;
        if (day >= 1) {
          const exact = [...fields.slice(0, 3), day, month, "?", year].join(" ");
          const run = new Cron(exact, cronOptions(timezone)).nextRun(after);
          if (run !== null) return run;
        }
        from = new Date(last.getTime() + PAST_LAST_DAY_MS);
      }
      return null;
    },
  };
}
