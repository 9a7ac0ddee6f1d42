/**
 * The Kafka keys of a page's records (`http.record.key.field`), which also identify them at a
 * TIMESTAMP offset's own instant (offsets.ts): a string field is its text, a number its exact
 * value's text (exact-offsets.ts), an object or array its JSON text as the API sent it (members in
 * the API's order, numbers as spelled, no white space: api/data/json-as-sent.ts), as the ingest
 * connector's `ingest.key.field` makes a key of one. Anything else (missing, null, a boolean) gives
 * no key. Used by poll-run.ts pageContent.
 */
import { jsonTextAsSent } from "../../api/data/json-as-sent.ts";
import { JsonNumberText, readJsonText } from "../../api/data/json-reader.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { Slicer } from "../../util/sliced.ts";
import { exactFieldValues } from "./exact-offsets.ts";
import type { OffsetValue } from "./offsets.ts";
import { fieldAt, type ResponseDocument, type SelectedRecord } from "./records.ts";

/** A record's key from its exact fieldValue: its text, undefined without one. */
export function keyText(value: OffsetValue): string | undefined {
  return value === null ? undefined : String(value);
}

/** A fraction, an exponent or a long digit run: a spelling the page's fast parse does not keep. */
const RESPELLED_NUMBER = /\d[.eE]|\d{16}/;

/**
 * The key of a record whose field is an object or array: its JSON text as sent, read again exactly
 * from the record's text when a number in it may be spelled otherwise than the fast parse writes
 * it (`1.50`). Undefined when the field holds no object or array.
 */
export function structuredKeyText(record: SelectedRecord, field: string): string | undefined {
  const found = fieldAt(record.parsed, field);
  if (found === null || typeof found !== "object" || found instanceof JsonNumberText) return undefined;
  const text = record.value instanceof JsonText ? record.value.text : undefined;
  if (text === undefined || !RESPELLED_NUMBER.test(text)) return jsonTextAsSent(found);
  return jsonTextAsSent(fieldAt(readJsonText(text, true), field));
}

/** The keys of `elements`, the page `doc`'s records, by `field`; undefined for a record without one. */
export async function recordKeys(
  doc: ResponseDocument,
  elements: readonly SelectedRecord[],
  field: string,
  slicer: Slicer,
): Promise<(string | undefined)[]> {
  const values = await exactFieldValues(doc, elements, field, slicer);
  return slicer.map(elements, (element, i) => {
    const value = values[i]!;
    return value === null ? structuredKeyText(element, field) : keyText(value);
  });
}
