/**
 * Time zones as Java's `ZoneId.of` names them (castorm's `http.response.record.timestamp.parser.zone`):
 * `Z`, an offset (`+2`, `+02`, `+02:00`, `+0200`, `+02:00:30`), `UTC`/`GMT`/`UT` alone or with an
 * offset (`GMT+2`, `UTC-05:00`), or a region (`Europe/Madrid`, read through Intl's time zone data).
 * A local date and time in a zone is one instant as Java's `ZonedDateTime.ofLocal` makes it: in a
 * DST gap the time moves on by the gap (02:30 → 03:30), in an overlap the earlier offset counts.
 * Used by instant.ts and timestamp-pattern.ts.
 */

/** A zone: a fixed offset in seconds east of UTC, or a region whose offset changes. */
export type Zone = { readonly offsetSeconds: number } | { readonly region: string };

export const UTC: Zone = { offsetSeconds: 0 };

const OFFSET = /^([+-])(\d{1,2})(?::?(\d{2})(?::?(\d{2}))?)?$/;

/** Seconds of an offset text `+h`, `+hh`, `+hh:mm`, `+hhmm`, `+hh:mm:ss`, `+hhmmss`; undefined if none. */
export function offsetSeconds(text: string): number | undefined {
  const m = OFFSET.exec(text);
  if (!m) return undefined;
  // Java: one or two hour digits alone, minutes and seconds only after two.
  if (m[2]!.length === 1 && m[3] !== undefined) return undefined;
  const [h, min, s] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (h > 18 || min > 59 || s > 59) return undefined;
  const total = h * 3600 + min * 60 + s;
  if (total > 18 * 3600) return undefined;
  return m[1] === "-" ? -total : total;
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

/** The zone `id` names as Java's ZoneId.of reads it, or undefined when Java would refuse it. */
export function zoneOf(id: string): Zone | undefined {
  if (id === "Z") return UTC;
  if (id.startsWith("+") || id.startsWith("-")) {
    const s = offsetSeconds(id);
    return s === undefined ? undefined : { offsetSeconds: s };
  }
  const prefixed = /^(UTC|GMT|UT)(.*)$/.exec(id);
  if (prefixed) {
    if (prefixed[2] === "") return UTC;
    const s = offsetSeconds(prefixed[2]!);
    return s === undefined ? undefined : { offsetSeconds: s };
  }
  // Java's region ids; its three-letter short ids (EST, …) are refused as ZoneId.of refuses them.
  if (!/^[A-Za-z][A-Za-z0-9~/._+-]+$/.test(id) || /^[A-Z]{3}$/.test(id)) return undefined;
  return formatterOf(id) === undefined ? undefined : { region: id };
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
