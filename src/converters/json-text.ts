/**
 * JSON text in and out, as Apache's JsonConverter reads and writes it with Jackson. Reading is
 * api/data/json-reader.ts (exact for long integers and Decimal digits) plus Connect's errors.
 *
 * Writing is `JSON.stringify` plus Jackson's escapes (util/jackson-escapes.ts): `\u001F` with
 * upper-case hex, and every UTF-16 surrogate (so characters outside the BMP) as a `\uXXXX` escape.
 * Numbers whose Java text differs from JavaScript's (`1.0`, `1.0E10`, big longs) come in as
 * `JSON.rawJSON` values or, from connectToJson, as `javaNumber` strings: a marked string keeps
 * JSON.stringify on its fast path (a raw JSON value takes it off, at several times the cost), and
 * the mark is replaced by the number's text afterwards.
 */
import { MISSING, ONLY_WHITE_SPACE, readJsonText } from "../api/data/json-reader.ts";
import { JsonText } from "../api/data/json-text.ts";
import { DataError, JavaException, messageOf, serializationException } from "../errors.ts";
import { jacksonEscapes } from "../util/jackson-escapes.ts";
import { jacksonLenientText } from "./jackson-lenient-text.ts";
import { jacksonParseFailureClass } from "./jackson-parse-failure.ts";
import { jacksonLimitExceeded } from "./jackson-stream-limits.ts";

export { JsonNumberText, MISSING } from "../api/data/json-reader.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * Parses UTF-8 JSON. Returns `MISSING` for empty input; reads numbers with leading zeros and the first
 * value of bytes with more after it (UTF-8 or not) as Jackson does (jackson-lenient-text.ts, only
 * after the whole failed); throws DataError with Connect's message for
 * anything that is not JSON, its causes chained as Apache's are (a SerializationException around
 * Jackson's JsonParseException, or its JsonEOFException for a document that ends inside a value:
 * jackson-parse-failure.ts), with this parser's message: a FAILED task's trace reads the same
 * down to the parser's own wording.
 */
export function parseJson(bytes: Uint8Array, exact = false): unknown {
  let text: string | undefined;
  try {
    text = decoder.decode(bytes);
    if (ONLY_WHITE_SPACE.test(text)) return MISSING;
    checkLimits(text);
    return readJsonText(text, exact);
  } catch (error) {
    if (error instanceof DataError) throw error;
    const lenient = jacksonLenientText(bytes, text);
    if (lenient !== undefined) {
      // A decoded text was scanned above, to as far as Jackson reads: the lenient text is its first value.
      if (text === undefined) checkLimits(lenient);
      try {
        return readJsonText(lenient, exact);
      } catch {
        // Not JSON even as Jackson reads it: the error is the whole text's.
      }
    }
    const jackson = jacksonParseFailureClass(bytes, text);
    throw serializationError(new JavaException(jackson, messageOf(error)));
  }
}

/** Throws Connect's DataError around Jackson's StreamConstraintsException when `text` crosses one of its limits. */
function checkLimits(text: string): void {
  const exceeded = jacksonLimitExceeded(text);
  if (exceeded !== undefined) throw serializationError(new JavaException(STREAM_CONSTRAINTS_EXCEPTION, exceeded));
}

const STREAM_CONSTRAINTS_EXCEPTION = "com.fasterxml.jackson.core.exc.StreamConstraintsException";

/** Connect's error for bytes Jackson could not read: a SerializationException around Jackson's exception `parse`. */
function serializationError(parse: JavaException): DataError {
  const cause = serializationException(`${parse.javaClass}: ${parse.message}`);
  cause.cause = parse;
  return new DataError("Converting byte[] to Kafka Connect data failed due to serialization error: ", { cause });
}

/**
 * The bytes as a JsonText of themselves when they hold one valid JSON value in UTF-8 (a JSON
 * `null` as null, a leading byte order mark left out of the bytes); undefined for anything
 * `parseJson` would not read as a plain value (empty, white space only, not UTF-8, not JSON), so
 * the caller reads those the ordinary way and gets its result or its error. The check is
 * `JSON.parse` (native, the result thrown away), without building Connect data or writing JSON
 * again; what only Jackson reads (leading zeros, more after the first value) fails it, so
 * `parseJson` reads that too.
 */
export function jsonTextOf(bytes: Uint8Array): JsonText | null | undefined {
  let parsed: unknown;
  try {
    const text = decoder.decode(bytes);
    parsed = JSON.parse(text);
    if (jacksonLimitExceeded(text) !== undefined) return undefined;
  } catch {
    return undefined;
  }
  if (parsed === null) return null;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  // The bytes only: a sink holds the record until delivered, its text would double what it holds.
  return JsonText.fromBytes(bom ? bytes.subarray(3) : bytes);
}

/** Marks a number's Java text inside a string; random per process, so data cannot forge it. */
const NUMBER_NONCE = crypto.randomUUID();
const NUMBER_MARK = `${NUMBER_NONCE}:`;
/** The opening of a marked string as JSON.stringify writes it (nothing in the mark needs an escape). */
const NUMBER_MARK_JSON = `"${NUMBER_MARK}`;

/** `text` (a JSON number's text) to stand as that number in a value given to `stringifyJson`. */
export function javaNumber(text: string): string {
  return NUMBER_MARK + text;
}

/** Marks an object key to keep its place: JavaScript enumerates integer-like keys ("10") first. */
const KEY_MARK = `${NUMBER_NONCE}k`;
const KEY_MARK_JSON = `"${KEY_MARK}`;

/** `key` to stand for itself in an object given to `stringifyJson`, written where it is set, not where JavaScript would put it. */
export function orderedKey(key: string): string {
  return KEY_MARK + key;
}

/** The number text of a `javaNumber` string, or undefined for any other value. */
export function javaNumberOf(value: unknown): string | undefined {
  return typeof value === "string" && value.startsWith(NUMBER_MARK) ? value.slice(NUMBER_MARK.length) : undefined;
}

/**
 * JSON text of a JSON-safe value (plain objects, arrays, strings, numbers, `JSON.rawJSON`,
 * `javaNumber` strings, `orderedKey` keys), as Jackson writes it.
 */
export function stringifyJson(value: unknown): string {
  let text = JSON.stringify(value) ?? "null";
  let at = text.indexOf(NUMBER_MARK_JSON);
  if (at >= 0) {
    // Each marked string `"<mark><number>"` becomes `<number>`.
    let out = "";
    let copied = 0;
    while (at >= 0) {
      const start = at + NUMBER_MARK_JSON.length;
      const end = text.indexOf('"', start);
      out += text.slice(copied, at) + text.slice(start, end);
      copied = end + 1;
      at = text.indexOf(NUMBER_MARK_JSON, copied);
    }
    text = out + text.slice(copied);
  }
  if (text.includes(KEY_MARK_JSON)) text = text.replaceAll(KEY_MARK_JSON, '"');
  return jacksonEscapes(text);
}

/** `stringifyJson` as UTF-8 bytes. */
export function writeJson(value: unknown): Uint8Array {
  return encoder.encode(stringifyJson(value));
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
