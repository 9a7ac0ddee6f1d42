/**
 * castorm's timestamp parser keys (group "Offset"), part of the HTTP source's config declaration in
 * config.ts: how a TIMESTAMP offset field's text is read as an instant (timestamp-reader.ts). A
 * castorm config's `http.response.record.timestamp.parser*` keys keep their meaning here. Their
 * checks are validation-only rules (timestampKeyProblems, validation-only.ts): a config stored
 * while these keys were ignored starts with a WARN and reads its timestamps as it did.
 */
import { key } from "../../plugin/config-def.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { compileJavaRegex, type JavaPattern } from "../../transforms/util/java-regex.ts";
import { compilePattern } from "./timestamp-pattern.ts";
import { legacyZone, zoneProblem as zoneIdProblem } from "./zone-id.ts";

const G = "Offset";
const PACKAGE = "com.github.castorm.kafka.connect.http.response.timestamp.";
/** castorm's parsers read here (NattyTimestampParser, natural language, is not). */
export const PARSERS = [
  "EpochMillisOrDelegateTimestampParser",
  "DateTimeFormatterTimestampParser",
  "EpochMillisTimestampParser",
  "RegexTimestampParser",
] as const;
export type ParserName = (typeof PARSERS)[number];

/** The parser a class name (castorm's, with or without its package) names, or undefined. */
export function parserNamed(name: string): ParserName | undefined {
  const simple = name.trim().startsWith(PACKAGE) ? name.trim().slice(PACKAGE.length) : name.trim();
  return PARSERS.find((p) => p === simple);
}

function parserProblem(name: string | null): string | undefined {
  if (name === null || parserNamed(name) !== undefined) return undefined;
  const natty = name.trim().endsWith("NattyTimestampParser") ? " (natural-language dates are not read here)" : "";
  return `Not a timestamp parser of this connector${natty}: one of ${PARSERS.join(", ")}, with or without the package ${PACKAGE.slice(0, -1)}`;
}

function parserPatternProblem(pattern: string | null): string | undefined {
  if (pattern === null) return undefined;
  try {
    compilePattern(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function zoneProblem(zone: string | null): string | undefined {
  return zone === null ? undefined : zoneIdProblem(zone);
}

function regexProblem(regex: string | null): string | undefined {
  if (regex === null) return undefined;
  let compiled: JavaPattern;
  try {
    // A Java regex (castorm's Pattern.compile): `\Q…\E`, `(?i)`, `\A`, possessive quantifiers mean what
    // they mean in Java; what cannot be run here is refused with the reason.
    compiled = compileJavaRegex(regex);
  } catch (error) {
    return `Invalid regular expression: ${(error as Error).message}`;
  }
  // castorm takes group 1 of the first match: a regex without one would fail every record.
  return compiled.groups.length > 1 ? undefined : "The regex needs a capturing group (…): the timestamp is its group 1";
}

export const timestampKeys = {
  "http.response.record.timestamp.parser": key.string({
    doc: "castorm's timestamp parser class: how a TIMESTAMP `http.offset.field` text is read. `EpochMillisOrDelegateTimestampParser` (an integer is epoch milliseconds, any other text is read by http.response.record.timestamp.parser.delegate, the pattern by default), `DateTimeFormatterTimestampParser` (the pattern only), `EpochMillisTimestampParser` (epoch milliseconds only), `RegexTimestampParser` (group 1 of http.response.record.timestamp.parser.regex, read by the regex delegate); with or without castorm's package. Unset, with no pattern either: ISO-8601 (also with a zone after a space, `2024-01-02T03:04:05 UTC`, `… +2`) or epoch seconds or milliseconds, and any text Date.parse reads that names a year and a month (`Tue Jan 02 2024`, `2024/01/02`), a numeric date with the year last month first (`01/02/2024` is January 2; the first one a task reads is a WARN: set http.response.record.timestamp.parser.pattern, `dd/MM/yyyy`, if the API means the day first). A text the parser does not read is not a timestamp (the record is delivered and does not move the offset); an ISO-8601 offset (http.initial.offset, one set through REST) is read whatever the parser.",
    default: null,
    group: G,
    recommended: [...PARSERS],
  }),
  "http.response.record.timestamp.parser.delegate": key.string({
    doc: "EpochMillisOrDelegateTimestampParser: the parser of a text that is no integer (one of the parsers above but EpochMillisOrDelegateTimestampParser).",
    default: "DateTimeFormatterTimestampParser",
    group: G,
    recommended: PARSERS.filter((p) => p !== "EpochMillisOrDelegateTimestampParser"),
  }),
  "http.response.record.timestamp.parser.pattern": key.string({
    doc: "castorm's Java DateTimeFormatter pattern of the timestamps (`yyyy-MM-dd HH:mm:ss`, `dd/MM/yyyy hh:mm a`, `EEE, dd MMM yyyy HH:mm:ss zzz`), read as Java reads it: case-sensitive, the whole text, English names, `[…]` optional; a day past the month's end is its last day, `24:00` the next midnight; the text needs a date and an hour. Letters y u M L d E a H k K h m s S n X x Z O VV z. Set without http.response.record.timestamp.parser, the parser is EpochMillisOrDelegateTimestampParser; unset with a castorm parser that needs one, castorm's `yyyy-MM-dd'T'HH:mm:ss[.SSS]X`.",
    default: null,
    group: G,
  }),
  "http.response.record.timestamp.parser.zone": key.string({
    doc: "castorm's zone of timestamps that name none (a Java ZoneId as Java 17's ZoneId.of reads it, case-sensitive: `UTC`, `Europe/Madrid`, `CET`, `+02:00`, `GMT+2`, or a region of newer tzdata the time zone data here knows, `America/Coyhaique`, as a newer Java update reads it; Java's SystemV/ IDs with daylight saving, whose rules are Java's alone, are refused): with a pattern and without one (`2024-01-01T10:00:00`, `2024/01/01 10:00:00`). A local time a DST change skips is moved on by the gap (02:30 → 03:30), one it repeats is the earlier instant, as Java's ZonedDateTime.",
    default: "UTC",
    group: G,
  }),
  "http.response.record.timestamp.parser.regex": key.string({
    doc: "RegexTimestampParser: a Java regular expression (castorm's java.util.regex; `\\Q…\\E`, `(?i)`, `\\A`, `\\Z`, possessive quantifiers read as Java reads them, syntax that cannot be run here refused) whose group 1, in the first match, is the timestamp (the rest of the text around it ignored); a text without a match is not a timestamp.",
    default: null,
    group: G,
  }),
  "http.response.record.timestamp.parser.regex.delegate": key.string({
    doc: "RegexTimestampParser: the parser of the regex's group 1 (one of the parsers above but RegexTimestampParser).",
    default: "DateTimeFormatterTimestampParser",
    group: G,
    recommended: PARSERS.filter((p) => p !== "RegexTimestampParser"),
  }),
};

const PARSER = "http.response.record.timestamp.parser";
const DELEGATE = "http.response.record.timestamp.parser.delegate";
const REGEX = "http.response.record.timestamp.parser.regex";
const REGEX_DELEGATE = "http.response.record.timestamp.parser.regex.delegate";
const ZONE = "http.response.record.timestamp.parser.zone";

/** The values of the timestamp keys, as parsed. */
export type TimestampKeyValues = { readonly [K in keyof typeof timestampKeys]: string | null };

/**
 * EpochMillisOrDelegateTimestampParser delegating to RegexTimestampParser, which delegates back, where
 * the parser is one of them (unset: the first): a loop without end (castorm's recursed as well).
 */
function mutualDelegates(c: TimestampKeyValues): string | undefined {
  const named = c[PARSER] === null ? undefined : parserNamed(c[PARSER]);
  const chained =
    named === undefined || named === "EpochMillisOrDelegateTimestampParser" || named === "RegexTimestampParser";
  return chained &&
    parserNamed(c[DELEGATE] ?? "") === "RegexTimestampParser" &&
    parserNamed(c[REGEX_DELEGATE] ?? "") === "EpochMillisOrDelegateTimestampParser"
    ? `RegexTimestampParser delegates back to EpochMillisOrDelegateTimestampParser (${REGEX_DELEGATE}): neither would ever read a timestamp`
    : undefined;
}

/** What is wrong with the timestamp keys, each on its key (none: timestamp-reader.ts reads with them). */
export function timestampKeyProblems(c: TimestampKeyValues): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const add = (k: string, message: string | undefined) => {
    if (message !== undefined) out.push({ key: k, message });
  };
  add(PARSER, parserProblem(c[PARSER]));
  const self = (name: string | null, own: ParserName) =>
    name !== null && parserNamed(name) === own ? `${own} cannot be its own delegate` : parserProblem(name);
  add(DELEGATE, self(c[DELEGATE], "EpochMillisOrDelegateTimestampParser") ?? mutualDelegates(c));
  add(REGEX_DELEGATE, self(c[REGEX_DELEGATE], "RegexTimestampParser"));
  add(
    "http.response.record.timestamp.parser.pattern",
    parserPatternProblem(c["http.response.record.timestamp.parser.pattern"]),
  );
  const zone = zoneProblem(c[ZONE]);
  // One earlier releases read (`europe/madrid`) is read as they read it, the other keys too (timestamp-reader.ts).
  if (zone !== undefined && legacyZone(c[ZONE]!) !== undefined)
    out.push({ key: ZONE, message: zone, runsAs: "is read as before, the other timestamp parser keys with it" });
  else add(ZONE, zone);
  add(REGEX, regexProblem(c[REGEX]));
  const named = c[PARSER];
  if (named !== null && parserNamed(named) === "RegexTimestampParser" && c[REGEX] === null)
    add(REGEX, `${REGEX} is required when ${PARSER}=RegexTimestampParser`);
  return out;
}
