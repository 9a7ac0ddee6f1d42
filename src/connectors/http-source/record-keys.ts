/**
 * The Kafka keys of a page's records (`http.record.key.field`), which also identify them at a
 * TIMESTAMP offset's own instant (offsets.ts): a string field is its text, a number its exact
 * value's text (exact-offsets.ts; one beyond a double, `1e999999`, its text as sent), an object or array its compact JSON text with the members in the
 * API's order and numbers as spelled (strings re-escaped as JSON.stringify writes them:
 * api/data/json-as-sent.ts), as the ingest connector's `ingest.key.field` makes a key of one.
 * Anything else (missing, null, a boolean) gives no key. An object or array nested more than
 * MAX_JSON_DEPTH levels deep (Jackson's limit, which castorm's connector reads the response with) is
 * an unreadable response: a ResponseFormatError, and behavior.on.error decides, as for a path that
 * cannot be evaluated. Used by poll-run.ts pageContent.
 */
import { jsonTextAsSent, mayHaveRespelledNumber } from "../../api/data/json-as-sent.ts";
import { MAX_JSON_DEPTH, tooDeepMessage, valueDeeperThan } from "../../api/data/json-depth.ts";
import { JsonNumberText, readJsonText } from "../../api/data/json-reader.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { Slicer } from "../../util/sliced.ts";
import { exactFieldValues } from "./exact-offsets.ts";
import type { OffsetValue } from "./offsets.ts";
import { fieldAt, type ResponseDocument, ResponseFormatError, type SelectedRecord } from "./records.ts";

/** A record's key from its exact fieldValue: its text, undefined without one. */
export function keyText(value: OffsetValue): string | undefined {
  return value === null ? undefined : String(value);
}

/** Whether a field's value (`fieldAt`) is an object or array. */
function isStructured(found: unknown): found is object {
  return found !== null && typeof found === "object" && !(found instanceof JsonNumberText);
}

/**
 * The key of a record whose field `found` (in the record's fast parse) is an object or array: its
 * JSON text as sent, read again exactly from the record's text when a number in it may be spelled
 * otherwise than the fast parse writes it (`1.50`).
 */
function structuredKeyText(record: SelectedRecord, found: object, field: string): string {
  if (valueDeeperThan(found, MAX_JSON_DEPTH))
    throw new ResponseFormatError(tooDeepMessage(`A record's http.record.key.field ${field}`, MAX_JSON_DEPTH));
  const text = record.value instanceof JsonText ? record.value.text : undefined;
  if (text === undefined || !mayHaveRespelledNumber(text)) return jsonTextAsSent(found);
  return jsonTextAsSent(fieldAt(readJsonText(text, true), field));
}

/**
 * The key of a record whose field is a number beyond a double (`1e999999`, which the fast parse
 * reads as Infinity, a value no offset holds): the number's text as the API sent it, read again
 * exactly from the record's text, as Connect's JsonConverter keeps a BigDecimal's digits.
 */
function overflowKeyText(record: SelectedRecord, field: string): string | undefined {
  const text = record.value instanceof JsonText ? record.value.text : undefined;
  const exact = text === undefined ? undefined : fieldAt(readJsonText(text, true), field);
  return exact instanceof JsonNumberText ? exact.source : undefined;
}

/**
 * The keys of `elements`, the page `doc`'s records, by `field`; undefined for a record without one.
 * Throws a ResponseFormatError for an object or array key nested too deep.
 */
export async function recordKeys(
  doc: ResponseDocument,
  elements: readonly SelectedRecord[],
  field: string,
  slicer: Slicer,
): Promise<(string | undefined)[]> {
  const found = await slicer.map(elements, ({ parsed }) => fieldAt(parsed, field));
  const values = await exactFieldValues(doc, elements, field, slicer, found);
  return slicer.map(elements, (element, i) => {
    const value = found[i];
    if (isStructured(value)) return structuredKeyText(element, value, field);
    if (typeof value === "number" && !Number.isFinite(value)) return overflowKeyText(element, field);
    return keyText(values[i]!);
  });
}
