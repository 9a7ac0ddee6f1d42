/**
 * The part of java.text.SimpleDateFormat that Connect configs use, always in UTC (TimestampConverter
 * and TimestampRouter set the UTC zone; Values assumes a UTC worker). Used by TimestampConverter,
 * TimestampRouter, Cast (dates to strings) and Values.parseString.
 *
 * Pattern letters: G y M L d D E u a H k K h m s S z Z X, quoted text ('…', '' for a quote) and
 * any other non-letter as a literal. Unknown letters fail as in Java (`Illegal pattern character
 * 'b'`); the week-based letters Y w W F are rejected as unsupported. Parsing is lenient like
 * Java's default: out-of-range fields roll over, trailing text is ignored, a numeric field takes
 * all its digits unless the next field is numeric too (then exactly as many as its pattern width),
 * and `yy` with two digits picks the century within 80 years before and 20 after now.
 */
import { DataError } from "../../errors.ts";
import { IllegalArgumentError } from "./errors.ts";

type Token =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "field"; readonly letter: string; readonly count: number };

const KNOWN_LETTERS = "GyMLdDEuaHkKhmszZXSYwWF";
const UNSUPPORTED_LETTERS = "YwWF";
const NUMERIC_LETTERS = "ydDuHkKhmsS";
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MS_PER_DAY = 86_400_000;

function isNumeric(token: Token | undefined): boolean {
  if (token?.kind !== "field") return false;
  if (token.letter === "M" || token.letter === "L") return token.count <= 2;
  return NUMERIC_LETTERS.includes(token.letter);
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, "0");
  return n < 0 ? `-${s}` : s;
}

function compile(pattern: string): Token[] {
  const tokens: Token[] = [];
  let literal = "";
  const flush = () => {
    if (literal) tokens.push({ kind: "literal", text: literal });
    literal = "";
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        literal += "'";
        i += 2;
        continue;
      }
      i++;
      let closed = false;
      while (i < pattern.length) {
        if (pattern[i] === "'") {
          if (pattern[i + 1] === "'") {
            literal += "'";
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        literal += pattern[i];
        i++;
      }
      if (!closed) throw new IllegalArgumentError("Unterminated quote");
      continue;
    }
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z")) {
      if (!KNOWN_LETTERS.includes(c)) throw new IllegalArgumentError(`Illegal pattern character '${c}'`);
      if (UNSUPPORTED_LETTERS.includes(c)) {
        throw new IllegalArgumentError(`Pattern character '${c}' (week-based fields) is not supported`);
      }
      let count = 1;
      while (pattern[i + count] === c) count++;
      if (c === "X" && count > 3) throw new IllegalArgumentError(`invalid ISO 8601 format: length=${count}`);
      flush();
      tokens.push({ kind: "field", letter: c, count });
      i += count;
      continue;
    }
    literal += c;
    i++;
  }
  flush();
  return tokens;
}

interface Fields {
  era: number;
  year: number;
  month: number;
  day: number;
  dayOfYear: number | null;
  hour: number;
  pm: boolean | null;
  hour12: boolean;
  minute: number;
  second: number;
  millis: number;
  offsetMinutes: number;
}

export class SimpleDateFormat {
  private readonly tokens: readonly Token[];

  /** Throws IllegalArgumentError for a pattern Java would reject (or one this subset cannot run). */
  constructor(private readonly pattern: string) {
    this.tokens = compile(pattern);
  }

  toPattern(): string {
    return this.pattern;
  }

  format(date: Date): string {
    let out = "";
    for (const token of this.tokens) {
      out += token.kind === "literal" ? token.text : formatField(date, token.letter, token.count);
    }
    return out;
  }

  /** DateFormat.parse(String): throws DataError `Unparseable date: "<text>"` when nothing parses. */
  parse(text: string): Date {
    const result = this.parsePrefix(text);
    if (!result) throw new DataError(`Unparseable date: "${text}"`);
    return result.date;
  }

  /** Parses from the start of `text`; `end` is where parsing stopped, or null when it failed. */
  parsePrefix(text: string): { date: Date; end: number } | null {
    const f: Fields = {
      era: 1,
      year: 1970,
      month: 1,
      day: 1,
      dayOfYear: null,
      hour: 0,
      pm: null,
      hour12: false,
      minute: 0,
      second: 0,
      millis: 0,
      offsetMinutes: 0,
    };
    let pos = 0;
    for (let t = 0; t < this.tokens.length; t++) {
      const token = this.tokens[t]!;
      if (token.kind === "literal") {
        if (!text.startsWith(token.text, pos)) return null;
        pos += token.text.length;
        continue;
      }
      const next = parseField(text, pos, token, isNumeric(this.tokens[t + 1]), f);
      if (next === null) return null;
      pos = next;
    }
    return { date: toDate(f), end: pos };
  }
}

function formatField(date: Date, letter: string, count: number): string {
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
    case "z":
      return count >= 4 ? "Coordinated Universal Time" : "UTC";
    case "Z":
      return "+0000";
    default:
      return "Z"; // X: ISO 8601 zone, always UTC here
  }
}

function parseNumber(text: string, pos: number, width: number | null): { value: number; end: number } | null {
  let end = pos;
  const limit = width === null ? text.length : Math.min(text.length, pos + width);
  while (end < limit && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
  if (end === pos || (width !== null && end - pos !== width)) return null;
  return { value: Number(text.slice(pos, end)), end };
}

function matchName(text: string, pos: number, names: readonly string[]): { index: number; end: number } | null {
  const lower = text.slice(pos).toLowerCase();
  let best: { index: number; end: number } | null = null;
  for (const [index, name] of names.entries()) {
    for (const candidate of [name, name.slice(0, 3)]) {
      if (lower.startsWith(candidate.toLowerCase()) && (best === null || pos + candidate.length > best.end)) {
        best = { index, end: pos + candidate.length };
      }
    }
  }
  return best;
}

function parseZone(text: string, pos: number, letter: string): { offset: number; end: number } | null {
  const rest = text.slice(pos);
  if (letter === "X" && /^[zZ]/.test(rest)) return { offset: 0, end: pos + 1 };
  if (letter !== "X") {
    const named = /^(Coordinated Universal Time|UTC|GMT|UT)/.exec(rest);
    if (named) {
      const after = parseOffset(text, pos + named[0].length);
      return after ?? { offset: 0, end: pos + named[0].length };
    }
  }
  return parseOffset(text, pos);
}

function parseOffset(text: string, pos: number): { offset: number; end: number } | null {
  const m = /^([+-])(\d{2})(?::?(\d{2}))?/.exec(text.slice(pos));
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return { offset: m[1] === "-" ? -minutes : minutes, end: pos + m[0].length };
}

function parseField(text: string, pos: number, token: Token & { kind: "field" }, abutting: boolean, f: Fields) {
  const { letter, count } = token;
  const width = abutting ? count : null;
  switch (letter) {
    case "G": {
      const m = matchName(text, pos, ["AD", "BC"]);
      if (!m) return null;
      f.era = m.index === 0 ? 1 : 0;
      return m.end;
    }
    case "M":
    case "L":
      if (count >= 3) {
        const m = matchName(text, pos, MONTHS);
        if (!m) return null;
        f.month = m.index + 1;
        return m.end;
      }
      break;
    case "E": {
      const m = matchName(text, pos, DAYS);
      return m ? m.end : null;
    }
    case "a": {
      const m = matchName(text, pos, ["AM", "PM"]);
      if (!m) return null;
      f.pm = m.index === 1;
      return m.end;
    }
    case "z":
    case "Z":
    case "X": {
      const zone = parseZone(text, pos, letter);
      if (!zone) return null;
      f.offsetMinutes = zone.offset;
      return zone.end;
    }
  }
  const n = parseNumber(text, pos, width);
  if (!n) return null;
  switch (letter) {
    case "y":
      f.year = count <= 2 && n.end - pos === 2 ? twoDigitYear(n.value) : n.value;
      break;
    case "M":
    case "L":
      f.month = n.value;
      break;
    case "d":
      f.day = n.value;
      break;
    case "D":
      f.dayOfYear = n.value;
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

function toDate(f: Fields): Date {
  const year = f.era === 1 ? f.year : 1 - f.year;
  const hour = f.hour12 && f.pm ? f.hour + 12 : f.hour;
  const d = new Date(0);
  if (f.dayOfYear !== null) d.setUTCFullYear(year, 0, f.dayOfYear);
  else d.setUTCFullYear(year, f.month - 1, f.day);
  d.setUTCHours(hour, f.minute, f.second, f.millis);
  return new Date(d.getTime() - f.offsetMinutes * 60_000);
}
