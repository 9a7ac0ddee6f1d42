/**
 * Formats one SimpleDateFormat pattern field of a date, in UTC. Used by SimpleDateFormat.format.
 */
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
function weekOfYear(date: Date): { week: number; weekYear: number } {
  const year = date.getUTCFullYear();
  const day = Date.UTC(year, date.getUTCMonth(), date.getUTCDate());
  const sunday = day - date.getUTCDay() * MS_PER_DAY;
  if (sunday + 7 * MS_PER_DAY > Date.UTC(year + 1, 0, 1)) return { week: 1, weekYear: year + 1 };
  const jan1 = Date.UTC(year, 0, 1);
  const firstSunday = jan1 - new Date(jan1).getUTCDay() * MS_PER_DAY;
  return { week: Math.floor((sunday - firstSunday) / (7 * MS_PER_DAY)) + 1, weekYear: year };
}

export function formatField(date: Date, letter: string, count: number): string {
  const year = date.getUTCFullYear();
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
      const month = date.getUTCMonth();
      if (count >= 4) return MONTHS[month]!;
      if (count === 3) return MONTHS[month]!.slice(0, 3);
      return pad(month + 1, count);
    }
    case "d":
      return pad(date.getUTCDate(), count);
    case "D":
      return pad(Math.floor((date.getTime() - Date.UTC(year, 0, 1)) / MS_PER_DAY) + 1, count);
    case "E": {
      const day = DAYS[date.getUTCDay()]!;
      return count >= 4 ? day : day.slice(0, 3);
    }
    case "u":
      return pad(date.getUTCDay() === 0 ? 7 : date.getUTCDay(), count);
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
      const weekYear = weekOfYear(date).weekYear;
      return count === 2 ? pad(weekYear % 100, 2) : pad(weekYear, count);
    }
    case "w":
      return pad(weekOfYear(date).week, count);
    case "W":
      return pad(
        Math.floor((date.getUTCDate() - 1 + new Date(Date.UTC(year, date.getUTCMonth(), 1)).getUTCDay()) / 7) + 1,
        count,
      );
    case "F":
      return pad(Math.floor((date.getUTCDate() - 1) / 7) + 1, count);
    case "z":
      return count >= 4 ? "Coordinated Universal Time" : "UTC";
    case "Z":
      return "+0000";
    default:
      return "Z"; // X: ISO 8601 zone, always UTC here
  }
}
