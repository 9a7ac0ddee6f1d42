/**
 * castorm's `http.response.record.timestamp.parser.pattern`: a Java DateTimeFormatter pattern
 * (`yyyy-MM-dd'T'HH:mm:ss[.SSS]X`, `dd/MM/yyyy hh:mm a`, `EEE, dd MMM yyyy HH:mm:ss zzz`) read as
 * Java reads it, case-sensitive and to the text's end, English month and day names, with Java's
 * SMART resolution: a day past the month's end is its last day (`02-30` → `02-29`), `24:00` is the
 * next midnight, a minute or second left out is 0, `hh`/`KK` need `a`, a day of week must be the
 * date's, and a date and an hour are needed. Letters: `y u M L d E a H k K h m s S n X x Z O VV z`;
 * quoted text, `[…]` optional sections; any other letter is refused (PatternError). An offset or
 * zone in the text counts; without one the text is in the configured zone (zone-id.ts).
 * Used by timestamp-reader.ts and iso-date-time.ts (castorm's default pattern).
 */
import { MONTHS } from "../../transforms/util/date-pattern.ts";
import { adjacentValues, numberWidth, type Part } from "./timestamp-adjacent.ts";
import { bracketZone, instantOfLocal, offsetSeconds, type Zone, zoneOf } from "./zone-id.ts";

export class PatternError extends Error {
  override name = "PatternError";
}

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
/** Java's short zone names (`z`) of the US zones, as regions. */
const ZONE_NAMES: Record<string, string> = {
  EST: "America/New_York",
  EDT: "America/New_York",
  CST: "America/Chicago",
  CDT: "America/Chicago",
  MST: "America/Denver",
  MDT: "America/Denver",
  PST: "America/Los_Angeles",
  PDT: "America/Los_Angeles",
  CET: "Europe/Paris",
  CEST: "Europe/Paris",
};

type Field = { readonly letter: string; readonly count: number };

const alternatives = (names: string[]) => `(${names.join("|")})`;

/** The regular expression one field (`letter` × `count`) reads, or why Java refuses it. */
function fieldRegex(letter: string, count: number): string {
  const number = (max: number) => {
    if (count > max) throw new PatternError(`Too many pattern letters: ${letter.repeat(count)}`);
    return count === 1 ? "(\\d{1,19})" : "(\\d{2})";
  };
  switch (letter) {
    case "y":
    case "u":
      // From 4 letters (SignStyle.EXCEEDS_PAD) a year wider than the pattern needs its `+`: `+12024`.
      if (count >= 4) return `(\\d{${count}}|\\+\\d{${count + 1},19})`;
      return count === 1 ? "(\\d{1,19})" : count === 2 ? "(\\d{2})" : `(\\d{${count},19})`;
    case "M":
    case "L":
      if (count === 3) return alternatives(MONTHS.map((m) => m.slice(0, 3)));
      if (count === 4) return alternatives(MONTHS);
      return number(2);
    case "E":
      if (count <= 3) return alternatives(DAYS.map((d) => d.slice(0, 3)));
      if (count === 4) return alternatives(DAYS);
      throw new PatternError(`Pattern letters ${letter.repeat(count)} (narrow day names) are not supported`);
    case "a":
      if (count > 1) throw new PatternError(`Too many pattern letters: ${letter.repeat(count)}`);
      return "(AM|PM)";
    case "d":
    case "H":
    case "k":
    case "K":
    case "h":
    case "m":
    case "s":
      return number(2);
    case "S":
      return `(\\d{${count}})`;
    case "n":
      // appendValue(NANO_OF_SECOND, count, 19, NOT_NEGATIVE): at least as many digits as letters.
      if (count > 19) throw new PatternError(`The minimum width must be from 1 to 19 inclusive but was ${count}`);
      return `(\\d{${count},19})`;
    case "X":
    case "x": {
      if (count > 5) throw new PatternError(`Too many pattern letters: ${letter.repeat(count)}`);
      const forms = ["[+-]\\d{2}(?:\\d{2})?", "[+-]\\d{4}", "[+-]\\d{2}:\\d{2}", "[+-]\\d{4}(?:\\d{2})?"];
      const form = forms[count - 1] ?? "[+-]\\d{2}:\\d{2}(?::\\d{2})?";
      return letter === "X" ? `(Z|${form})` : `(${form})`;
    }
    case "Z":
      if (count <= 3) return "([+-]\\d{4})";
      if (count === 4) return "(GMT(?:[+-]\\d{2}:\\d{2})?)";
      if (count === 5) return "(Z|[+-]\\d{2}:\\d{2}(?::\\d{2})?)";
      throw new PatternError(`Too many pattern letters: ${letter.repeat(count)}`);
    case "O":
      if (count === 1) return "(GMT(?:[+-]\\d{1,2}(?::\\d{2}(?::\\d{2})?)?)?)";
      if (count === 4) return "(GMT(?:[+-]\\d{2}:\\d{2}(?::\\d{2})?)?)";
      throw new PatternError(`Pattern letter count must be 1 or 4: ${letter.repeat(count)}`);
    case "V":
      if (count !== 2) throw new PatternError(`Pattern letter count must be 2: ${letter.repeat(count)}`);
      return "([A-Za-z][A-Za-z0-9~/._+:-]*|Z|[+-][0-9:]+)";
    case "z":
      if (count > 4) throw new PatternError(`Too many pattern letters: ${letter.repeat(count)}`);
      return "([A-Za-z][A-Za-z0-9~/._+-]*|[+-]\\d{2}:\\d{2}(?::\\d{2})?)";
    default:
      throw new PatternError(
        `Pattern letter ${letter} is not supported here (supported: y u M L d E a H k K h m s S n X x Z O VV z)`,
      );
  }
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

/** A compiled pattern: its regular expression and the field of each capture group. */
export interface CompiledPattern {
  readonly regex: RegExp;
  readonly fields: readonly Field[];
}

/** Compiles a Java DateTimeFormatter pattern; throws a PatternError where Java's ofPattern would throw. */
export function compilePattern(pattern: string): CompiledPattern {
  const fields: Field[] = [];
  const parts: Part[] = [];
  const add = (source: string) => parts.push({ source });
  let depth = 0;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (/[A-Za-z]/.test(c)) {
      let count = 1;
      while (pattern[i + count] === c) count++;
      fields.push({ letter: c, count });
      parts.push({ source: fieldRegex(c, count), number: numberWidth(c, count), group: fields.length });
      i += count;
    } else if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new PatternError(`Pattern ends with an incomplete string literal: ${pattern}`);
      add(end === i + 1 ? "'" : literal(pattern.slice(i + 1, end).replaceAll("''", "'")));
      // `'it''s'`: a doubled quote inside a literal is one quote and the literal goes on.
      let next = end + 1;
      while (end > i + 1 && pattern[next] === "'") {
        const more = pattern.indexOf("'", next + 1);
        if (more < 0) throw new PatternError(`Pattern ends with an incomplete string literal: ${pattern}`);
        add(`'${literal(pattern.slice(next + 1, more))}`);
        next = more + 1;
      }
      i = next;
    } else if (c === "[") {
      add("(?:");
      depth++;
      i++;
    } else if (c === "]") {
      if (--depth < 0) throw new PatternError("Pattern invalid as it contains ] without previous [");
      add(")?");
      i++;
    } else if (c === "{" || c === "}" || c === "#") {
      throw new PatternError(`Pattern includes reserved character: '${c}'`);
    } else {
      add(literal(c));
      i++;
    }
  }
  while (depth-- > 0) add(")?");
  return { regex: new RegExp(`^${adjacentValues(parts).join("")}$`), fields };
}

const NS_PER_MS = 1_000_000n;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in `month` (1-12) of `year` (proleptic Gregorian, as Java's IsoChronology). */
export function monthLength(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** The zone a zone text of the text (`VV`, `z`, `O`, `ZZZZ`) names, or undefined. */
function textZone(letter: string, text: string): Zone | undefined {
  if (letter === "z" && ZONE_NAMES[text]) return { region: ZONE_NAMES[text]! };
  // VV: a zone ID as ZonedDateTime.parse reads one in brackets (its ZoneIdPrinterParser), not ZoneId.of.
  if (letter === "V") return bracketZone(text) ?? undefined;
  if (letter === "O" || letter === "Z") {
    // `GMT+2:30` (O): one hour digit before the minutes, which an offset id (offsetSeconds) refuses.
    const s = text === "GMT" ? 0 : offsetSeconds(text.slice(3).replace(/^([+-])(\d)(?=:)/, "$10$2"));
    return s === undefined ? undefined : { offsetSeconds: s };
  }
  return zoneOf(text);
}

/**
 * Epoch nanoseconds of `text` read by `pattern` (its zone `zone` when the text names none), or null
 * when Java would refuse the text.
 */
export function parseWithPattern(pattern: CompiledPattern, text: string, zone: Zone): bigint | null {
  const m = pattern.regex.exec(text);
  if (!m) return null;
  const v: Record<string, number> = {};
  let nanos = 0n;
  let textZoneOf: Zone | undefined;
  const set = (name: string, value: number) => {
    if (name in v && v[name] !== value) throw new PatternError("conflict");
    v[name] = value;
  };
  try {
    for (const [i, { letter, count }] of pattern.fields.entries()) {
      const t = m[i + 1];
      if (t === undefined) continue; // an optional section left out
      switch (letter) {
        case "y":
        case "u":
          // A year of era (y) is 1 or more: `0000` is refused (uuuu reads it as the year 0).
          if (letter === "y" && count !== 2 && Number(t) < 1) throw new PatternError("year of era");
          set("year", count === 2 ? 2000 + Number(t) : Number(t));
          continue;
        case "M":
        case "L":
          set("month", count >= 3 ? MONTHS.findIndex((n) => n.startsWith(t)) + 1 : Number(t));
          continue;
        case "E":
          set("dow", DAYS.findIndex((d) => d.startsWith(t)) + 1);
          continue;
        case "a":
          set("ampm", t === "PM" ? 1 : 0);
          continue;
        case "H":
          set("hour", Number(t));
          continue;
        case "k":
          // SMART resolution takes a clock hour of 0 as 0 (`00:30 AM`, `k` 00), as it does 24 and 12.
          set("hour", Number(t) === 24 ? 0 : Number(t) > 24 ? 99 : Number(t));
          continue;
        case "K":
          set("hourOfAmPm", Number(t) > 11 ? 99 : Number(t));
          continue;
        case "h":
          set("hourOfAmPm", Number(t) === 12 ? 0 : Number(t) > 12 ? 99 : Number(t));
          continue;
        case "d":
        case "m":
        case "s":
          set(letter, Number(t));
          continue;
        case "S":
          nanos = BigInt(t.slice(0, 9).padEnd(9, "0"));
          continue;
        case "n":
          nanos = BigInt(t);
          continue;
        case "X":
        case "x": {
          // An offset past ±18:00 or with 60 minutes (`+19`, `+0160`) is refused, as ZoneOffset refuses it.
          const s = t === "Z" ? 0 : offsetSeconds(t);
          if (s === undefined) throw new PatternError("offset");
          textZoneOf = { offsetSeconds: s };
          continue;
        }
        default: {
          // Z, O, VV, z: an offset, a localized GMT offset or a zone id; one Java would refuse fails.
          const z =
            letter === "Z" && count !== 4 ? { offsetSeconds: t === "Z" ? 0 : offsetSeconds(t)! } : textZone(letter, t);
          if (z === undefined || ("offsetSeconds" in z && z.offsetSeconds === undefined))
            throw new PatternError("zone");
          textZoneOf = z;
        }
      }
    }
  } catch {
    return null;
  }
  return resolve(v, nanos, textZoneOf ?? zone);
}

/** Java's SMART resolution of the parsed fields into an instant; null where it refuses them. */
function resolve(v: Record<string, number>, nanos: bigint, zone: Zone): bigint | null {
  const { year, month, d } = v;
  if (year === undefined || month === undefined || d === undefined) return null;
  if (month < 1 || month > 12 || d < 1 || d > 31 || nanos >= 1_000_000_000n) return null;
  let hour = v.hour;
  if (v.hourOfAmPm !== undefined) {
    if (v.ampm === undefined || v.hourOfAmPm > 11) return null;
    const h = v.ampm * 12 + v.hourOfAmPm;
    if (hour !== undefined && hour !== h) return null;
    hour = h;
  }
  if (hour === undefined || hour > 24) return null;
  const minute = v.m ?? 0;
  const second = v.s ?? 0;
  if (minute > 59 || second > 59) return null;
  let extraDay = 0;
  if (hour === 24) {
    if (minute !== 0 || second !== 0 || nanos !== 0n) return null;
    hour = 0;
    extraDay = 1;
  }
  const day = Math.min(d, monthLength(year, month));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (v.dow !== undefined && ((date.getUTCDay() + 6) % 7) + 1 !== v.dow) return null;
  date.setUTCDate(date.getUTCDate() + extraDay);
  date.setUTCHours(hour, minute, second, 0);
  // Java reads years to ±999999999; a Date holds ±275760 only: past it, not a timestamp here.
  if (!Number.isFinite(date.getTime())) return null;
  const ms = instantOfLocal(date.getTime(), zone);
  return BigInt(ms) * NS_PER_MS + nanos;
}
