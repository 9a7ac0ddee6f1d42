/**
 * Formats one SimpleDateFormat pattern field of a date, in UTC. Used by SimpleDateFormat.format,
 * which computes the date's calendar fields once for all its pattern's fields.
 */

import { type CalendarFields, yearStartMillis } from "../../api/data/gregorian-calendar.ts";
import { DAYS, MONTHS } from "./date-pattern.ts";

const MS_PER_DAY = 86_400_000;

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, "0");
  return n < 0 ? `-${s}` : s;
}

/**
 * The week of the year as java.util.GregorianCalendar counts it in the US locale: weeks start on
 * Sunday and week 1 is the one holding January 1, so the last days of December can be in week 1 of
 * the next year.
 */
function weekOfYear(ms: number, c: CalendarFields): { week: number; weekYear: number } {
  const day = ms - (((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
  const sunday = day - c.weekday * MS_PER_DAY;
  if (sunday + 7 * MS_PER_DAY > yearStartMillis(c.year + 1)) return { week: 1, weekYear: c.year + 1 };
  const jan1 = yearStartMillis(c.year);
  const firstSunday = jan1 - new Date(jan1).getUTCDay() * MS_PER_DAY;
  return { week: Math.floor((sunday - firstSunday) / (7 * MS_PER_DAY)) + 1, weekYear: c.year };
}

/** One field of `date`, whose calendar fields (gregorian-calendar.ts calendarFields) are `c`. */
export function formatField(date: Date, c: CalendarFields, letter: string, count: number): string {
  const year = c.year;
  const hours = date.getUTCHours();
  switch (letter) {
    case "G":
      return year > 0 ? "AD" : "BC";
    case "y": {
      const yearOfEra = year > 0 ? year : 1 - year;
      return count === 2 ? pad(yearOfEra % 100, 2) : pad(yearOfEra, count);
    }
    case "M":
    case "L": {
      const month = c.month;
      if (count >= 4) return MONTHS[month]!;
      if (count === 3) return MONTHS[month]!.slice(0, 3);
      return pad(month + 1, count);
    }
    case "d":
      return pad(c.day, count);
    case "D":
      return pad(c.dayOfYear, count);
    case "E": {
      const day = DAYS[c.weekday]!;
      return count >= 4 ? day : day.slice(0, 3);
    }
    case "u":
      return pad(c.weekday === 0 ? 7 : c.weekday, count);
    case "a":
      return hours < 12 ? "AM" : "PM";
    case "H":
      return pad(hours, count);
    case "k":
      return pad(hours === 0 ? 24 : hours, count);
    case "K":
      return pad(hours % 12, count);
    case "h":
      return pad(hours % 12 === 0 ? 12 : hours % 12, count);
    case "m":
      return pad(date.getUTCMinutes(), count);
    case "s":
      return pad(date.getUTCSeconds(), count);
    case "S":
      return pad(date.getUTCMilliseconds(), count);
    case "Y": {
      const weekYear = weekOfYear(date.getTime(), c).weekYear;
      return count === 2 ? pad(weekYear % 100, 2) : pad(weekYear, count);
    }
    case "w":
      return pad(weekOfYear(date.getTime(), c).week, count);
    case "W":
      return pad(
        Math.floor((c.dayOfMonthIndex - 1 + ((((c.weekday - (c.dayOfMonthIndex - 1)) % 7) + 7) % 7)) / 7) + 1,
        count,
      );
    case "F":
      return pad(Math.floor((c.dayOfMonthIndex - 1) / 7) + 1, count);
    case "z":
      return count >= 4 ? "Coordinated Universal Time" : "UTC";
    case "Z":
      return "+0000";
    default:
      return "Z"; // X: ISO 8601 zone, always UTC here
  }
}
