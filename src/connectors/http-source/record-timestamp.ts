/**
 * castorm's `http.response.record.timestamp.pointer`: the Kafka timestamp of each record is the
 * instant its field at that JSON Pointer (RFC 6901, `/updated_at`) names, read as a TIMESTAMP
 * offset field is (castorm's timestamp parser keys, timestamp-reader.ts), as castorm's connector
 * gives its records the timestamp it parsed. Unset, or for a record whose field is missing or no
 * timestamp (castorm's poll fails there), an instant before 1970 (Kafka refuses a negative
 * timestamp) or more than an hour after the poll (MAX_AHEAD_MS), the record's timestamp is the
 * poll's time, as always. The key sets the timestamp
 * only: the offset is http.offset.mode's and http.offset.field's business.
 * And castorm's `http.response.list.order.direction`, its OrderDirectionSourceRecordSorter: `ASC`
 * keeps a page's records in the response's order, `DESC` reverses them (a newest-first API's go to
 * Kafka oldest first), `IMPLICIT` (castorm's default) reverses them when the page's first record's
 * timestamp is after its last's, which only a timestamp pointer can make so (else every record has
 * the poll's time). A page is reversed before anything reads it, so a TIMESTAMP offset and a resumed
 * poll's skipped records follow the order Kafka gets; a CURSOR of numbers or timestamps is the
 * greatest whatever the order, an opaque one the last record's in that order (cursor-offset.ts).
 * Their checks are validation-only rules (validation-only.ts): a config stored while the keys were
 * only warned about starts as before; a value that is no JSON Pointer gives every record the poll's
 * time, an unknown direction keeps the response's order.
 * Used by config.ts (the declaration) and poll-run.ts (the records).
 */
import { JsonNumberText } from "../../api/data/json-reader.ts";
import { pointerTokens } from "../../api/data/json-spans.ts";
import { check, key } from "../../plugin/config-def.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import type { OffsetValue } from "./offsets.ts";
import { exactNumber, type SelectedRecord } from "./records.ts";
import type { InstantReader } from "./timestamp-reader.ts";

const POINTER = "http.response.record.timestamp.pointer";
const DIRECTION = "http.response.list.order.direction";
const DIRECTIONS = ["ASC", "DESC", "IMPLICIT"] as const;

export const recordTimestampKeys = {
  [POINTER]: key.string({
    doc: "castorm's JSON Pointer (RFC 6901: `/updated_at`, `/meta/created`) to the record's timestamp: its instant, read as a TIMESTAMP http.offset.field is (http.response.record.timestamp.parser* keys included), becomes the record's Kafka timestamp, as in castorm's connector. Unset, or for a record without a timestamp there (missing, not a timestamp, before 1970, more than an hour after the poll: Kafka 4's default message.timestamp.after.max.ms refuses it), the record's timestamp is the poll's time. A timestamp older than the topic's retention.ms is written as it is: time retention may then delete its record soon after (a segment goes once its newest timestamp is that old). It does not set the offset: use http.offset.mode=TIMESTAMP with http.offset.field for that.",
    default: null,
    group: "Offset",
  }),
  [DIRECTION]: key.string({
    doc: "castorm's order of a page's records: `ASC` as the response has them, `DESC` reversed (a newest-first API's records go to Kafka oldest first), `IMPLICIT` reversed when the page's first record's timestamp (http.response.record.timestamp.pointer) is after its last's. Without a timestamp pointer, `IMPLICIT` keeps the response's order.",
    default: "IMPLICIT",
    group: "Offset",
    recommended: [...DIRECTIONS],
  }),
} as const;

const isPointer = (value: string) => value === "" || value.startsWith("/");

const directionProblem = check.oneOfIgnoreCase(DIRECTIONS);

/** The two keys' values, as parsed. */
interface RecordTimeKeys {
  readonly [POINTER]: string | null;
  readonly [DIRECTION]: string;
}

/** What validation refuses (not at start: the keys were only warned about before they were read). */
export function recordTimestampProblems(c: RecordTimeKeys): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const pointer = c[POINTER];
  if (pointer !== null && !isPointer(pointer))
    out.push({ key: POINTER, message: "Not a JSON Pointer (RFC 6901): empty, or starting with / (/updated_at)" });
  const direction = directionProblem(c[DIRECTION]);
  if (direction !== undefined) out.push({ key: DIRECTION, message: direction });
  return out;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/** The value at a pointer's `tokens` in a record's exact parse, or undefined. */
function valueAt(record: unknown, tokens: readonly string[]): unknown {
  let at = record;
  for (const token of tokens) {
    if (Array.isArray(at)) at = ARRAY_INDEX.test(token) ? at[Number(token)] : undefined;
    else if (at !== null && typeof at === "object" && !(at instanceof JsonNumberText) && Object.hasOwn(at, token))
      at = (at as Record<string, unknown>)[token];
    else return undefined;
  }
  return at;
}

/** A page's records as Kafka gets them: their timestamps and their order. */
export interface RecordTimes {
  /**
   * A record's Kafka timestamp (epoch ms) from its exact parse, undefined for the poll's time (`now`).
   * `known`: a value already read by the same reader and its instant (the record's TIMESTAMP offset
   * field), not read again when the pointer's value is that one.
   */
  at(parsed: unknown, now?: number, known?: KnownInstant): number | undefined;
  /** Whether a page's records, in the response's order, go to Kafka reversed. */
  reversed(records: readonly SelectedRecord[]): boolean;
  /** The reader of the pointer's values: a KnownInstant is one this reader read. */
  readonly instant: InstantReader;
}

/** A value and its instant as the config's reader reads it. */
export interface KnownInstant {
  readonly value: OffsetValue;
  readonly at: bigint | null;
}

const NS_PER_MS = 1_000_000n;
/**
 * How far past the poll's time a record's timestamp may be: Kafka 4's default
 * `message.timestamp.after.max.ms`. A broker refuses a later one (INVALID_TIMESTAMP), which would
 * fail the task at every restart; such a record has the poll's time.
 */
const MAX_AHEAD_MS = 3_600_000;

/**
 * The record times of the two keys (the pointer's fields read by `instant`); undefined when neither changes
 * anything (no usable pointer, and ASC or IMPLICIT, which then keeps the order too).
 */
export function recordTimesOf(c: RecordTimeKeys, instant: InstantReader): RecordTimes | undefined {
  const pointer = c[POINTER];
  const order = c[DIRECTION].toUpperCase();
  // Split once, not per record.
  const tokens = pointer !== null && isPointer(pointer) ? pointerTokens(pointer) : undefined;
  if (tokens === undefined && order !== "DESC") return undefined;
  const at = (parsed: unknown, now = Number.POSITIVE_INFINITY, known?: KnownInstant): number | undefined => {
    if (tokens === undefined) return undefined;
    let value = valueAt(parsed, tokens);
    if (typeof value === "bigint") value = value.toString();
    if (value instanceof JsonNumberText) value = exactNumber(value);
    if (typeof value !== "string" && typeof value !== "number") return undefined;
    const nanos = known !== undefined && value === known.value ? known.at : instant(value);
    if (nanos === null || nanos < 0n) return undefined;
    const ms = Number(nanos / NS_PER_MS);
    return Number.isSafeInteger(ms) && ms <= now + MAX_AHEAD_MS ? ms : undefined;
  };
  const reversed = (records: readonly SelectedRecord[]): boolean => {
    if (order === "DESC") return true;
    if (order !== "IMPLICIT" || records.length < 2) return false;
    // castorm compares the first and last records' timestamps; one without a timestamp here has
    // the poll's time, later than any record's: only two timestamps read decide.
    const first = at(records[0]!.parsed);
    const last = at(records[records.length - 1]!.parsed);
    return first !== undefined && last !== undefined && first > last;
  };
  return { at, reversed, instant };
}
