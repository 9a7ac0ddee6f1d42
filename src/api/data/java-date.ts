/**
 * `java.util.Date.toString()` in UTC, for the places Connect prints a Date with `toString`
 * (java-text.ts's javaToString, a Struct's or list's display in struct.ts, FileStreamSink's lines).
 * Its own module so that struct.ts can use it without importing java-text.ts, which imports Struct.
 */
import { calendarFields } from "./gregorian-calendar.ts";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * `java.util.Date.toString()` in UTC: `Mon Jan 15 12:34:56 UTC 2024`; Julian before 1582-10-15, and
 * the year of the era without the era (1 BC prints as 1).
 */
export function javaDateToString(date: Date): string {
  const c = calendarFields(date.getTime());
  return (
    `${DAYS[c.weekday]} ${MONTHS[c.month]} ${pad2(c.day)} ` +
    `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())} UTC ${c.year > 0 ? c.year : 1 - c.year}`
  );
}
