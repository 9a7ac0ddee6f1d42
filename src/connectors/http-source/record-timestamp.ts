/**
 * castorm's `http.response.record.timestamp.pointer`: the Kafka timestamp of each record is the
 * instant its field at that JSON Pointer (RFC 6901, `/updated_at`) names, read as a TIMESTAMP
 * offset field is (castorm's timestamp parser keys, timestamp-reader.ts), as castorm's connector
 * gives its records the timestamp it parsed. Unset, or for a record whose field is missing or no
 * timestamp (castorm's poll fails there), or an instant before 1970 (Kafka refuses a negative
 * timestamp), the record's timestamp is the poll's time, as always. The key sets the timestamp
 * only: the offset is http.offset.mode's and http.offset.field's business.
 * Its check is a validation-only rule (validation-only.ts): a config stored while the key was only
 * warned about starts as before; a value that is no JSON Pointer gives every record the poll's time.
 * Used by config.ts (the declaration) and poll-run.ts (the records).
 */
import { JsonNumberText } from "../../api/data/json-reader.ts";
import { pointerTokens } from "../../api/data/json-spans.ts";
import { key } from "../../plugin/config-def.ts";
import type { ConfigProblem } from "../../plugin/descriptor.ts";
import { exactNumber } from "./records.ts";
import type { InstantReader } from "./timestamp-reader.ts";

const POINTER = "http.response.record.timestamp.pointer";

export const recordTimestampKeys = {
  [POINTER]: key.string({
    doc: "castorm's JSON Pointer (RFC 6901: `/updated_at`, `/meta/created`) to the record's timestamp: its instant, read as a TIMESTAMP http.offset.field is (http.response.record.timestamp.parser* keys included), becomes the record's Kafka timestamp, as in castorm's connector. Unset, or for a record without a timestamp there (missing, not a timestamp, before 1970), the record's timestamp is the poll's time. It does not set the offset: use http.offset.mode=TIMESTAMP with http.offset.field for that.",
    default: null,
    group: "Offset",
  }),
} as const;

const isPointer = (value: string) => value === "" || value.startsWith("/");

/** The pointer refused by validation (not at start: the key was only warned about before it was read). */
export function recordTimestampProblems(c: { readonly [POINTER]: string | null }): ConfigProblem[] {
  const pointer = c[POINTER];
  if (pointer === null || isPointer(pointer)) return [];
  return [{ key: POINTER, message: "Not a JSON Pointer (RFC 6901): empty, or starting with / (/updated_at)" }];
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/** The value at `pointer` in a record's exact parse, or undefined. */
function valueAt(record: unknown, pointer: string): unknown {
  let at = record;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(at)) at = ARRAY_INDEX.test(token) ? at[Number(token)] : undefined;
    else if (at !== null && typeof at === "object" && !(at instanceof JsonNumberText) && Object.hasOwn(at, token))
      at = (at as Record<string, unknown>)[token];
    else return undefined;
  }
  return at;
}

/** A record's Kafka timestamp (epoch ms) from its exact parse, undefined for the poll's time. */
export type RecordTimestamp = (parsed: unknown) => number | undefined;

const NS_PER_MS = 1_000_000n;

/** The timestamps `pointer` gives records, read by `instant`; undefined when the key is unset or unusable. */
export function recordTimestampOf(pointer: string | null, instant: InstantReader): RecordTimestamp | undefined {
  if (pointer === null || !isPointer(pointer)) return undefined;
  return (parsed) => {
    let value = valueAt(parsed, pointer);
    if (typeof value === "bigint") value = value.toString();
    if (value instanceof JsonNumberText) value = exactNumber(value);
    if (typeof value !== "string" && typeof value !== "number") return undefined;
    const nanos = instant(value);
    if (nanos === null || nanos < 0n) return undefined;
    const ms = Number(nanos / NS_PER_MS);
    return Number.isSafeInteger(ms) ? ms : undefined;
  };
}
