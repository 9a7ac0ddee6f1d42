/**
 * REST Proxy JSON data (v2 `json` records, v3 `JSON` keys and values) as sent: JSON.parse rounds
 * integers beyond 2^53 (a nanosecond timestamp, a 64-bit device id: 12345678901234567890 became
 * 12345678901234567000, and two device keys could become one), so a body with such a number is
 * read a second time exactly (json-reader.ts: bigint, JsonNumberText) and each data value becomes
 * its exact text (JsonText for JsonConverter, which writes it as is; the text for StringConverter
 * and ByteArrayConverter), as the native path does. Bodies without such numbers (most) are read once.
 */
import { readJsonText } from "../api/data/json-reader.ts";
import { JsonText } from "../api/data/json-text.ts";
import type { Element } from "./record-builder.ts";

/**
 * Digits JSON.parse may have rounded or respelled: a run of 16, an exponent, a fraction ending in
 * 0 (`1.50`, `2.0`). A plain fraction (`21.5`, the common reading) is read once.
 */
const LOSSY_NUMBER = /\d{16}|\d[eE]|\.\d*0(?!\d)/;

/** `text` read exactly when JSON.parse may have changed a number in it; undefined otherwise. */
export function exactReading(text: string): unknown {
  return LOSSY_NUMBER.test(text) ? readJsonText(text, true) : undefined;
}

/** Member `key` of an exact reading (undefined when there is none). */
export function exactMember(exact: unknown, key: string | number): unknown {
  return exact !== null && typeof exact === "object" ? (exact as Record<string | number, unknown>)[key] : undefined;
}

/** A JSON data value as an element with its text: its exact text when `exact` (its exact reading) is given. */
export function jsonDataElement(data: unknown, exact: unknown): Element & { kind: "json"; text: string } {
  if (exact === undefined) return { kind: "json", value: data, text: JSON.stringify(data) };
  const text = JSON.stringify(exact, (_key, v) => (typeof v === "bigint" ? JSON.rawJSON(v.toString()) : v));
  return { kind: "json", value: new JsonText(text), text };
}
