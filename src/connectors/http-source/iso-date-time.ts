/**
 * An ISO-8601 date and time with a `T` (`2024-01-02T03:04:05.123+01:00`) read exactly as Java 17
 * reads it: OffsetDateTime.parse (ISO_OFFSET_DATE_TIME), ZonedDateTime.parse for a zone in brackets
 * after the offset (`…+01:00[Europe/Paris]`, `…[CET]`, `…[UTC+01:00]`: zone-id.ts bracketZone; the
 * offset names the instant), Instant.parse (which alone reads `T24:00:00Z`, the next day's start,
 * and the leap second `T23:59:60Z`, read as `:59`), and LocalDateTime.parse for a text without a
 * zone, read in castorm's parser zone (UTC unless set). Two more readings keep what castorm and
 * earlier releases read: the basic offset `+hhmm` (`…T03:04:05+0100`) as the same text with `+hh:mm`,
 * and castorm's default record reader (DateTimeFormatter `yyyy-MM-dd'T'HH:mm:ss[.SSS]X`, SMART:
 * timestamp-pattern.ts), which reads `…T24:00:00+01` as the next day's start and a day past the
 * month's end as its last day (`2024-02-30T…` is `2024-02-29T…`, `2023-02-29T…` is `2023-02-28T…`),
 * here within Date's range only (-271821-04-20T00:00Z to +275760-09-13T00:00Z, its reading being a
 * Date's): past it such a text is no timestamp, though castorm's reader reads it. castorm reads its
 * initial offset with Instant.parse, which refuses such a day: clampedDay says why (an initial offset
 * or one set through REST read only so is refused).
 * White space around the text is left out, as instant.ts leaves it out around its other texts (epoch
 * numbers, `2024-01-02 03:04:05`), so that `…Z ` reads as `…Z`: a choice for consistency, as Java
 * refuses such a text, and so did earlier releases (`…Z `, ` 2024-01-02T03:04:05Z`).
 * What all of them refuse is no timestamp: a year of five digits or more without a sign, `-0000`, a
 * day past 31, an hour past 23 (but `24:00:00` above), a one-digit or out-of-range offset (past
 * ±18:00), a zone in brackets Java does not know (`[utc]`, `[GMT+1]`, `[+01]`), more than nine
 * fraction digits, a comma for the decimal point, no minutes, a year at Java's limit whose local time
 * in the bracketed zone is past them.
 * test/fixtures/java-iso-instants/java-iso-instants.tsv holds Java's readings this is tested against
 * (iso-date-time.test.ts). Used by instant.ts.
 */
import { compilePattern, monthLength, parseWithPattern } from "./timestamp-pattern.ts";
import { bracketZone, instantOfLocal, offsetSecondsAt, UTC, type Zone } from "./zone-id.ts";

/** A text that is Java's to read: a numeric date, `T`, then no white space. */
const T_FORM = /^[+-]?\d+-\d+-\d+[Tt]\S*$/;
const ISO =
  /^([+-]\d{5,10}|-?\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{0,9}))?)?(?:([Zz])|([+-])(\d{2})(?:(\d{2})|:(\d{2})(?::(\d{2}))?)?)?(?:\[([^\]]*)\])?$/;

const NS_PER_S = 1_000_000_000n;
const MAX_OFFSET_S = 18 * 3600;
const MAX_DATE_MS = 8.64e15;
/** LocalDate's years; Instant.parse alone reads ±1000000000, within Instant.MIN and Instant.MAX. */
const MAX_YEAR = 999_999_999;
const MIN_INSTANT_S = -31557014167219200n;
const MAX_INSTANT_S = 31556889864403199n;
/** LocalDateTime's range in epoch seconds read as UTC (-999999999-01-01T00:00 to +999999999-12-31T23:59:59). */
const MIN_LOCAL_S = -31557014135596800n;
const MAX_LOCAL_S = 31556889832780799n;
/** castorm's default record reader (EpochMillisOrDelegateTimestampParser's DateTimeFormatter pattern). */
const CASTORM_DEFAULT = compilePattern("yyyy-MM-dd'T'HH:mm:ss[.SSS]X");

/** Days from 1970-01-01 to a proleptic Gregorian date (exact for Java's whole year range). */
function epochDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * Epoch nanoseconds of `given` as Java reads it (above), null when Java refuses it, or undefined when
 * the text is not of this form (no `T` after a numeric date, or white space within): instant.ts reads it.
 */
export function isoDateTimeNanos(given: string, zone: Zone): bigint | null | undefined {
  const text = given.trim();
  if (!T_FORM.test(text)) return undefined;
  return javaIsoNanos(text, zone) ?? parseWithPattern(CASTORM_DEFAULT, text, zone);
}

/**
 * Whether the local time of the instant `ns` in the bracketed zone is past LocalDateTime's range. A
 * zone whose rules are not known here (`SystemV/EST5EDT`, null) has its standard offset (the ID's
 * hours) or an hour more: past the range with either is past it.
 */
function pastLocalRange(ns: bigint, zone: Zone | null, id: string): boolean {
  const s = ns / NS_PER_S - (ns < 0n && ns % NS_PER_S !== 0n ? 1n : 0n);
  const standard = -Number(/\d+/.exec(id)?.[0] ?? 0) * 3600;
  const offsets = zone === null ? [standard, standard + 3600] : [offsetSecondsAt(zone, s)];
  return offsets.some((offset) => s + BigInt(offset) < MIN_LOCAL_S || s + BigInt(offset) > MAX_LOCAL_S);
}

/** A date of the form read here, its year signed or of four digits or more. */
const DATE = /^([+-]?\d{4,})-(\d{2})-(\d{2})[Tt]/;
const MONTH_NAMES = "January February March April May June July August September October November December".split(" ");

/**
 * When castorm's default reader alone reads `given` (a date and time of the form above), and only by
 * taking a day past its month's end as the month's last (`2024-02-30T00:00:00Z`): why castorm refuses
 * it as an offset, naming the instant records with it are read as. Else undefined.
 */
export function clampedDay(given: string): string | undefined {
  const text = given.trim();
  const date = DATE.exec(text);
  if (!date || !T_FORM.test(text)) return undefined;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  if (month < 1 || month > 12 || day <= monthLength(year, month)) return undefined;
  const nanos = parseWithPattern(CASTORM_DEFAULT, text, UTC);
  if (nanos === null) return undefined;
  return `a day ${MONTH_NAMES[month - 1]} ${year} lacks: castorm's Instant.parse refuses it; records with it are read as ${instantText(nanos)}`;
}

/** Epoch nanoseconds as Java's Instant.toString writes them (`2024-03-01T00:00:00Z`, `+10000-…`, fraction in threes). */
function instantText(nanos: bigint): string {
  const seconds = nanos / NS_PER_S - (nanos % NS_PER_S < 0n ? 1n : 0n);
  const iso = new Date(Number(seconds) * 1000).toISOString();
  const year = Number(iso.slice(0, iso.indexOf("-", 1)));
  const yearText = year > 9999 ? `+${year}` : `${year < 0 ? "-" : ""}${String(Math.abs(year)).padStart(4, "0")}`;
  const fraction = String(nanos - seconds * NS_PER_S)
    .padStart(9, "0")
    .replace(/(000)+$/, "");
  return `${yearText}${iso.slice(iso.indexOf("-", 1), iso.indexOf("."))}${fraction === "" ? "" : `.${fraction}`}Z`;
}

function javaIsoNanos(text: string, zone: Zone): bigint | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  let hour = Number(m[4]);
  const minute = Number(m[5]);
  let second = m[6] === undefined ? 0 : Number(m[6]);
  const digits = m[7] ?? "";
  const nanos = digits === "" ? 0n : BigInt(digits.padEnd(9, "0"));
  const hasOffset = m[8] !== undefined || m[9] !== undefined;
  const region = m[14];
  // A negative zero year (`-0000`, `-00000`): Java's year reader refuses a minus before zero.
  if (m[1]!.startsWith("-") && year === 0) return null;
  if (month < 1 || month > 12 || day < 1 || day > monthLength(year, month) || minute > 59) return null;
  // Instant.parse alone: seconds and an offset with minutes (not `+01`), no region.
  const instantForm =
    m[6] !== undefined && (m[8] !== undefined || (m[11] ?? m[12]) !== undefined) && region === undefined;
  const pastLocalDate = Math.abs(year) > MAX_YEAR;
  if (pastLocalDate && !instantForm) return null;
  let days = 0;
  if (hour === 24 && minute === 0 && second === 0 && nanos === 0n && instantForm) {
    hour = 0;
    days = 1;
  } else if (hour === 23 && minute === 59 && second === 60 && instantForm) {
    second = 59;
  } else if (hour > 23 || second > 59) {
    return null;
  }
  let offset = 0;
  if (m[9] !== undefined) {
    const [h, min, s] = [Number(m[10]), Number(m[11] ?? m[12] ?? 0), Number(m[13] ?? 0)];
    if (min > 59 || s > 59) return null;
    offset = h * 3600 + min * 60 + s;
    if (offset > MAX_OFFSET_S) return null;
    if (m[9] === "-") offset = -offset;
  }
  const bracketed = region === undefined ? undefined : bracketZone(region);
  if (region !== undefined && (!hasOffset || bracketed === undefined)) return null;
  const date = epochDay(year, month, day) + days;
  const time = hour * 3600 + minute * 60 + second;
  // Past Date's range the seconds are beyond 2^53: whole days are multiplied as bigint.
  const seconds = (fixed: number) => (BigInt(date) * 86400n + BigInt(time - fixed)) * NS_PER_S + nanos;
  if (hasOffset) {
    const ns = seconds(offset);
    if (pastLocalDate && (ns < MIN_INSTANT_S * NS_PER_S || ns > MAX_INSTANT_S * NS_PER_S + 999_999_999n)) return null;
    // ZonedDateTime: the instant's local time in the bracketed zone must be a LocalDateTime too.
    if (bracketed !== undefined && Math.abs(year) >= MAX_YEAR - 1 && pastLocalRange(ns, bracketed, region!))
      return null;
    return ns;
  }
  if ("offsetSeconds" in zone) return seconds(zone.offsetSeconds);
  // A region's offsets are known within Date's range only.
  const localMs = (date * 86400 + time) * 1000;
  if (Math.abs(localMs) > MAX_DATE_MS) return null;
  return BigInt(instantOfLocal(localMs, zone)) * 1_000_000n + nanos;
}
