/**
 * JSON a client sent, written again as Jackson bound it into `Object` (a LinkedHashMap per object,
 * as Confluent REST Proxy reads a record's JSON data): compact, each object's members in the text's
 * order, each number as the text spelled it. The value is an exact reading (json-reader.ts
 * `readJsonText(text, true)`: long integers as bigint, `1.50` or `3.0` as a JsonNumberText), whose
 * objects carry the text's member order where JSON.parse would put integer-like names ("10",
 * "2024") first (json-key-order.ts). Used for REST Proxy JSON data (ingest/exact-json-data.ts),
 * `ingest.key.field` (ingest/record-builder.ts) and `http.record.key.field` (connectors/http-source).
 */
import { jacksonEscapes } from "../../util/jackson-escapes.ts";
import { objectEntries } from "./java-map-order.ts";
import { JsonNumberText } from "./json-reader.ts";
import { JsonText } from "./json-text.ts";

/**
 * Whether `text` may hold a number JSON.parse rounds or respells: a run of 16 digits, a fraction or
 * an exponent (`1.50`, `1e3`). Digits in a string that look so match too: a false match only costs
 * an exact reading.
 */
export function mayHaveRespelledNumber(text: string): boolean {
  return RESPELLED_NUMBER.test(text);
}

const RESPELLED_NUMBER = /\d{16}|\d[.eE]/;

/**
 * The JSON text of `value`, an exact reading, as sent: members in the text's order, numbers as
 * spelled, no white space; strings as JSON.stringify escapes them (the text a StringConverter or
 * ByteArrayConverter writes).
 */
export function jsonTextAsSent(value: unknown): string {
  if (value === null || typeof value !== "object")
    return typeof value === "bigint" ? value.toString() : (JSON.stringify(value) ?? "null");
  if (value instanceof JsonNumberText) return value.source;
  if (Array.isArray(value)) return `[${value.map(jsonTextAsSent).join(",")}]`;
  let out = "";
  for (const [key, member] of objectEntries(value as Record<string, unknown>))
    out += `${out === "" ? "" : ","}${JSON.stringify(key)}:${jsonTextAsSent(member)}`;
  return `{${out}}`;
}

/**
 * `text` (a `jsonTextAsSent`) as the record key or value JsonConverter gets: with Jackson's escapes
 * (util/jackson-escapes.ts), so that it is the bytes JsonConverter writes for the same data read
 * without numbers to keep (a plain object), and read as a LinkedHashMap under a transformation or
 * a `schemas.enable=true` envelope (JsonText.jacksonBound).
 */
export function jacksonBoundJson(text: string): JsonText {
  return JsonText.jacksonBound(jacksonEscapes(text));
}
