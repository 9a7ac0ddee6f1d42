/**
 * Parses one SimpleDateFormat pattern field into the fields being collected, leniently as Java's
 * default does, and builds the UTC date from them (the day as calendar-date-fields.ts resolves
 * the date fields). Used by SimpleDateFormat.parsePrefix.
 */

import {
  type CalendarDateFields,
  DAY_OF_MONTH,
  DAY_OF_WEEK,
  DAY_OF_WEEK_IN_MONTH,
  DAY_OF_YEAR,
  ERA,
  MONTH,
  WEEK_OF_MONTH,
  WEEK_OF_YEAR,
  WEEK_YEAR,
  YEAR,
} from "./calendar-date-fields.ts";
import { DAYS, MONTHS, type Token } from "./date-pattern.ts";

export interface Fields {
  /** Era, years, month, days and weeks, with the order they were parsed in. */
  date: CalendarDateFields;
  hour: number;
  pm: boolean | null;
  hour12: boolean;
  minute: number;
  second: number;
  millis: number;
  offsetMinutes: number;
}

/**
 * A number as the DecimalFormat inside SimpleDateFormat reads it: digits after an optional minus
 * sign ("-0001" is the year 2 BC); a width counts from where the field started, blanks included.
 */
function parseNumber(
  text: string,
  start: number,
  pos: number,
  width: number | null,
): { value: number; end: number } | null {
  const limit = width === null ? text.length : Math.min(text.length, start + width);
  const negative = text[pos] === "-" && pos + 1 < limit;
  const digits = negative ? pos + 1 : pos;
  let end = digits;
  while (end < limit && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
  if (end === digits || (width !== null && end - start !== width)) return null;
  const value = Number(text.slice(digits, end));
  return { value: negative ? -value : value, end };
}

/** Each name in lower case, in full and its first three letters (both match). */
type NameTable = readonly (readonly [string, string])[];
const nameTable = (names: readonly string[]): NameTable =>
  names.map((name) => [name.toLowerCase(), name.slice(0, 3).toLowerCase()] as const);
const ERA_NAMES = nameTable(["AD", "BC"]);
const MONTH_NAMES = nameTable(MONTHS);
const DAY_NAMES = nameTable(DAYS);
const AM_PM = nameTable(["AM", "PM"]);

function matchName(text: string, pos: number, names: NameTable): { index: number; end: number } | null {
  const lower = text.slice(pos).toLowerCase();
  let best: { index: number; end: number } | null = null;
  for (let index = 0; index < names.length; index++) {
    for (const candidate of names[index]!) {
      if (lower.startsWith(candidate) && (best === null || pos + candidate.length > best.end)) {
        best = { index, end: pos + candidate.length };
      }
    }
  }
  return best;
}

/**
 * Zone names SimpleDateFormat (en_US, JDK 17) reads for `z` and `Z`, case-insensitively, with their
 * offsets in minutes as it applied them (daylight names with their daylight offset). Names outside
 * this table fail to parse.
 */
const ZONE_NAMES: readonly (readonly [string, number])[] = [
  ["Coordinated Universal Time", 0],
  ["Greenwich Mean Time", 0],
  ["Pacific Standard Time", -480],
  ["UTC", 0],
  ["PST", -480],
  ["PDT", -420],
  ["MST", -420],
  ["MDT", -360],
  ["CST", -360],
  ["CDT", -300],
  ["EST", -300],
  ["EDT", -240],
  ["AKST", -540],
  ["HST", -600],
  ["CET", 60],
  ["CEST", 120],
  ["EET", 120],
  ["WET", 0],
  ["JST", 540],
  ["IST", 120],
  ["BST", 60],
  ["MSK", 180],
  ["AEST", 600],
];

/**
 * A zone as SimpleDateFormat.subParse reads it. `z` and `Z`: a sign and exactly hhmm (RFC 822),
 * "GMT" (any case) alone or with a sign and h:mm or hh:mm, or a zone name. `X`: "Z", or a sign and
 * hh (X), hhmm (XX) or hh:mm (XXX). Hours above 23 and minutes above 59 fail.
 */
function parseZone(text: string, pos: number, letter: string, count: number): { offset: number; end: number } | null {
  const c = text[pos];
  const sign = c === "+" ? 1 : c === "-" ? -1 : 0;
  if (letter === "X") {
    if (c === "Z") return { offset: 0, end: pos + 1 };
    return sign === 0 ? null : numericZone(text, pos + 1, sign, count, count === 3);
  }
  if (sign !== 0) return numericZone(text, pos + 1, sign, 0, false);
  if (text.slice(pos, pos + 3).toUpperCase() === "GMT") {
    const next = text[pos + 3];
    const gmtSign = next === "+" ? 1 : next === "-" ? -1 : 0;
    return gmtSign === 0 ? { offset: 0, end: pos + 3 } : numericZone(text, pos + 4, gmtSign, 0, true);
  }
  const rest = text.slice(pos).toLowerCase();
  let best: { offset: number; end: number } | null = null;
  for (const [name, offset] of ZONE_NAMES) {
    if (rest.startsWith(name.toLowerCase()) && (best === null || pos + name.length > best.end)) {
      best = { offset, end: pos + name.length };
    }
  }
  return best;
}

/** SimpleDateFormat.subParseNumericZone: hh (one digit only with a colon and no count), then mm. */
function numericZone(
  text: string,
  pos: number,
  sign: number,
  count: number,
  colon: boolean,
): { offset: number; end: number } | null {
  const digit = (i: number) => (i < text.length && text[i]! >= "0" && text[i]! <= "9" ? Number(text[i]) : null);
  let at = pos;
  const h1 = digit(at++);
  if (h1 === null) return null;
  let hours = h1;
  const h2 = digit(at);
  if (h2 !== null) {
    hours = hours * 10 + h2;
    at++;
  } else if (count > 0 || !colon) return null;
  if (hours > 23) return null;
  let minutes = 0;
  if (count !== 1) {
    if (colon) {
      if (text[at] !== ":") return null;
      at++;
    }
    const m1 = digit(at);
    const m2 = digit(at + 1);
    if (m1 === null || m2 === null) return null;
    minutes = m1 * 10 + m2;
    if (minutes > 59) return null;
    at += 2;
  }
  return { offset: sign * (hours * 60 + minutes), end: at };
}

function skipBlanks(text: string, pos: number): number {
  let at = pos;
  while (at < text.length && (text[at] === " " || text[at] === "\t")) at++;
  return at;
}

export function parseField(
  text: string,
  fieldStart: number,
  token: Token & { kind: "field" },
  abutting: boolean,
  f: Fields,
) {
  const { letter, count } = token;
  const width = abutting ? count : null;
  // SimpleDateFormat.subParse skips spaces and tabs before a field and fails at the end of the text,
  // but matches names (months, days, eras, AM/PM) from where the field started, blanks and all.
  const start = fieldStart;
  const pos = skipBlanks(text, fieldStart);
  if (pos >= text.length) return null;
  switch (letter) {
    case "G": {
      const m = matchName(text, start, ERA_NAMES);
      if (!m) return null;
      f.date.set(ERA, m.index === 0 ? 1 : 0);
      return m.end;
    }
    case "M":
    case "L":
      if (count >= 3) {
        const m = matchName(text, start, MONTH_NAMES);
        if (!m) return null;
        f.date.set(MONTH, m.index);
        return m.end;
      }
      break;
    case "E": {
      const m = matchName(text, start, DAY_NAMES);
      if (!m) return null;
      f.date.set(DAY_OF_WEEK, m.index + 1);
      return m.end;
    }
    case "a": {
      const m = matchName(text, start, AM_PM);
      if (!m) return null;
      f.pm = m.index === 1;
      return m.end;
    }
    case "z":
    case "Z":
    case "X": {
      const zone = parseZone(text, pos, letter, count);
      if (!zone) return null;
      f.offsetMinutes = zone.offset;
      return zone.end;
    }
  }
  const n = parseNumber(text, start, pos, width);
  if (!n) return null;
  switch (letter) {
    case "y":
    case "Y":
      f.date.set(letter === "y" ? YEAR : WEEK_YEAR, count <= 2 && n.end - pos === 2 ? twoDigitYear(n.value) : n.value);
      break;
    case "M":
    case "L":
      f.date.set(MONTH, n.value - 1);
      break;
    case "d":
      f.date.set(DAY_OF_MONTH, n.value);
      break;
    case "D":
      f.date.set(DAY_OF_YEAR, n.value);
      break;
    case "u":
      f.date.setIsoDayOfWeek(n.value);
      break;
    case "w":
      f.date.set(WEEK_OF_YEAR, n.value);
      break;
    case "W":
      f.date.set(WEEK_OF_MONTH, n.value);
      break;
    case "F":
      f.date.set(DAY_OF_WEEK_IN_MONTH, n.value);
      break;
    case "H":
      f.hour = n.value;
      f.hour12 = false;
      break;
    case "k":
      f.hour = n.value === 24 ? 0 : n.value;
      f.hour12 = false;
      break;
    case "K":
      f.hour = n.value;
      f.hour12 = true;
      break;
    case "h":
      f.hour = n.value === 12 ? 0 : n.value;
      f.hour12 = true;
      break;
    case "m":
      f.minute = n.value;
      break;
    case "s":
      f.second = n.value;
      break;
    case "S":
      f.millis = n.value;
      break;
  }
  return n.end;
}

/** SimpleDateFormat's default century: the two-digit year falls within 80 years before and 20 after now. */
function twoDigitYear(yy: number): number {
  const now = new Date();
  const start = now.getUTCFullYear() - 80;
  let year = Math.floor(start / 100) * 100 + yy;
  if (year < start) year += 100;
  return year;
}

export function toDate(f: Fields): Date {
  const hour = f.hour12 && f.pm ? f.hour + 12 : f.hour;
  const time = ((hour * 60 + f.minute) * 60 + f.second) * 1000 + f.millis;
  return new Date(f.date.epochDay() * 86_400_000 + time - f.offsetMinutes * 60_000);
}
