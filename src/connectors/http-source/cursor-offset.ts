/**
 * How a CURSOR offset (http.offset.mode) advances over a page: the stored cursor is what the next
 * poll resumes after (`${offset}`), so it is the newest item, whatever order the API lists the page
 * in or http.response.list.order.direction gives it in Kafka. Called by poll-run.ts pageRecords.
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
import { epochNanos } from "./instant.ts";
import type { OffsetValue } from "./offsets.ts";
import type { InstantReader } from "./timestamp-reader.ts";

/** The cursor after a record whose field is `value` (null: the record has none), from `current`. */
export type CursorAdvance = (current: OffsetValue, value: OffsetValue) => OffsetValue;

type Order = (value: OffsetValue) => number | bigint | null;

const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;

/** A JSON number, or an integer string in canonical form as a bigint; null for anything else. */
export function cursorNumber(value: OffsetValue): number | bigint | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  return typeof value === "string" && CANONICAL_INTEGER.test(value) ? BigInt(value) : null;
}

/** How the cursor advances over a page whose records' fields, in Kafka order, are `values`. */
export function cursorAdvance(values: readonly OffsetValue[], instant: InstantReader = epochNanos): CursorAdvance {
  const present = values.filter((v) => v !== null);
  const order: Order | undefined = [cursorNumber, instant].find((o) => present.every((v) => o(v) !== null));
  if (order === undefined) return (current, value) => value ?? current;
  return (current, value) => {
    if (value === null) return current;
    const at = order(current);
    // `<` compares a number with a bigint exactly.
    return at !== null && order(value)! <= at ? current : value;
  };
}
