/**
 * The `http.offset.field` values of a page's records, to their last digit. The page is parsed
 * fast (api/data/json-reader.ts): a long integer is exact, but a decimal whose digits around its
 * point are 16 or more (`1700000000.123456789`, epoch seconds to the nanosecond) is read as the
 * nearest double, `1700000000.1234567`: the offset lost its last digits, `${offset}` asked the API
 * for an earlier instant, and a record a nanosecond after the offset compared equal to it and was
 * never delivered. So when a page's offsets are decimals, or whole numbers of the size of epoch
 * seconds (a fraction such as `.000000001` rounds away to nothing), and the page holds such a long
 * decimal, its records are read again exactly and the field is the number's text as the API sent
 * it where a double would round it, the double otherwise, as on any other page (records.ts
 * exactNumber: `1.50` is 1.5 on every page); so is a CURSOR pagination cursor, and so is a `http.record.key.field`
 * key (two records whose long decimal keys differ only past a double's digits kept one Kafka key, and
 * one TIMESTAMP fingerprint: offsets.ts). Used by poll-run.ts pageContent and pagination.ts.
 */
import { JsonNumberText, readJsonText } from "../../api/data/json-reader.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { Slicer } from "../../util/sliced.ts";
import type { OffsetValue } from "./offsets.ts";
import {
  exactNumber,
  fieldValue,
  offsetValueOf,
  type ResponseDocument,
  type SelectedRecord,
  selectFirst,
} from "./records.ts";

/** 16 or more digits around a decimal point: more than a double holds. */
const LONG_DECIMAL = /(?<![\d.])(?=[\d.]{17})\d+\.\d+/;
/** Whole numbers from here up to epoch milliseconds (instant.ts) may be epoch seconds whose fraction rounded away. */
const EPOCH_SECONDS = 1e9;
const EPOCH_MILLIS = 1e11;

/** Whether a number of the fast parse may be a long decimal rounded to a double. */
export function mayHaveLostDigits(value: unknown): boolean {
  if (typeof value !== "number") return false;
  const size = Math.abs(value);
  return !Number.isInteger(value) || (size >= EPOCH_SECONDS && size < EPOCH_MILLIS);
}

/**
 * The value `path` selects first in a page (its parse `json`, its `text`), a long decimal as its
 * text: the CURSOR pagination's cursor (pagination.ts).
 */
export function exactFirst(json: unknown, text: string | undefined, path: string): unknown {
  const value = selectFirst(json, path);
  // The fast parse keeps an integral number written with a fraction or exponent (`5.0`, `1e3`) as
  // its text, for schemaless Doubles: as a cursor it is the number, as on any other page.
  if (value instanceof JsonNumberText) return exactNumber(value);
  if (text === undefined || !mayHaveLostDigits(value) || !LONG_DECIMAL.test(text)) return value;
  const exact = selectFirst(readJsonText(text, true), path);
  return exact instanceof JsonNumberText ? exactNumber(exact) : value;
}

/**
 * `field` of each of the page's `elements` (an offset field or the key field), read from `doc`
 * exactly where the fast parse may have rounded it. Cheap unless it may: the page's text is scanned
 * only when a value is a decimal or of epoch seconds' size, and records are parsed again only when
 * the page holds a long decimal. `found`: the field's value in each element's fast parse (`fieldAt`)
 * when the caller already looked it up.
 */
export async function exactFieldValues(
  doc: ResponseDocument,
  elements: readonly SelectedRecord[],
  field: string,
  slicer: Slicer,
  found?: readonly unknown[],
): Promise<OffsetValue[]> {
  const values = found
    ? await slicer.map(found, (value) => offsetValueOf(value))
    : await slicer.map(elements, ({ parsed }) => fieldValue(parsed, field));
  if (!values.some(mayHaveLostDigits) || !LONG_DECIMAL.test(doc.text)) return values;
  return slicer.map(elements, (element, i) =>
    mayHaveLostDigits(values[i]!) && element.value instanceof JsonText
      ? fieldValue(readJsonText(element.value.text, true), field)
      : values[i]!,
  );
}
