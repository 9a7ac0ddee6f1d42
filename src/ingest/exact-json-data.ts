/**
 * REST Proxy JSON data (v2 `json` records, v3 `JSON` keys and values) as sent, as Confluent REST
 * Proxy writes it (Jackson's JsonNode: members in the order sent, numbers as read). JSON.parse
 * rounds integers beyond 2^53 (a nanosecond timestamp, a 64-bit device id: 12345678901234567890
 * became 12345678901234567000, and two device keys could become one), respells numbers (`1.50`,
 * `3.0`) and enumerates integer-like member names ("10", "2024") first. So a body that may hold
 * such a number or name is read a second time exactly (json-reader.ts: bigint, JsonNumberText, the
 * text's member order), and each data value becomes its text as sent (api/data/json-as-sent.ts): a
 * Jackson-bound JsonText for JsonConverter (written as is, or read as LinkedHashMaps under a
 * transformation or an envelope, as the same data with plain numbers is), the text for
 * StringConverter and ByteArrayConverter, as the native path does. Bodies without them (most) are
 * read once.
 */
import { jacksonBoundJson, jsonTextAsSent } from "../api/data/json-as-sent.ts";
import { hasIntegerLikeKey } from "../api/data/json-key-order.ts";
import { readJsonText } from "../api/data/json-reader.ts";
import type { Element } from "./record-builder.ts";

/**
 * Spellings JSON.parse (then JSON.stringify) may change: 16 significant digits or more (a dot
 * may split them: `90071992.54740993` came back as `…94`; matched as 16 digits and dots, so some
 * 15 are read twice, harmlessly), an exponent, a fraction ending in 0 (`1.50`, `2.0`), a fraction
 * below 1e-6 (`0.0000001` came back as `1e-7`). Found anywhere, in a string too: each match is
 * then checked to be a number of the document (numberAt).
 */
const LOSSY_NUMBER = /\d(?:[\d.]{15}|[eE])|\.(?:\d*0(?!\d)|0{6})/g;

/**
 * `text` read exactly when JSON.parse may have changed a number in it or the order of an object's
 * members; undefined otherwise. `parsed`: JSON.parse of `text`, which the caller has: an object
 * whose first member is integer-like is one JSON.parse reordered (json-key-order.ts
 * `hasIntegerLikeKey`, one member looked at per object, no false match), cheaper than a look
 * through the text, whose cost grew with every member of a v2 batch.
 */
export function exactReading(text: string, parsed: unknown): unknown {
  LOSSY_NUMBER.lastIndex = 0;
  for (let match = LOSSY_NUMBER.exec(text); match !== null; match = LOSSY_NUMBER.exec(text))
    if (numberAt(text, match.index, LOSSY_NUMBER.lastIndex)) return readJsonText(text, true);
  // Numbers JSON.parse keeps: its reading, with the text's member order (json-key-order.ts).
  return hasIntegerLikeKey(parsed) ? readJsonText(text) : undefined;
}

/**
 * Whether text[start, end) lies in a JSON number of the document: in the run of number characters
 * around it, preceded by `[`, `:`, `,` or nothing and followed by `,`, `]`, `}` or nothing (white
 * space aside), as every number of a document is. Text in strings that only looks so (a UUID's
 * `0e`, an ISO time's `00.120Z`) is not, so a common body is still read once; a string that does
 * look so (`"a:1.50,"`) costs a second reading, never a wrong one.
 */
function numberAt(text: string, start: number, end: number): boolean {
  while (start > 0 && isNumberChar(text.charCodeAt(start - 1))) start--;
  while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
  while (start > 0 && isSpace(text.charCodeAt(start - 1))) start--;
  while (end < text.length && isSpace(text.charCodeAt(end))) end++;
  const before = start === 0 ? "" : text[start - 1];
  const after = end === text.length ? "" : text[end];
  return (
    (before === "" || before === "[" || before === ":" || before === ",") &&
    (after === "" || after === "," || after === "]" || after === "}")
  );
}

/** 0-9 . e E + - */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Member `key` of an exact reading (undefined when there is none). */
export function exactMember(exact: unknown, key: string | number): unknown {
  return exact !== null && typeof exact === "object" ? (exact as Record<string | number, unknown>)[key] : undefined;
}

/** A JSON data value as an element with its text: its text as sent when `exact` (its exact reading) is given. */
export function jsonDataElement(data: unknown, exact: unknown): Element & { kind: "json"; text: string } {
  if (exact === undefined) return { kind: "json", value: data, text: JSON.stringify(data) };
  const text = jsonTextAsSent(exact);
  return { kind: "json", value: jacksonBoundJson(text), text };
}
