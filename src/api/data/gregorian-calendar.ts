/**
 * java.util.GregorianCalendar's hybrid calendar in UTC, which SimpleDateFormat formats and parses
 * with: Julian before 1582-10-15 (the Gregorian cutover, when ten days were skipped), Gregorian from
 * then on. JavaScript's Date is proleptic Gregorian, so a date before the cutover (a "0001-01-01"
 * sentinel, say) would otherwise be two days off. Used by SimpleDateFormat (transforms/util) and
 * Values.parseString (values.ts).
 */

const MS_PER_DAY = 86_400_000;
/** 1582-10-15T00:00:00Z, the first Gregorian day (the day after Julian 1582-10-04). */
const GREGORIAN_CUTOVER_MS = -12_219_292_800_000;
const CUTOVER_YEAR = 1582;
/** Julian day number of 1970-01-01. */
const EPOCH_JDN = 2_440_588;

/** The calendar fields of an instant: astronomical year (0 is 1 BC), month 0–11, day of month. */
export interface CalendarFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly dayOfYear: number;
  /** Which day of its month this is, counting from 1: `day` except after the cutover in October 1582. */
  readonly dayOfMonthIndex: number;
  readonly weekday: number;
}

/** Julian day number of a Julian calendar date (month 1–12); days may overflow. */
function julianJdn(year: number, month: number, day: number): number {
  const a = Math.floor((14 - month) / 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return day + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - 32083;
}

function julianDate(jdn: number): { year: number; month: number; day: number } {
  const c = jdn + 32082;
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return {
    day: e - Math.floor((153 * m + 2) / 5) + 1,
    month: m + 3 - 12 * Math.floor(m / 10),
    year: d - 4800 + Math.floor(m / 10),
  };
}

/** Midnight UTC of January 1 of `year` in the hybrid calendar. */
export function yearStartMillis(year: number): number {
  return calendarMillis(year, 0, 1, 0);
}

export function calendarFields(ms: number): CalendarFields {
  const d = new Date(ms);
  const weekday = d.getUTCDay();
  if (ms >= GREGORIAN_CUTOVER_MS) {
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth();
    const day = d.getUTCDate();
    let dayOfYear = Math.floor((ms - Date.UTC(year, 0, 1)) / MS_PER_DAY) + 1;
    if (year === CUTOVER_YEAR) dayOfYear -= 10;
    const dayOfMonthIndex = year === CUTOVER_YEAR && month === 9 ? day - 10 : day;
    return { year, month, day, dayOfYear, dayOfMonthIndex, weekday };
  }
  const jdn = Math.floor(ms / MS_PER_DAY) + EPOCH_JDN;
  const { year, month, day } = julianDate(jdn);
  return { year, month: month - 1, day, dayOfYear: jdn - julianJdn(year, 1, 1) + 1, dayOfMonthIndex: day, weekday };
}

/**
 * The instant of a date as lenient GregorianCalendar computes it: months, days and the time of day
 * out of range roll over; a date before the cutover (the skipped days included) is read as Julian,
 * and so is any date whose year field is before 1582, wherever its months roll it (1575-99-09 is
 * the Julian one, in 1583), as GregorianCalendar.computeTime picks the calendar by that field.
 */
export function calendarMillis(year: number, month: number, day: number, timeOfDayMs: number): number {
  const y = year + Math.floor(month / 12);
  const m = ((month % 12) + 12) % 12;
  const days = Math.floor(timeOfDayMs / MS_PER_DAY);
  const time = timeOfDayMs - days * MS_PER_DAY;
  const julian = () => (julianJdn(y, m + 1, day) - EPOCH_JDN + days) * MS_PER_DAY + time;
  if (year < CUTOVER_YEAR) return julian();
  const gregorian = gregorianMillis(y, m, day + days, 0);
  return gregorian >= GREGORIAN_CUTOVER_MS ? gregorian + time : julian();
}

function gregorianMillis(year: number, month: number, day: number, timeOfDayMs: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime() + timeOfDayMs;
}
