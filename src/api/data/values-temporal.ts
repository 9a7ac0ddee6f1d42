/**
 * Values.parseString's dates, times and timestamps (values.ts): ISO text read as Java's lenient
 * SimpleDateFormat reads it, into Connect's Date, Time and Timestamp logical types.
 */
import type { SchemaAndValue } from "../converter.ts";
import { calendarMillis } from "./gregorian-calendar.ts";
import { bmpDigitsToAscii, ConnectDate, ConnectTime, ConnectTimestamp } from "./logical.ts";
import type { ValuesTokenizer } from "./values-tokenizer.ts";

/** A time or timestamp split at its colons spans five tokens: try those first, then the token alone. */
export function parseTemporalTokens(p: ValuesTokenizer, token: string): SchemaAndValue | null {
  const position = p.mark();
  const rest = p.nextTokens(4);
  if (rest !== null) {
    const temporal = parseTemporal(token + rest);
    if (temporal) return temporal;
  }
  p.rewindTo(position);
  return parseTemporal(token);
}

const DATE_PATTERN = /^(\d+)-(\d+)-(\d+)/;
const TIME_PATTERN = /^(\d+):(\d+):(\d+)\.(\d+)Z/;
const TIMESTAMP_PATTERN = /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z/;

/**
 * `yyyy-MM-dd` (10 characters), `HH:mm:ss.SSS'Z'` (13) or `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (24),
 * read leniently like Java's SimpleDateFormat: out-of-range fields roll over (2024-13-45 is
 * 2025-02-14), text after a complete match is ignored and dates before 1582-10-15 are Julian.
 * Always UTC.
 */
export function parseTemporal(text: string): SchemaAndValue | null {
  // SimpleDateFormat reads any decimal digit (Character.digit), ٢٠٢٤-٠١-٠١ too.
  const unescaped = text.replaceAll("\\:", ":");
  // Only these lengths can match (digit conversion keeps the length): a long token costs nothing more.
  if (unescaped.length !== 10 && unescaped.length !== 13 && unescaped.length !== 24) return null;
  const token = bmpDigitsToAscii(unescaped);
  const [pattern, schema] =
    token.length === 13
      ? [TIME_PATTERN, ConnectTime.schema()]
      : token.length === 24
        ? [TIMESTAMP_PATTERN, ConnectTimestamp.schema()]
        : token.length === 10
          ? [DATE_PATTERN, ConnectDate.schema()]
          : [null, null];
  const m = pattern?.exec(token);
  if (!m || !schema) return null;
  const f = m.slice(1).map(Number);
  const timeOfDay = (h: number, min: number, s: number, ms: number) => ((h * 60 + min) * 60 + s) * 1000 + ms;
  const date = new Date(
    pattern === TIME_PATTERN
      ? timeOfDay(f[0]!, f[1]!, f[2]!, f[3]!)
      : calendarMillis(
          f[0]!,
          f[1]! - 1,
          f[2]!,
          pattern === TIMESTAMP_PATTERN ? timeOfDay(f[3]!, f[4]!, f[5]!, f[6]!) : 0,
        ),
  );
  return Number.isNaN(date.getTime()) ? null : { schema, value: date };
}
