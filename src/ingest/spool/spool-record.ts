/**
 * How one ingest record is stored in the spool: its topic and the parsed record (key, value,
 * headers, partition, timestamp), so that a record read back is exactly the one the request parsed
 * and reaches the converters as it would have in `kafka` mode (a JsonText as its text, `x`).
 *
 * Layout (version 2, written since the spool worker): byte 0x02, a u32 (little endian) length,
 * that many bytes of a small JSON header `{t, k, h, p, ts, n, v}` in which every key and header
 * value says what it is (bytes as base64, text, JSON, null) and `v` says what the value is, then
 * the value itself, unescaped: the UTF-8 of a text or JsonText, the bytes, or the JSON of a parsed
 * value. The value is most of a record, and escaping it into JSON (version 1) cost more CPU than
 * any other part of spooling it (BENCHMARKS.md, "Ingest security and spool"). Version 1 records
 * (one JSON document, first byte `{`) still in a spool file from an earlier release are read as
 * before. The spool file's schema version 2 (migrations/spool.ts) marks files that may hold
 * version 2 records, so that an older gateway refuses them rather than fail to decode a row.
 */
import { JsonText } from "../../api/data/json-text.ts";
import type { IngestHeaderValue, IngestRecord } from "../ingest-record.ts";

type Tagged = { b: string } | { s: string } | { x: string } | { j: unknown } | null;
type ValueKind = "b" | "s" | "x" | "j" | null;

function tag(value: unknown): Tagged {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array)
    return { b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  if (typeof value === "string") return { s: value };
  if (value instanceof JsonText) return { x: value.text };
  return { j: value };
}

function untag(value: Tagged): unknown {
  if (value === null) return null;
  if ("b" in value) return new Uint8Array(Buffer.from(value.b, "base64"));
  if ("s" in value) return value.s;
  if ("x" in value) return new JsonText(value.x);
  return value.j;
}

interface Header {
  readonly t: string;
  readonly k: Tagged;
  readonly h: [string, Tagged][];
  readonly p: number | null;
  readonly ts: number | null;
  readonly n: number;
}

const VERSION_2 = 2;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The value's kind and UTF-8/bytes (a JsonText's bytes are its own, cached for the converter). */
function valueBytes(value: unknown): [ValueKind, Uint8Array | string] {
  if (value === null || value === undefined) return [null, ""];
  if (value instanceof Uint8Array) return ["b", value];
  if (typeof value === "string") return ["s", value];
  if (value instanceof JsonText) return ["x", value.bytes()];
  return ["j", JSON.stringify(value)];
}

/** A request's records, encoded back to back into one buffer of their own, and each one's length. */
export interface EncodedRecords {
  readonly data: Uint8Array;
  readonly lengths: Uint32Array;
}

export function encodeSpoolRecords(topic: string, records: readonly IngestRecord[]): EncodedRecords {
  const headers = new Array<string>(records.length);
  const values = new Array<Uint8Array | string>(records.length);
  let bound = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const [kind, body] = valueBytes(r.value);
    const header = {
      t: topic,
      k: tag(r.key),
      h: r.headers.map(([n, v]) => [n, tag(v)]),
      p: r.partition,
      ts: r.timestamp,
      n: r.bytes,
      v: kind,
    };
    headers[i] = JSON.stringify(header);
    values[i] = body;
    // The exact UTF-8 length: the buffer is kept while a drainer reads from memory, so no slack.
    bound +=
      5 + Buffer.byteLength(headers[i]!) + (typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  }
  // A buffer of its own, never a slice of Buffer's shared pool: the spool moves it to its worker.
  const data = Buffer.allocUnsafeSlow(bound);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const lengths = new Uint32Array(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const start = at;
    data[at] = VERSION_2;
    const headerLength = encoder.encodeInto(headers[i]!, data.subarray(at + 5)).written;
    view.setUint32(at + 1, headerLength, true);
    at += 5 + headerLength;
    const body = values[i]!;
    if (typeof body === "string") at += encoder.encodeInto(body, data.subarray(at)).written;
    else {
      data.set(body, at);
      at += body.byteLength;
    }
    lengths[i] = at - start;
  }
  return { data: at === bound ? data : data.subarray(0, at), lengths };
}

/** One record (tests, and callers with a single record). */
export function encodeSpoolRecord(topic: string, record: IngestRecord): Uint8Array {
  return encodeSpoolRecords(topic, [record]).data;
}

export function decodeSpoolRecord(bytes: Uint8Array): { topic: string; record: IngestRecord } {
  if (bytes[0] !== VERSION_2) return decodeVersion1(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(1, true);
  const h = JSON.parse(decoder.decode(bytes.subarray(5, 5 + headerLength))) as Header & { v: ValueKind };
  const body = bytes.subarray(5 + headerLength);
  let value: unknown = null;
  if (h.v === "b") value = body.slice();
  else if (h.v === "s") value = decoder.decode(body);
  // A view, not a copy: the bytes go to Kafka as they are (JsonConverter, schemas.enable=false).
  else if (h.v === "x") value = new JsonText(decoder.decode(body), body);
  else if (h.v === "j") value = JSON.parse(decoder.decode(body));
  return { topic: h.t, record: recordOf(h, value) };
}

function recordOf(h: Header, value: unknown): IngestRecord {
  return {
    key: untag(h.k),
    value,
    headers: h.h.map(([name, v]) => [name, untag(v) as IngestHeaderValue] as const),
    partition: h.p,
    timestamp: h.ts,
    bytes: h.n,
  };
}

/** Version 1: the whole record as one JSON document, the value tagged like a key (`v`). */
function decodeVersion1(bytes: Uint8Array): { topic: string; record: IngestRecord } {
  const s = JSON.parse(decoder.decode(bytes)) as Header & { v: Tagged };
  return { topic: s.t, record: recordOf(s, untag(s.v)) };
}
