/**
 * The nesting depth of JSON text, checked before anything recursive reads it: JSON.parse accepts
 * 100,000 levels, but code that walks the parsed value recursively (JsonText's reader, converters,
 * transformations) overflows the stack long before. The ingest parsers (src/ingest/) refuse a body
 * deeper than `ingest.max.json.depth` with 400; JsonText refuses a value deeper than
 * `MAX_JSON_DEPTH` with a DataError (the default nesting limit of Jackson's StreamReadConstraints
 * since Jackson 2.15, the parser behind Connect's JsonConverter).
 *
 * Cost: a text shorter than the limit, or with fewer opening brackets than the limit (counted with
 * native `indexOf`, which skips the text between them), cannot be too deep and is not scanned
 * character by character; a single device document costs a few `indexOf` calls.
 */
import { isPlainObject } from "./schemaless.ts";

/** The deepest JSON value the runtime reads (Jackson's default `maxNestingDepth`). */
export const MAX_JSON_DEPTH = 1000;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;

/** Whether `text` may hold more than `max` opening brackets (so a full scan is needed). */
export function mayBeDeeper(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (let at = text.indexOf("{"); at >= 0; at = text.indexOf("{", at + 1)) if (++count > max) return true;
  for (let at = text.indexOf("["); at >= 0; at = text.indexOf("[", at + 1)) if (++count > max) return true;
  return false;
}

/**
 * Whether the JSON text nests arrays and objects more than `max` levels deep (brackets inside
 * strings do not count). Works on any text: for one that is not JSON the answer is only about its
 * brackets, and parsing it reports the error.
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  if (!mayBeDeeper(text, max)) return false;
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      if (i < 0) return false;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** Index of the quote closing the string opened at `open`, or -1 (a quote after an odd run of backslashes is escaped). */
export function closingQuote(text: string, open: number): number {
  return unescapedQuote(text, open + 1);
}

/**
 * Index of the first quote at or after `from` that is not escaped, or -1: `from` is inside a string
 * and not escaped itself, so a quote after an odd run of backslashes (counted back to `from`) is escaped.
 */
export function unescapedQuote(text: string, from: number): number {
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    // Most quotes follow no backslash: answered without counting a run (the split's hot path).
    if (text.charCodeAt(quote - 1) !== 0x5c || backslashesBefore(text, quote, from) % 2 === 0) return quote;
    from = quote + 1;
  }
}

/** How many backslashes run back from just before `end`, not past `from`. */
export function backslashesBefore(text: string, end: number, from: number): number {
  let b = end - 1;
  while (b >= from && text.charCodeAt(b) === 0x5c) b--;
  return end - 1 - b;
}

/** The message for a value over the limit: what it is, the limit, and `key` (the setting) when there is one. */
export function tooDeepMessage(what: string, max: number, key?: string): string {
  return `${what} nests arrays and objects more than ${max} levels deep${key ? ` (${key})` : ""}`;
}

/**
 * Whether a parsed JSON value nests arrays and objects more than `max` levels deep (`[]` is one
 * level), as `jsonDeeperThan` on its text. A loop, not recursion: JSON.parse reads deeper nesting
 * than the call stack allows. Objects that are not arrays or plain objects (a bigint's JsonNumberText)
 * count as values.
 */
export function valueDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    const children = Array.isArray(item) ? item : isPlainObject(item) ? Object.values(item) : undefined;
    if (children === undefined) continue;
    if (depth > max) return true;
    for (const child of children) if (child !== null && typeof child === "object") pending.push([child, depth + 1]);
  }
  return false;
}
