/**
 * Time zones as Java's `ZoneId.of` names them (castorm's `http.response.record.timestamp.parser.zone`):
 * `Z`, an offset as ZoneOffset.of reads it (`+2`, `+02`, `+02:00`, `+0200`, `+02:00:30`, `+020030`),
 * `UTC`/`GMT`/`UT` alone or with such an offset (`GMT+2`, `UTC-05:00`), or a region ID of Java 17
 * (java-zone-ids.ts, case-sensitive: `Europe/Madrid`, `CET`, `GMT0`, `SystemV/EST5`) or of Intl's
 * time zone data (`Intl.supportedValuesOf("timeZone")`, exactly as spelled there: a region newer
 * than java-zone-ids.ts's tzdata, `America/Coyhaique`, which a Java update with that tzdata knows),
 * its offsets read through Intl's time zone data. Intl knows every one but Java's SystemV/ IDs: those with fixed
 * rules are read as the Etc/GMT ID with Java's equal rules; the six with daylight saving (their own
 * US rules of 1976, `SystemV/EST5EDT`) have rules not known here (zoneOf: undefined, zoneProblem says so).
 * The zone in brackets of a ZonedDateTime text is read otherwise (bracketZone).
 * A local date and time in a zone is one instant as Java's `ZonedDateTime.ofLocal` makes it: in a
 * DST gap the time moves on by the gap (02:30 → 03:30), in an overlap the earlier offset counts.
 * Used by instant.ts, iso-date-time.ts, timestamp-pattern.ts, timestamp-keys.ts and cron-runs.ts.
 */
import { javaRegionIds, SYSTEM_V_SAME_RULES } from "./java-zone-ids.ts";

/** A zone: a fixed offset in seconds east of UTC, or a region whose offset changes. */
export type Zone = { readonly offsetSeconds: number } | { readonly region: string };

export const UTC: Zone = { offsetSeconds: 0 };

/** ZoneOffset.of's forms: `±h`, `±hh`, `±hhmm`, `±hh:mm`, `±hhmmss`, `±hh:mm:ss`. */
const OFFSET = /^([+-])(?:(\d)|(\d{2})(?:(\d{2})(\d{2})?|:(\d{2})(?::(\d{2}))?)?)$/;

/** Seconds of an offset text as Java's ZoneOffset.of reads it (up to ±18:00); undefined if it refuses it. */
export function offsetSeconds(text: string): number | undefined {
  const m = OFFSET.exec(text);
  if (!m) return undefined;
  return signedOffset(m[1]!, Number(m[2] ?? m[3]), Number(m[4] ?? m[6] ?? 0), Number(m[5] ?? m[7] ?? 0));
}

/** Seconds east of UTC of a sign and hours, minutes, seconds (never -0), or undefined past ±18:00 or a 60. */
function signedOffset(sign: string, h: number, min: number, s: number): number | undefined {
  const total = h * 3600 + min * 60 + s;
  if (min > 59 || s > 59 || total > 18 * 3600) return undefined;
  return sign === "-" && total !== 0 ? -total : total;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(region: string): Intl.DateTimeFormat | undefined {
  let f = formatters.get(region);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: region,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
        era: "short",
      });
    } catch {
      return undefined;
    }
    formatters.set(region, f);
  }
  return f;
}

let intlRegionIds: ReadonlySet<string> | undefined;

/** The region IDs of Intl's time zone data (read once). */
function intlIds(): ReadonlySet<string> {
  intlRegionIds ??= new Set(Intl.supportedValuesOf("timeZone"));
  return intlRegionIds;
}

/** Whether Java 17 or Intl's time zone data knows the region ID `id` (case-sensitive: Intl's own spelling). */
function isRegionId(id: string): boolean {
  return javaRegionIds().has(id) || intlIds().has(id);
}

/** A region ID (isRegionId) as a zone whose offsets Intl computes, or undefined (unknown, or rules not known here). */
function regionOf(id: string): Zone | undefined {
  if (!isRegionId(id)) return undefined;
  const region = SYSTEM_V_SAME_RULES[id] ?? id;
  return formatterOf(region) === undefined ? undefined : { region };
}

/** The zone `id` names as Java's ZoneId.of reads it, or undefined when Java refuses it (or its rules are not known here). */
export function zoneOf(id: string): Zone | undefined {
  if (id.length <= 1 || id.startsWith("+") || id.startsWith("-")) {
    const s = id === "Z" ? 0 : offsetSeconds(id);
    return s === undefined ? undefined : { offsetSeconds: s };
  }
  const prefixed = /^(UTC|GMT|UT)([+-].*)?$/.exec(id);
  if (prefixed) {
    const s = prefixed[2] === undefined ? 0 : offsetSeconds(prefixed[2]);
    return s === undefined ? undefined : { offsetSeconds: s };
  }
  return regionOf(id);
}

/** Earlier releases' offset forms: ZoneOffset.of's, and also `+01:0030`, `+0100:30`. */
const LEGACY_OFFSET = /^([+-])(\d{1,2})(?::?(\d{2})(?::?(\d{2}))?)?$/;

function legacyOffset(text: string): Zone | undefined {
  const m = LEGACY_OFFSET.exec(text);
  if (!m || (m[2]!.length === 1 && m[3] !== undefined)) return undefined;
  const seconds = signedOffset(m[1]!, Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0));
  return seconds === undefined ? undefined : { offsetSeconds: seconds };
}

/**
 * The zone earlier releases read `id` as where zoneOf refuses it (a stored config reads as it did):
 * a region Intl reads in any case (`europe/madrid`, `utc`) but three capital letters (`EST`), an
 * offset of their wider forms; undefined where they refused it too (`EST`, `Foo/Bar`, `SystemV/EST5EDT`).
 */
export function legacyZone(id: string): Zone | undefined {
  if (id === "Z") return UTC;
  if (id.startsWith("+") || id.startsWith("-")) return legacyOffset(id);
  const prefixed = /^(UTC|GMT|UT)(.*)$/.exec(id);
  if (prefixed) return prefixed[2] === "" ? UTC : legacyOffset(prefixed[2]!);
  if (!/^[A-Za-z][A-Za-z0-9~/._+-]+$/.test(id) || /^[A-Z]{3}$/.test(id)) return undefined;
  return formatterOf(id) === undefined ? undefined : { region: id };
}

/** The ID as Java spells it of one spelled in another case (`europe/madrid`: `Europe/Madrid`), or undefined. */
function javaSpelling(id: string): string | undefined {
  const lower = id.toLowerCase();
  return [...javaRegionIds(), ...intlIds(), "UTC", "GMT", "UT"].find((known) => known.toLowerCase() === lower);
}

/** Why Java's ZoneId.of refuses `id`, or why it is not read here; undefined when zoneOf reads it. */
export function zoneProblem(id: string): string | undefined {
  if (zoneOf(id) !== undefined) return undefined;
  const spelled = javaSpelling(id);
  if (spelled !== undefined && spelled !== id)
    return `Unknown time-zone ID: ${id} (IDs are case-sensitive: ${spelled})`;
  if (!isRegionId(id)) return `Unknown time-zone ID: ${id}`;
  if (id.startsWith("SystemV/"))
    return `The rules of Java's time-zone ID ${id} (its own daylight saving rules, of 1976) are not known here: name the region (America/New_York) or an offset (-05:00)`;
  return `The rules of the time-zone ID ${id} are not in this build's time zone data (Intl): name an offset (+02:00) or another region with the same rules`;
}

/**
 * The zone in brackets of a ZonedDateTime text (`…+01:00[Europe/Paris]`) as ZonedDateTime.parse
 * reads it (DateTimeFormatterBuilder's ZoneIdPrinterParser, case-sensitive): a region ID of Java 17,
 * (or of Intl's data, as zoneOf), `Z`, an offset `±hh:mm` or `±hh:mm:ss`, `UTC`/`GMT`/`UT` alone or followed by such an offset; not
 * ZoneId.of's other forms (`+1`, `+01`, `+0100`, `UTC+01`, `GMT0` is a region). undefined when Java
 * refuses it; null when Java reads it and its rules are not known here (SystemV/EST5EDT: the offset
 * before the brackets names the instant, so only a year at Java's limits needs them).
 */
export function bracketZone(id: string): Zone | null | undefined {
  const offset = /^(UTC|GMT|UT)?([+-]\d{2}:\d{2}(?::\d{2})?)?$/.exec(id);
  if (offset && id !== "") {
    const s = offset[2] === undefined ? 0 : offsetSeconds(offset[2]);
    return s === undefined ? undefined : { offsetSeconds: s };
  }
  if (isRegionId(id)) return regionOf(id) ?? null;
  return id === "Z" ? UTC : undefined;
}

const DAY_MS = 86_400_000;
/** Instants a region's offset is looked up at: within what a Date holds (±8.64e15 ms), local time included. */
const LOOKUP_LIMIT_MS = 8.64e15 - 2 * DAY_MS;

/** The offset in milliseconds of `region` at the instant `ms` (past the lookup limit: at the limit). */
function regionOffsetMs(region: string, ms: number): number {
  const parts: Record<string, string> = {};
  const at = new Date(Math.min(Math.max(ms, -LOOKUP_LIMIT_MS), LOOKUP_LIMIT_MS));
  for (const p of formatterOf(region)!.formatToParts(at)) parts[p.type] = p.value;
  const year = parts.era === "BC" || parts.era === "B" ? 1 - Number(parts.year) : Number(parts.year);
  const [month, day, hour, minute, second] = ["month", "day", "hour", "minute", "second"].map((t) => Number(parts[t]));
  // To the second: a local mean time's offset has seconds (Madrid's before 1901: -0:14:44). Not
  // Date.UTC, which takes a year 0..99 as 1900..1999.
  const local = new Date(0);
  local.setUTCFullYear(year, month! - 1, day);
  local.setUTCHours(hour!, minute, second);
  return local.getTime() - (at.getTime() - at.getUTCMilliseconds());
}

/** The offset in milliseconds of `zone` at the instant `ms`. */
export function offsetMsAt(zone: Zone, ms: number): number {
  return "offsetSeconds" in zone ? zone.offsetSeconds * 1000 : regionOffsetMs(zone.region, ms);
}

/** 400 Gregorian years in seconds: the same dates fall on the same weekdays again. */
const CYCLE_S = 146_097n * 86_400n;
const YEAR_2400_S = 13_569_465_600n;

/**
 * The offset in seconds of `zone` at the epoch second `s`, also past what a Date holds: after it as
 * whole 400-year cycles earlier (Java applies a region's last rules, which repeat with the weekdays),
 * before it as at its start (a region's first offset, its local mean time).
 */
export function offsetSecondsAt(zone: Zone, s: bigint): number {
  if ("offsetSeconds" in zone) return zone.offsetSeconds;
  const cycles = s > YEAR_2400_S ? (s - YEAR_2400_S) / CYCLE_S : 0n;
  return Math.round(regionOffsetMs(zone.region, Number(s - cycles * CYCLE_S) * 1000) / 1000);
}

/**
 * The instants (epoch milliseconds, ascending) whose local date and time in `zone` is `localMs`
 * (its fields read as UTC's): one, two in an overlap (a clock set back), none in a gap.
 */
export function instantsOfLocal(localMs: number, zone: Zone): number[] {
  if ("offsetSeconds" in zone) return [localMs - zone.offsetSeconds * 1000];
  const offsets = new Set([
    regionOffsetMs(zone.region, localMs - DAY_MS),
    regionOffsetMs(zone.region, localMs + DAY_MS),
  ]);
  return [...offsets]
    .filter((o) => regionOffsetMs(zone.region, localMs - o) === o)
    .map((o) => localMs - o)
    .sort((a, b) => a - b);
}

/**
 * The instant (epoch milliseconds) of the local date and time `localMs` (its fields read as UTC's)
 * in `zone`, as Java's ZonedDateTime.ofLocal: the earlier offset in an overlap, moved on by the gap in a gap.
 */
export function instantOfLocal(localMs: number, zone: Zone): number {
  if ("offsetSeconds" in zone) return localMs - zone.offsetSeconds * 1000;
  const valid = instantsOfLocal(localMs, zone);
  return valid[0] ?? localMs - regionOffsetMs(zone.region, localMs - DAY_MS);
}
