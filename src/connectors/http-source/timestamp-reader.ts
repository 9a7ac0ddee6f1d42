/**
 * How a TIMESTAMP offset's text becomes an instant (epoch nanoseconds), from castorm's timestamp
 * parser keys (timestamp-keys.ts). None set: instant.ts's reading (ISO-8601, epoch seconds or
 * milliseconds, Date.parse), zone-less texts in UTC. Only the zone set: the same, zone-less texts in
 * that zone. A parser, a pattern or another delegate set: castorm's parsers (EpochMillisOrDelegateTimestampParser,
 * DateTimeFormatterTimestampParser, EpochMillisTimestampParser, RegexTimestampParser) as castorm
 * reads with them; an ISO-8601 text they do not read is still read as ISO-8601, the form of
 * castorm's own initial offset (`http.initial.offset`, offsets set through REST; one such text read only
 * by a day's clamp is refused there: offsetRefusal). Keys validation refuses (timestampKeyProblems)
 * read as none set, in the zone when it is one: a stored config's. A zone it refuses that earlier
 * releases read (`europe/madrid`, case-insensitively, as castorm does not: zone-id.ts legacyZone) is
 * read as they read it, the other keys too; one they refused too (`EST`) is a refused key as above.
 * Used by offsets.ts (through the task and the connector) and validation-only.ts.
 */
import { compileJavaRegex } from "../../transforms/util/java-regex.ts";
import type { HttpSourceConfig } from "./config.ts";
import { epochNanos } from "./instant.ts";
import { clampedDay } from "./iso-date-time.ts";
import type { OffsetValue } from "./offsets.ts";
import { type ParserName, parserNamed, timestampKeyProblems } from "./timestamp-keys.ts";
import { compilePattern, parseWithPattern } from "./timestamp-pattern.ts";
import { legacyZone, UTC, type Zone, zoneOf } from "./zone-id.ts";

/** Epoch nanoseconds of an offset value, or null when it is not a timestamp. */
export type InstantReader = (value: OffsetValue) => bigint | null;

/** castorm's DateTimeFormatterTimestampParser default pattern. */
export const CASTORM_PATTERN = "yyyy-MM-dd'T'HH:mm:ss[.SSS]X";
const NS_PER_MS = 1_000_000n;
const LONG = /^[+-]?\d{1,19}$/;
const ISO_DATE_TIME = /^\s*[+-]?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}/i;

/** The timestamp keys of a config (a subset: the validation of single keys has passed). */
export type TimestampSettings = Pick<
  HttpSourceConfig,
  | "http.response.record.timestamp.parser"
  | "http.response.record.timestamp.parser.delegate"
  | "http.response.record.timestamp.parser.pattern"
  | "http.response.record.timestamp.parser.zone"
  | "http.response.record.timestamp.parser.regex"
  | "http.response.record.timestamp.parser.regex.delegate"
>;

type TextReader = (text: string) => bigint | null;

/** castorm's EpochMillisTimestampParser: Long.valueOf, epoch milliseconds. */
function epochMillis(text: string): bigint | null {
  if (!LONG.test(text)) return null;
  const n = BigInt(text);
  return n > 9223372036854775807n || n < -9223372036854775808n ? null : n * NS_PER_MS;
}

function parserOf(name: ParserName, c: TimestampSettings, zone: Zone): TextReader {
  const pattern = () => {
    const compiled = compilePattern(c["http.response.record.timestamp.parser.pattern"] ?? CASTORM_PATTERN);
    return (text: string) => parseWithPattern(compiled, text, zone);
  };
  switch (name) {
    case "EpochMillisTimestampParser":
      return epochMillis;
    case "DateTimeFormatterTimestampParser":
      return pattern();
    case "EpochMillisOrDelegateTimestampParser": {
      const named = parserNamed(c["http.response.record.timestamp.parser.delegate"] ?? "");
      const delegate =
        named === undefined || named === "EpochMillisOrDelegateTimestampParser" ? pattern() : parserOf(named, c, zone);
      return (text) => epochMillis(text) ?? delegate(text);
    }
    case "RegexTimestampParser": {
      // A Java regex (keys validation refuses one that cannot be run: the reader is not built with it).
      const regex = compileJavaRegex(c["http.response.record.timestamp.parser.regex"] ?? "(.*)");
      const group1 = regex.groups[1]!;
      const delegateName = parserNamed(c["http.response.record.timestamp.parser.regex.delegate"] ?? "");
      const delegate = parserOf(
        delegateName === undefined || delegateName === "RegexTimestampParser"
          ? "DateTimeFormatterTimestampParser"
          : delegateName,
        c,
        zone,
      );
      return (text) => {
        const group = regex.find.exec(text)?.[group1];
        return group === undefined ? null : delegate(group);
      };
    }
  }
}

const ZONE_KEY = "http.response.record.timestamp.parser.zone";

/** The zone texts without one are read in: the key's, as earlier releases read it when Java refuses it, else UTC. */
function zoneOfKeys(c: TimestampSettings): Zone {
  return zoneOf(c[ZONE_KEY]) ?? legacyZone(c[ZONE_KEY]) ?? UTC;
}

/**
 * Whether the parser keys are read (else the reading is as none set): some set, and none refused by
 * keys validation (validation-only: a config stored while they were ignored reads as before) but a
 * zone earlier releases read (`europe/madrid`): they read the parser keys with it.
 */
function parserKeysRead(c: TimestampSettings): boolean {
  const named = c["http.response.record.timestamp.parser"];
  const pattern = c["http.response.record.timestamp.parser.pattern"];
  const delegate = parserNamed(c["http.response.record.timestamp.parser.delegate"] ?? "");
  const legacy = legacyZone(c[ZONE_KEY]) !== undefined;
  if (timestampKeyProblems(c).some((p) => p.key !== ZONE_KEY || !legacy)) return false;
  return !(named === null && pattern === null && delegate === "DateTimeFormatterTimestampParser");
}

/** The configured parser (without the ISO-8601 reading after it), or undefined when the keys read as none set. */
function configuredParser(c: TimestampSettings, zone: Zone): TextReader | undefined {
  if (!parserKeysRead(c)) return undefined;
  return parserOf(
    parserNamed(c["http.response.record.timestamp.parser"] ?? "EpochMillisOrDelegateTimestampParser") ??
      "EpochMillisOrDelegateTimestampParser",
    c,
    zone,
  );
}

/** The reader of a config's TIMESTAMP offsets, as described above. */
export function instantReader(c: TimestampSettings): InstantReader {
  const zone = zoneOfKeys(c);
  const read = configuredParser(c, zone);
  if (read === undefined)
    return zone === UTC ? (value) => epochNanos(value) : remembered((value) => epochNanos(value, zone));
  return remembered((value) => {
    if (value === null) return null;
    // castorm reads the field's text (Jackson's asText): a number as it is written.
    const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : value;
    if (text.trim() === "") return null;
    const instant = read(text);
    if (instant !== null) return instant;
    return ISO_DATE_TIME.test(text) ? epochNanos(text, zone) : null;
  });
}

/** Why castorm refuses an offset text instantReader reads, or undefined (offsetRefusal). */
export type OffsetRefusal = (text: string) => string | undefined;

/**
 * Why castorm refuses `text` as http.initial.offset or an offset set through REST though
 * instantReader(c) reads it (a record's field), or undefined: read only by castorm's default reader
 * taking a day past the month's end as its last (`2024-02-30T00:00:00Z`, iso-date-time.ts clampedDay),
 * which castorm's Instant.parse refuses, whatever the parser keys. A text a configured pattern other
 * than castorm's default reads (`yyyy-MM-dd HH:mm:ss` reads `2024-02-30 10:00:00` as 02-29) is
 * castorm's to read: not refused.
 */
export function offsetRefusal(c?: TimestampSettings): OffsetRefusal {
  const pattern = c?.["http.response.record.timestamp.parser.pattern"] ?? CASTORM_PATTERN;
  const read = c === undefined || pattern === CASTORM_PATTERN ? undefined : configuredParser(c, zoneOfKeys(c));
  return (text) => ((read?.(text) ?? null) === null ? clampedDay(text) : undefined);
}

/** What a parser reads, in words (the error of a text it does not read names the configured one). */
function parserForm(name: ParserName, c: TimestampSettings): string {
  const pattern = () =>
    `the pattern ${JSON.stringify(c["http.response.record.timestamp.parser.pattern"] ?? CASTORM_PATTERN)}`;
  switch (name) {
    case "EpochMillisTimestampParser":
      return "epoch milliseconds";
    case "DateTimeFormatterTimestampParser":
      return pattern();
    case "EpochMillisOrDelegateTimestampParser": {
      const named = parserNamed(c["http.response.record.timestamp.parser.delegate"] ?? "");
      const delegate =
        named === undefined || named === "EpochMillisOrDelegateTimestampParser" ? pattern() : parserForm(named, c);
      return `epoch milliseconds or ${delegate}`;
    }
    case "RegexTimestampParser": {
      const named = parserNamed(c["http.response.record.timestamp.parser.regex.delegate"] ?? "");
      const delegate = parserForm(
        named === undefined || named === "RegexTimestampParser" ? "DateTimeFormatterTimestampParser" : named,
        c,
      );
      return `group 1 of the regex ${JSON.stringify(c["http.response.record.timestamp.parser.regex"] ?? "(.*)")} read as ${delegate}`;
    }
  }
}

/**
 * The configured parser's texts in words (`epoch milliseconds or the pattern "dd/MM/yyyy HH:mm"
 * (EpochMillisOrDelegateTimestampParser)`), or undefined when instantReader(c) reads without parser keys.
 */
export function parserKeysForm(c: TimestampSettings): string | undefined {
  if (!parserKeysRead(c)) return undefined;
  const named = c["http.response.record.timestamp.parser"];
  const parser = parserNamed(named ?? "EpochMillisOrDelegateTimestampParser") ?? "EpochMillisOrDelegateTimestampParser";
  return `${parserForm(parser, c)} (${parser})`;
}

/** The texts instantReader(c) reads, in words, for the error about one it does not. */
export function timestampForm(c: TimestampSettings): string {
  const parsed = parserKeysForm(c);
  return parsed === undefined ? "ISO-8601 or epoch" : `${parsed}, or ISO-8601`;
}

const REMEMBERED = 1024;
/** Longer texts are read each time, not kept: 1024 long strings would hold memory a page does not need. */
export const REMEMBERED_TEXT_LENGTH = 64;

/**
 * `read` with its last answers remembered: a page's records are compared with the poll's offset and
 * the best so far again and again, and a region zone's reading asks Intl for offsets (microseconds each).
 * Exported for its test.
 */
export function remembered(read: InstantReader): InstantReader {
  const answers = new Map<OffsetValue, bigint | null>();
  return (value) => {
    if (typeof value === "string" && value.length > REMEMBERED_TEXT_LENGTH) return read(value);
    const known = answers.get(value);
    if (known !== undefined || answers.has(value)) return known ?? null;
    const answer = read(value);
    if (answers.size >= REMEMBERED) answers.clear();
    answers.set(value, answer);
    return answer;
  };
}
