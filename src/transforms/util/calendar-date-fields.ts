/**
 * The date fields SimpleDateFormat sets while parsing (its CalendarBuilder) and the day
 * java.util.GregorianCalendar makes of them, in the US locale Connect's JVM defaults to (weeks
 * start on Sunday, week 1 holds January 1), leniently. Which fields count is decided by the order
 * they were parsed in, as Calendar.selectFields does: the most recent complete combination wins
 * among month + day of month, month + week of month + day of week, month + day of week in month
 * (+ day of week), week of year + day of week, and day of year; a week year (`Y`) parsed after any
 * `y` makes the date a week date (CalendarBuilder.establish, GregorianCalendar.setWeekDate), which
 * the other date fields cannot move. Recorded from Connect 4.3.1's TimestampConverter in
 * test/fixtures/transforms (CasesE.java). Used by date-field-parse.ts.
 */
import { calendarMillis, yearStartMillis } from "../../api/data/gregorian-calendar.ts";

const MS_PER_DAY = 86_400_000;
/** Calendar.SUNDAY: the first day of the week in the US locale. */
const SUNDAY = 1;
/** The fixed date (days from 0001-01-01 proleptic Gregorian, a Monday, as 1) of 1970-01-01. */
const FIXED_EPOCH = 719_163;

export const ERA = 0;
export const YEAR = 1;
export const MONTH = 2;
export const DAY_OF_MONTH = 3;
export const DAY_OF_YEAR = 4;
/** Calendar's numbering: 1 Sunday … 7 Saturday (values outside it are taken modulo 7 leniently). */
export const DAY_OF_WEEK = 5;
export const WEEK_OF_YEAR = 6;
export const WEEK_OF_MONTH = 7;
export const DAY_OF_WEEK_IN_MONTH = 8;
export const WEEK_YEAR = 9;

/** The date fields parsed so far, each with the order it was set in (0: not set). */
export class CalendarDateFields {
  private readonly values: number[] = [1, 1970, 0, 1, 1, SUNDAY, 1, 1, 1, 1970];
  private readonly stamps: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  private nextStamp = 1;

  set(field: number, value: number): void {
    this.values[field] = value;
    this.stamps[field] = this.nextStamp++;
  }

  /** `u`: ISO day number (1 Monday … 7 Sunday) as Calendar's DAY_OF_WEEK; other numbers kept as they are. */
  setIsoDayOfWeek(value: number): void {
    this.set(DAY_OF_WEEK, value >= 1 && value <= 7 ? (value % 7) + 1 : value);
  }

  get(field: number): number {
    return this.values[field]!;
  }

  stamp(field: number): number {
    return this.stamps[field]!;
  }

  /** Days since 1970-01-01 of the date the fields resolve to. */
  epochDay(): number {
    const st = this.stamps;
    // The common patterns (year, month, day of month; a day of week beside them): what resolvedDay
    // finds, without its bookkeeping.
    if (
      st[WEEK_YEAR] === 0 &&
      st[WEEK_OF_YEAR] === 0 &&
      st[WEEK_OF_MONTH] === 0 &&
      st[DAY_OF_WEEK_IN_MONTH] === 0 &&
      st[DAY_OF_YEAR] === 0 &&
      (st[DAY_OF_WEEK] === 0 || st[DAY_OF_MONTH]! > 0)
    ) {
      const year = this.era() === 0 ? 1 - this.get(YEAR) : this.get(YEAR);
      return calendarMillis(year, this.get(MONTH), this.get(DAY_OF_MONTH), 0) / MS_PER_DAY;
    }
    const weekDate = this.stamp(WEEK_YEAR) > this.stamp(YEAR);
    return weekDate ? this.weekDateDay() : this.resolvedDay();
  }

  /** CalendarBuilder.establish then GregorianCalendar.setWeekDate, leniently. */
  private weekDateDay(): number {
    let week = this.stamp(WEEK_OF_YEAR) > 0 ? this.get(WEEK_OF_YEAR) : 1;
    let dayOfWeek = this.stamp(DAY_OF_WEEK) > 0 ? this.get(DAY_OF_WEEK) : SUNDAY;
    if (dayOfWeek < 1 || dayOfWeek > 7) {
      // establish: an out-of-range day is read as an ISO day number carried into the weeks.
      if (dayOfWeek >= 8) {
        dayOfWeek--;
        week += Math.trunc(dayOfWeek / 7);
        dayOfWeek = (dayOfWeek % 7) + 1;
      } else {
        // Java adds 7 until the day is positive, a week back each time; in one step (a parsed
        // number may be far beyond an int here, and a loop would hold the event loop for hours).
        const weeks = Math.ceil((1 - dayOfWeek) / 7);
        dayOfWeek += 7 * weeks;
        week -= weeks;
      }
      dayOfWeek = (dayOfWeek % 7) + 1;
    }
    const year = this.era() === 0 ? 1 - this.get(WEEK_YEAR) : this.get(WEEK_YEAR);
    const jan1 = yearStartMillis(year) / MS_PER_DAY;
    return dayOfWeekOnOrBefore(jan1, SUNDAY) + (dayOfWeek - SUNDAY) + 7 * (week - 1);
  }

  /** The era setWeekDate keeps: the parsed one (AD unless `G` said BC). */
  private era(): number {
    return this.stamp(ERA) > 0 ? this.get(ERA) : 1;
  }

  /** Calendar.selectFields and GregorianCalendar.getFixedDate. */
  private resolvedDay(): number {
    const s = (field: number) => this.stamp(field);
    const both = (a: number, b: number) => (a === 0 || b === 0 ? 0 : Math.max(a, b));
    const dowStamp = s(DAY_OF_WEEK);
    let domStamp = s(DAY_OF_MONTH);
    let womStamp = both(s(WEEK_OF_MONTH), dowStamp);
    let dowimStamp = both(s(DAY_OF_WEEK_IN_MONTH), dowStamp);
    const doyStamp = s(DAY_OF_YEAR);
    let woyStamp = both(s(WEEK_OF_YEAR), dowStamp);
    let best = Math.max(domStamp, womStamp, dowimStamp, doyStamp, woyStamp);
    if (best === 0) {
      // No complete combination: a week field alone, or a day of week alone as its first in the month.
      womStamp = s(WEEK_OF_MONTH);
      dowimStamp = Math.max(s(DAY_OF_WEEK_IN_MONTH), dowStamp);
      woyStamp = s(WEEK_OF_YEAR);
      best = Math.max(womStamp, dowimStamp, woyStamp);
      if (best === 0) {
        domStamp = s(MONTH);
        best = domStamp;
      }
    }
    const year = this.era() === 0 ? 1 - this.get(YEAR) : this.get(YEAR);
    const dayOfWeek = dowStamp > 0 ? this.get(DAY_OF_WEEK) : SUNDAY;
    const inMonth =
      best === domStamp ||
      (best === womStamp && s(WEEK_OF_MONTH) >= s(WEEK_OF_YEAR)) ||
      (best === dowimStamp && s(DAY_OF_WEEK_IN_MONTH) >= s(WEEK_OF_YEAR));
    if (!inMonth) {
      const jan1 = yearStartMillis(year) / MS_PER_DAY;
      if (best === doyStamp) return jan1 + this.get(DAY_OF_YEAR) - 1;
      let weekStart = firstWeekStart(jan1);
      if (dowStamp > 0 && dayOfWeek !== SUNDAY) weekStart = dayOfWeekOnOrBefore(weekStart + 6, dayOfWeek);
      return weekStart + 7 * (this.get(WEEK_OF_YEAR) - 1);
    }
    const month = s(MONTH) > 0 ? this.get(MONTH) : 0;
    if (best === domStamp) {
      return calendarMillis(year, month, s(DAY_OF_MONTH) > 0 ? this.get(DAY_OF_MONTH) : 1, 0) / MS_PER_DAY;
    }
    const first = calendarMillis(year, month, 1, 0) / MS_PER_DAY;
    const byWeekOfMonth = womStamp === dowimStamp ? s(WEEK_OF_MONTH) >= s(DAY_OF_WEEK_IN_MONTH) : best === womStamp;
    if (byWeekOfMonth) {
      let weekStart = firstWeekStart(first);
      if (dowStamp > 0) weekStart = dayOfWeekOnOrBefore(weekStart + 6, dayOfWeek);
      return weekStart + 7 * (this.get(WEEK_OF_MONTH) - 1);
    }
    const nth = s(DAY_OF_WEEK_IN_MONTH) > 0 ? this.get(DAY_OF_WEEK_IN_MONTH) : 1;
    if (nth >= 0) return dayOfWeekOnOrBefore(first + 7 * nth - 1, dayOfWeek);
    const monthLength = calendarMillis(year, month + 1, 1, 0) / MS_PER_DAY - first;
    return dayOfWeekOnOrBefore(first + monthLength + 7 * (nth + 1) - 1, dayOfWeek);
  }
}

/** The first day of week 1 of the month or year starting on `firstDay` (minimal days in the first week: 1). */
function firstWeekStart(firstDay: number): number {
  const start = dayOfWeekOnOrBefore(firstDay + 6, SUNDAY);
  return start - firstDay >= 1 ? start - 7 : start;
}

/** BaseCalendar.getDayOfWeekDateOnOrBefore on epoch days; `dayOfWeek` 1 Sunday … 7 Saturday, any integer modulo 7. */
function dayOfWeekOnOrBefore(epochDay: number, dayOfWeek: number): number {
  const shifted = epochDay + FIXED_EPOCH - (dayOfWeek - 1);
  return epochDay - (((shifted % 7) + 7) % 7);
}
