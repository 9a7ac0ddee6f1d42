/**
 * Quartz cron syntax croner does not read, rewritten to what it does (same fire times): a range that
 * wraps around its field (`22-2` hours, `FRI-MON`, `11-2` months: Quartz runs on to the field's
 * end and on from its start) becomes two ranges, and `L` alone as the day of week (Quartz: the
 * last day of the week, Saturday) becomes `7`, and `L-3` as the day of month (the month's last day
 * minus 3) becomes `L`, its months' day found by cron-runs.ts. Everything else is passed on as written, so croner
 * still refuses what it cannot read, with its own message. Used by schedule.ts and config-checks.ts.
 * Quartz also refuses what croner reads: other than 6 or 7 fields, a day of month and a day of
 * week both given, or both `?` (quartzOnlyProblem).
 */

/** Per field (seconds, minutes, hours, day of month, month, day of week): its first and last value. */
const BOUNDS: readonly (readonly [number, number])[] = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [1, 7],
];
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const DAY_OF_MONTH_FIELD = 3;
const MONTH_FIELD = 4;
const DAY_OF_WEEK_FIELD = 5;

function fieldValueOf(text: string, field: number): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const names = field === MONTH_FIELD ? MONTHS : field === DAY_OF_WEEK_FIELD ? DAYS : [];
  const at = names.indexOf(text.toUpperCase());
  return at < 0 ? undefined : at + 1;
}

function unwrapped(part: string, field: number): string {
  const range = /^([A-Za-z]+|\d+)-([A-Za-z]+|\d+)$/.exec(part);
  const bounds = BOUNDS[field];
  if (!range || !bounds) return part;
  const from = fieldValueOf(range[1]!, field);
  const to = fieldValueOf(range[2]!, field);
  if (from === undefined || to === undefined || from <= to) return part;
  const [first, last] = bounds;
  return `${from}-${last},${first}-${to}`;
}

/** Quartz's `L-n` day of month: n days (at most 30) before the month's last day. */
const LAST_DAY_OFFSET = /^L-(\d+)$/i;

/**
 * `expression` (Quartz, with seconds) in the form croner reads with the gateway's options (an
 * `L-n` as `L`: cron-runs.ts). Throws, naming the field, what cannot be rewritten: an `L-n` in a
 * list or with `W`, or an offset beyond 30 days.
 */
export function quartzForCroner(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  return fields
    .map((field, i) => {
      if (i === DAY_OF_WEEK_FIELD && field.toUpperCase() === "L") return "7";
      if (i === DAY_OF_MONTH_FIELD && /L-/i.test(field)) return lastDay(field);
      return field
        .split(",")
        .map((part) => unwrapped(part, i))
        .join(",");
    })
    .join(" ");
}

/** A day-of-month `L-n` as croner's `L` (the months cron-runs.ts looks in), or why it cannot be one. */
function lastDay(field: string): string {
  const offset = LAST_DAY_OFFSET.exec(field);
  if (!offset)
    throw new Error(
      `day-of-month '${field}': an offset from the last day of the month (L-n) is supported as the whole field only, not in a list or with W`,
    );
  if (Number(offset[1]) > 30) throw new Error(`day-of-month '${field}': the offset from the last day must be <= 30`);
  return "L";
}

/** n of a day-of-month `L-n` (Quartz: n days before the month's last day; cron-runs.ts), else 0. */
export function daysBeforeLastDay(expression: string): number {
  const offset = LAST_DAY_OFFSET.exec(expression.trim().split(/\s+/)[DAY_OF_MONTH_FIELD] ?? "");
  return offset ? Number(offset[1]) : 0;
}

/**
 * What Quartz refuses but croner reads (undefined when nothing): a count of fields other than 6 or
 * 7 (croner reads 5 as Unix cron, without seconds: `0 12 * * *` would run daily at 12:00 where
 * Quartz refuses it), then a day-of-month and a day-of-week both given (croner fires on either day)
 * or both `?`: exactly one of them must be `?`. Refused at validation; a config stored before these
 * rules still starts, with a WARN (the descriptor's validationOnly: validation-only.ts, quartzCronProblems).
 */
export function quartzOnlyProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length < 6 || fields.length > 7)
    return `A Quartz cron expression has 6 or 7 fields (seconds, minutes, hours, day-of-month, month, day-of-week, optional year); this one has ${fields.length}${fields.length === 5 ? " (a Unix cron expression? '0 */5 * * * ?' is every 5 minutes)" : ""}`;
  const dayOfMonth = fields[DAY_OF_MONTH_FIELD]!;
  const dayOfWeek = fields[DAY_OF_WEEK_FIELD]!;
  const weekday = dayOfWeekProblem(dayOfWeek);
  if (weekday !== undefined) return weekday;
  if (dayOfMonth.includes("?") !== dayOfWeek.includes("?")) return undefined;
  return "Support for specifying both a day-of-week AND a day-of-month parameter is not implemented.";
}

/**
 * Quartz's refusal of a day-of-week value outside 1-7 (`8`, `6-8`, `0#1`: croner reads 0-7, so `8`
 * ran on Sundays and `0` was refused in croner's shifted words, `dayOfWeek: -1`) or of an nth
 * weekday other than 1-5 (`MON#6`), in Quartz's words; undefined when its values are in range.
 */
function dayOfWeekProblem(field: string): string | undefined {
  for (const part of field.split(",")) {
    const [days = "", nth] = part.replace(/\/\d+$/, "").split("#");
    if (nth !== undefined && !/^[1-5]$/.test(nth)) return "A numeric value between 1 and 5 must follow the '#' option";
    for (const day of days.replace(/L$/i, "").split("-"))
      if (/^\d+$/.test(day) && (Number(day) < 1 || Number(day) > 7))
        return "Day-of-Week values must be between 1 and 7";
  }
  return undefined;
}
