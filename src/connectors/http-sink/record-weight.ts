/**
 * RecordWeight: an estimate of the memory one record holds in the HTTP sink task from `put` until
 * it is done, what `sink.requests.max-buffered.bytes` bounds. Not only its converted value (the
 * body bytes): the SinkRecord `put` was given (its key and value, a JsonText's text), the consumed
 * record behind it (raw key and value bytes: the runtime keeps it for the errant record reporter)
 * and the objects around them. Shared bytes count once: a consumed JSON value that goes into the
 * body as it is (JsonText), or a byte array written as it is, is the body; a JsonText of consumed
 * bytes keeps no text.
 */
import { JsonText } from "../../api/data/json-text.ts";
import type { SinkRecord } from "../../api/record.ts";

/** The objects and small strings of a record (SinkRecord, consumed record, encoded record, URL, route). */
export const RECORD_OVERHEAD = 512;

/** A key or value the task holds besides the body: its bytes, or its text, or about its JSON size. */
function heldBesidesBody(value: unknown, body: Uint8Array | null, converted: number): number {
  if (value === null || value === undefined) return 0;
  if (value instanceof JsonText) {
    const bytes = value.encoded();
    return (value.decoded()?.length ?? 0) + (bytes === undefined || bytes === body ? 0 : bytes.length);
  }
  if (value instanceof Uint8Array) return value === body ? 0 : value.byteLength;
  // Read from consumed bytes of about the converted size, which the runtime keeps too.
  if (typeof value === "string") return value.length + converted;
  if (typeof value !== "object") return 16;
  return 2 * converted; // a structured value: about its JSON size, plus the consumed bytes
}

/** A key: its bytes or its text and the consumed bytes it was read from (a structured key: a small guess). */
function keyWeight(key: unknown): number {
  if (key === null || key === undefined) return 0;
  if (key instanceof JsonText) return (key.decoded()?.length ?? 0) + (key.encoded()?.length ?? 0);
  if (key instanceof Uint8Array) return key.byteLength;
  if (typeof key === "string") return 2 * key.length;
  return 64;
}

/** The bytes `record`, converted into `body`, holds while the task has it. */
export function recordWeight(record: SinkRecord, body: Uint8Array | null): number {
  const converted = body?.length ?? 0;
  return RECORD_OVERHEAD + converted + heldBesidesBody(record.value, body, converted) + keyWeight(record.key);
}
