/**
 * How a CURSOR offset (http.offset.mode) advances over a page: the stored cursor is what the next
 * poll resumes after (`${offset}`), so it is the newest item, whatever order the API lists the page
 * in or http.response.list.order.direction gives it in Kafka. Called by poll-run.ts: pageContent
 * reads the page's order and each field's instant once (`cursorOrder`), pageRecords advances.
 *
 * - When every record of the page that has the field gives a number, or every one a timestamp, the
 *   cursor is the greatest: numbers are JSON numbers and integer strings in canonical form (`-12`,
 *   `0`, `9007199254740993`; not `007`, `+5`, `-0`, `1.0`), compared exactly (a long integer as a
 *   bigint, so `"10"` is after `"9"`); timestamps are read as TIMESTAMP mode reads them (instant.ts,
 *   castorm's parser keys) and compared as instants. The cursor the poll started from (or the
 *   previous page's) counts when it is of the same kind, so a page never moves it back.
 * - Otherwise (opaque cursors: UUIDs, tokens, a mix), the field of the page's last record in the
 *   order the records go to Kafka, as castorm stores its last sorted record's offset.
 */
import type { Slicer } from "../../util/sliced.ts";
import { epochNanos } from "./instant.ts";
import type { OffsetValue } from "./offsets.ts";
import type { InstantReader } from "./timestamp-reader.ts";

/**
 * How a CURSOR page's fields compare, read by pageContent in the slicer's slices (`cursorOrder`):
 * as numbers (cursorNumber, cheap: read again at each comparison), as instants (each record's, read
 * once, indexed by record as `values`), or not at all (opaque).
 */
export type CursorOrder =
  | { readonly kind: "number" }
  | { readonly kind: "instant"; readonly instants: readonly (bigint | null)[] }
  | { readonly kind: "opaque" };

const NUMBERS: CursorOrder = { kind: "number" };
const OPAQUE: CursorOrder = { kind: "opaque" };

const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;

/** A JSON number, or an integer string in canonical form as a bigint; null for anything else. */
export function cursorNumber(value: OffsetValue): number | bigint | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  return typeof value === "string" && CANONICAL_INTEGER.test(value) ? BigInt(value) : null;
}

/**
 * The order of a page whose records' fields are `values`: numbers when every field present gives
 * one, else instants when every one gives one (`instant`), else opaque. In `slicer`'s slices; each
 * pass stops at the first field without a place.
 */
export async function cursorOrder(
  values: readonly OffsetValue[],
  instant: InstantReader,
  slicer: Slicer,
): Promise<CursorOrder> {
  if (await slicer.every(0, values.length, (i) => values[i] === null || cursorNumber(values[i]!) !== null))
    return NUMBERS;
  // Allocated at the first field that reads as an instant: a page of opaque cursors allocates nothing.
  let instants: (bigint | null)[] | undefined;
  const timestamps = await slicer.every(0, values.length, (i) => {
    const value = values[i]!;
    if (value === null) {
      if (instants) instants[i] = null;
      return true;
    }
    const at = instant(value);
    if (at === null) return false;
    instants ??= new Array<bigint | null>(values.length).fill(null, 0, i);
    instants[i] = at;
    return true;
  });
  // A page of fields that are all null is NUMBERS above: here one field at least was read.
  return timestamps && instants ? { kind: "instant", instants } : OPAQUE;
}

/**
 * The cursor after each record, one call a record in Kafka order from the page's first (`value`:
 * the record's field, null when it has none; `index`: its place in the page), starting from
 * `start` (read once). `instant` reads `start` with instants.
 */
export function cursorAdvance(
  order: CursorOrder,
  start: OffsetValue,
  instant: InstantReader = epochNanos,
): (value: OffsetValue, index: number) => OffsetValue {
  let current = start;
  if (order.kind === "opaque")
    return (value) => {
      current = value ?? current;
      return current;
    };
  const place =
    order.kind === "number"
      ? (value: OffsetValue) => cursorNumber(value)
      : (_: OffsetValue, i: number) => order.instants[i]!;
  let at = order.kind === "number" ? cursorNumber(start) : instant(start);
  return (value, index) => {
    if (value === null) return current;
    const valueAt = place(value, index)!;
    // `<` compares a number with a bigint exactly.
    if (at !== null && valueAt <= at) return current;
    current = value;
    at = valueAt;
    return current;
  };
}
