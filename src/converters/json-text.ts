/**
 * JSON text in and out, as Apache's JsonConverter reads and writes it with Jackson. Reading is
 * api/data/json-reader.ts (exact for long integers and Decimal digits) plus Connect's errors.
 *
 * Writing is `JSON.stringify` plus Jackson's escapes (util/jackson-escapes.ts): `\u001F` with
 * upper-case hex, and every UTF-16 surrogate (so characters outside the BMP) as a `\uXXXX` escape.
 * Numbers whose Java text differs from JavaScript's (`1.0`, `1.0E10`, big longs) come in as
 * `JSON.rawJSON` values.
 */
import { MISSING, ONLY_WHITE_SPACE, readJsonText } from "../api/data/json-reader.ts";
import { JsonText } from "../api/data/json-text.ts";
import { DataError, JavaException, messageOf } from "../errors.ts";
import { jacksonEscapes } from "../util/jackson-escapes.ts";
import { jacksonParseFailureClass } from "./jackson-parse-failure.ts";

export { JsonNumberText, MISSING } from "../api/data/json-reader.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * Parses UTF-8 JSON. Returns `MISSING` for empty input; throws DataError with Connect's message for
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
    return readJsonText(text, exact);
  } catch (error) {
    const jackson = jacksonParseFailureClass(bytes, text);
    const parse = new JavaException(jackson, messageOf(error));
    const cause = new JavaException(
      "org.apache.kafka.common.errors.SerializationException",
      `${jackson}: ${parse.message}`,
    );
    cause.cause = parse;
    throw new DataError("Converting byte[] to Kafka Connect data failed due to serialization error: ", { cause });
  }
}

/**
 * The bytes as a JsonText of themselves when they hold one valid JSON value in UTF-8 (a JSON
 * `null` as null, a leading byte order mark left out of the bytes); undefined for anything
 * `parseJson` would not read as a plain value (empty, white space only, not UTF-8, not JSON), so
 * the caller reads those the ordinary way and gets its result or its error. The check is
 * `JSON.parse` (native, the result thrown away): the same acceptance as `parseJson`, without
 * building Connect data or writing JSON again.
 */
export function jsonTextOf(bytes: Uint8Array): JsonText | null | undefined {
  let text: string;
  let parsed: unknown;
  try {
    text = decoder.decode(bytes);
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null) return null;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return new JsonText(text, bom ? bytes.subarray(3) : bytes);
}

/** JSON text of a JSON-safe value (plain objects, arrays, strings, numbers, `JSON.rawJSON`), as Jackson writes it. */
export function stringifyJson(value: unknown): string {
  return jacksonEscapes(JSON.stringify(value) ?? "null");
}

/** `stringifyJson` as UTF-8 bytes. */
export function writeJson(value: unknown): Uint8Array {
  return encoder.encode(stringifyJson(value));
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
