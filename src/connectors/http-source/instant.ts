/**
 * The exact instant of a TIMESTAMP offset, as epoch nanoseconds (bigint), so two offsets compare
 * as the instants they name: fractional seconds to the nanosecond (as Java's Instant holds them)
 * and the zone (`Z`, `+02:00`, `-0500`; none: UTC, castorm's parser zone, not the host's: a local
 * reading moved the instants by the host's offset and made a DST gap's hour one with the next). An ISO-8601
 * date and time with a `T` and no white space is read as Java reads it (iso-date-time.ts). Another
 * ISO-8601 text's whole seconds and zone are read by Date.parse, its fraction from the digits; digits past
 * the ninth are dropped; Java's ZonedDateTime text (`…Z[UTC]`) by its offset; a day the month does
 * not have (`2024-02-30 10:00`) is no timestamp, as Java's Instant.parse refuses it, where Date.parse
 * rolls it over (with a `T`, seconds and a zone castorm's default reader takes the month's last day:
 * iso-date-time.ts). Epoch numbers: seconds below 10^11, else milliseconds (an integer of any
 * length is exact, so nanosecond integers compare to the last digit); a decimal fraction counts to
 * the nanosecond. Any other text Date.parse reads (RFC 1123, `2024/01/01 10:00:00`, …) that names a
 * date (a year of four digits or more and a month, by name or in a numeric date) counts to the millisecond, without a
 * zone in UTC as well: Date.parse also reads `page 3` (2001-03-01) or `token-2024`, which are no timestamps
 * (an opaque CURSOR page of them compared as instants). A numeric date with the year last (`01/02/2024`,
 * `01.02.2024`, `01-02-2024`) is read as Date.parse reads it, month first (January 2), where much of the
 * world means day first: page-warnings.ts says so (hasYearLastDate), and castorm's pattern key
 * (`dd/MM/yyyy`) reads it day first (timestamp-reader.ts). An ISO-8601 date and time with a `T`
 * and no white space is read exactly as Java reads it (iso-date-time.ts). One followed by a zone after
 * a space (`2024-01-02T03:04:05 UTC`, `… GMT`, `… Z`, `… +02:00`, `… +2`) is read as the
 * same text with a space for the `T` (Date.parse reads that form only). A text without a zone is read in `zone` instead when
 * one is given (castorm's `http.response.record.timestamp.parser.zone`, timestamp-reader.ts).
 * Used by offsets.ts, timestamp-reader.ts and page-warnings.ts.
 */
import { isoDateTimeNanos } from "./iso-date-time.ts";
import type { OffsetValue } from "./offsets.ts";
import { instantOfLocal, UTC, type Zone } from "./zone-id.ts";

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const SECONDS_BELOW = 100_000_000_000n;
const DECIMAL = /^\s*([+-]?)(\d+)(?:\.(\d*))?\s*$/;
/** An ISO-8601 date and time of day without a zone (its fraction taken off): read as UTC. */
const ZONELESS = /^\s*(\d{4}-\d{2}-\d{2})[T\s](\d{2}:\d{2}(?::\d{2})?)\s*$/i;
/**
 * A zone in a text Date.parse reads (JavaScriptCore's legacy forms): `Z`, `GMT`, `UTC`, `UT`, a US
 * zone (`EST` … `PDT`), or a numeric offset after the time of day (`10:00:00 -0500`, `+02:00`, `+2`:
 * one or two digits alone are hours, as Date.parse reads them).
 */
const ZONE =
  /(?:^|[\s\d(])(?:z|gmt|utc|ut|[ecmp][sd]t)(?=$|[\s+\-)])|\d:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?\s*)?[+-]\d{1,2}(?::?\d{2})?(?!\d)/i;
/** A year of four digits or more and a month (its name, or a numeric date such as `2024/01/31`, `01.31.2024`): a date Date.parse may read. */
const YEAR = /(?<!\d)\d{4,6}(?!\d)/;
const MONTH =
  /(?<![a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])|(?<!\d)\d{1,4}([-/.])\d{1,2}\1\d{1,4}(?!\d)/i;
/** A numeric date with the year last (`01/02/2024`, `1.2.2024`): day or month first, which the text does not say. */
const YEAR_LAST = /(?<![\d./-])\d{1,2}([-/.])\d{1,2}\1\d{4,}(?!\d)/;
/** An ISO-8601 date, `T`, a time of day and, after white space, more (a zone): Date.parse reads it with a space for the `T`. */
const T_BEFORE_SPACED_ZONE = /^(\s*\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?\s+\S)/i;
/** The fraction of an ISO-8601 time of day, `.` or `,` then digits, right after the seconds. */
const TIME_FRACTION = /([T\s]\d{2}:\d{2}:\d{2})[.,](\d+)/i;

/**
 * Java's ZonedDateTime text (`2024-01-01T10:00:00Z[UTC]`, `…+01:00[Europe/Paris]`): the region in
 * brackets after the offset, which names the instant alone.
 */
const REGION_AFTER_OFFSET = /^(.*\d(?:z|[+-]\d{2}(?::?\d{2})?))\[[^\]\s]+\]\s*$/i;

/** The date of an ISO-8601 text (`2024-02-29T…`), which Date.parse reads rolling an impossible day over. */
const ISO_DATE = /^\s*(\d{4})-(\d{2})-(\d{2})(?![\d-])/;

/** Whether an ISO-8601 text's date is one the calendar has (Java's Instant.parse refuses `2024-02-30`), or it has none. */
function calendarDate(text: string): boolean {
  const date = ISO_DATE.exec(text);
  if (!date) return true;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= lastDay.getUTCDate();
}

/** `digits` read as a fraction of a unit of `scale` nanoseconds (truncated to whole nanoseconds). */
function fraction(digits: string, scale: bigint): bigint {
  if (digits === "") return 0n;
  const width = scale.toString().length - 1;
  return BigInt(digits.slice(0, width).padEnd(width, "0"));
}

function epochNumber(sign: string, whole: string, frac: string | undefined): bigint {
  const n = BigInt(whole);
  const seconds = n < SECONDS_BELOW;
  const scale = seconds ? NS_PER_S : NS_PER_MS;
  const ns = n * scale + fraction(frac ?? "", scale);
  return sign === "-" ? -ns : ns;
}

/** Whether `text` holds a numeric date with the year last, which the reading below takes month first (page-warnings.ts says so). */
export function hasYearLastDate(text: string): boolean {
  return YEAR_LAST.test(text);
}

/** Epoch nanoseconds of a TIMESTAMP offset value, or null when it is not a timestamp. */
export function epochNanos(value: OffsetValue, zone: Zone = UTC): bigint | null {
  if (value === null) return null;
  const given = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value;
  if (given.trim() === "") return null;
  const decimal = DECIMAL.exec(given);
  if (decimal) return epochNumber(decimal[1]!, decimal[2]!, decimal[3]);
  if (typeof value === "number") {
    // Exponent notation (beyond 10^21 or below 10^-6): as precise as the number is.
    const ms = Math.abs(value) < 1e11 ? value * 1000 : value;
    return BigInt(Math.trunc(ms)) * NS_PER_MS;
  }
  const iso = isoDateTimeNanos(given, zone);
  if (iso !== undefined) return iso;
  const text = given.includes("[") ? (REGION_AFTER_OFFSET.exec(given)?.[1] ?? given) : given;
  const timeFraction = TIME_FRACTION.exec(text);
  const unfractioned = timeFraction ? text.replace(TIME_FRACTION, "$1") : text;
  const whole = unfractioned.replace(T_BEFORE_SPACED_ZONE, "$1 $2");
  const zoneless = ZONELESS.exec(whole);
  if (!zoneless && !(YEAR.test(whole) && MONTH.test(whole))) return null;
  if (!calendarDate(whole)) return null;
  // Any other text without a zone (`2024/01/01 10:00:00`, RFC 1123 without GMT) is UTC too, not the host's time.
  const named = !zoneless && ZONE.test(whole);
  const parsed = Date.parse(zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : named ? whole : `${whole} GMT`);
  if (!Number.isFinite(parsed)) return null;
  // Read as UTC above, a zone-less text's local time is the zone's.
  const ms = named ? parsed : instantOfLocal(parsed, zone);
  const ns = BigInt(ms) * NS_PER_MS;
  if (!timeFraction) return ns;
  // The whole second is before the instant (also before 1970): the fraction adds.
  return ns + fraction(timeFraction[2]!, NS_PER_S);
}
