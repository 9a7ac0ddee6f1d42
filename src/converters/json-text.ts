/**
 * JSON text in and out, as Apache's JsonConverter reads and writes it with Jackson.
 *
 * Reading keeps numbers exact where a JavaScript number would not: integers beyond ±2^53 become
 * bigint, and a fraction or exponent whose text a number would not reproduce (`1.50`, `1e3`,
 * `0.1234567890123456789`) becomes a `JsonNumberText` holding its source, so a Decimal keeps its
 * scale and digits. The exact reading uses `JSON.parse`'s reviver with `context.source`, which
 * costs time, so it runs only when the text can need it (a run of 16 digits, or a Connect logical
 * type name in the text) or when the caller asks for it.
 *
 * Writing is `JSON.stringify` plus Jackson's escapes: `\u001F` with upper-case hex, and every
 * UTF-16 surrogate (so characters outside the BMP) as a `\uXXXX` escape. Numbers whose Java text
 * differs from JavaScript's (`1.0`, `1.0E10`, big longs) come in as `JSON.rawJSON` values.
 */
import { DataError } from "../errors.ts";

/** A JSON number with a fraction or exponent, kept as its source text. */
export class JsonNumberText {
  constructor(readonly source: string) {}

  toNumber(): number {
    return Number(this.source);
  }

  toJSON(): unknown {
    return JSON.rawJSON(this.source);
  }
}

/** What Jackson calls a MissingNode: the content of empty or all-white-space input. */
export const MISSING: unique symbol = Symbol("MISSING");

const LOGICAL_NAME_PREFIX = "org.apache.kafka.connect.data.";
const LONG_DIGIT_RUN = /\d{16}/;
const INTEGRAL_SOURCE = /^-?\d+$/;
const ONLY_WHITE_SPACE = /^[ \t\n\r]*$/;
const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function exactNumbers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== "number" || context?.source === undefined) return value;
  const source = context.source;
  if (INTEGRAL_SOURCE.test(source)) return Number.isSafeInteger(value) ? value : BigInt(source);
  return String(value) === source ? value : new JsonNumberText(source);
}

/**
 * Parses UTF-8 JSON. Returns `MISSING` for empty input; throws DataError with Connect's message
 * (and the parser's error as `cause`) for anything that is not JSON.
 */
export function parseJson(bytes: Uint8Array, exact = false): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
    if (ONLY_WHITE_SPACE.test(text)) return MISSING;
    const needsExact = exact || LONG_DIGIT_RUN.test(text) || text.includes(LOGICAL_NAME_PREFIX);
    return needsExact ? JSON.parse(text, exactNumbers) : JSON.parse(text);
  } catch (cause) {
    throw new DataError("Converting byte[] to Kafka Connect data failed due to serialization error: ", { cause });
  }
}

const NEEDS_JACKSON_ESCAPES = /\\u|[\ud800-\udfff]/;
const ESCAPE_OR_SURROGATE = /\\(?:u([0-9a-f]{4})|[^u])|[\ud800-\udfff]/g;

function jacksonEscape(match: string, hex: string | undefined): string {
  if (hex !== undefined) return `\\u${hex.toUpperCase()}`;
  if (match.length === 1) return `\\u${match.charCodeAt(0).toString(16).toUpperCase()}`;
  return match;
}

/** JSON text of a JSON-safe value (plain objects, arrays, strings, numbers, `JSON.rawJSON`), as Jackson writes it. */
export function stringifyJson(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return NEEDS_JACKSON_ESCAPES.test(text) ? text.replace(ESCAPE_OR_SURROGATE, jacksonEscape) : text;
}

/** `stringifyJson` as UTF-8 bytes. */
export function writeJson(value: unknown): Uint8Array {
  return encoder.encode(stringifyJson(value));
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
