/**
 * How one ingest record is stored in the spool: its topic and the parsed record (key, value,
 * headers, partition, timestamp), so that a record read back is exactly the one the request parsed
 * and reaches the converters as it would have in `kafka` mode (a JsonText as its text, `x`, with
 * `l: 1` when Jackson-bound; parsed JSON, `j`, is always REST Proxy data or a key field that
 * Jackson binds: both read back as LinkedHashMaps, in the order sent, as they were written. A
 * gateway from before `l` reads such a record as JsonConverter's HashMaps: its order only).
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
import { asJacksonBound } from "../../api/data/java-map-order.ts";
import { JsonText } from "../../api/data/json-text.ts";
import type { IngestHeaderValue, IngestRecord } from "../ingest-record.ts";

type Tagged = { b: string } | { s: string } | { x: string; l?: 1 } | { j: unknown } | null;
/** What a value is (`v`); `xl` is a Jackson-bound JsonText, stored as `x` with `"l":1`. */
type ValueKind = "b" | "s" | "x" | "xl" | "j" | null;

function tag(value: unknown): Tagged {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array)
    return { b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  if (typeof value === "string") return { s: value };
  if (value instanceof JsonText) return value.isJacksonBound ? { x: value.text, l: 1 } : { x: value.text };
  return { j: value };
}

function untag(value: Tagged): unknown {
  if (value === null) return null;
  if ("b" in value) return new Uint8Array(Buffer.from(value.b, "base64"));
  if ("s" in value) return value.s;
  if ("x" in value) return value.l === 1 ? JsonText.jacksonBound(value.x) : new JsonText(value.x);
  return asJacksonBound(value.j);
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

/** The header's last field per value kind, `,"v":…}`, as bytes. */
const KIND_TAILS = new Map<ValueKind, Uint8Array>([
  ...(["b", "s", "x", "j", null] as const).map(
    (kind) => [kind, encoder.encode(`,"v":${JSON.stringify(kind)}}`)] as const,
  ),
  ["xl", encoder.encode(',"l":1,"v":"x"}')],
]);

/** The number of decimal digits of a non-negative safe integer; -1 for anything else. */
function digitCount(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return -1;
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  return digits;
}

/** A request's records, encoded back to back into one buffer of their own, and each one's length. */
export interface EncodedRecords {
  readonly data: Uint8Array;
  readonly lengths: Uint32Array;
}

/**
 * Encodes a request's records (version 2), byte for byte what `JSON.stringify` of each header
 * object followed by the value's UTF-8 gives, for less CPU (BENCHMARKS.md, "Spool record
 * encoding"): a header is its front `{"t":…,"k":…,"h":…,"p":…,"ts":…,"n":` (encoded once for the
 * run of records sharing a null key, the same headers array, partition and timestamp, as a
 * request's records usually do), the digits of `n` and the kind's tail; a value's UTF-8 goes
 * straight into the buffer (or its bytes when at hand: a byte array, a JsonText's own bytes), once.
 */
export function encodeSpoolRecords(topic: string, records: readonly IngestRecord[]): EncodedRecords {
  const count = records.length;
  const lengths = new Uint32Array(count);
  const fronts = new Array<Uint8Array>(count);
  const kinds = new Array<ValueKind>(count);
  const values = new Array<Uint8Array | string | null>(count);
  const topicPart = `{"t":${JSON.stringify(topic)},"k":`;
  let front: Uint8Array | undefined;
  let frontKeyNull = false;
  let frontHeaders: IngestRecord["headers"] | undefined;
  let frontPartition: number | null = null;
  let frontTimestamp: number | null = null;
  let headersJson = "";
  let total = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const keyNull = r.key === null || r.key === undefined;
    if (
      front === undefined ||
      !keyNull ||
      !frontKeyNull ||
      r.headers !== frontHeaders ||
      r.partition !== frontPartition ||
      r.timestamp !== frontTimestamp
    ) {
      if (r.headers !== frontHeaders || front === undefined)
        headersJson = JSON.stringify(r.headers.map(([n, v]) => [n, tag(v)]));
      const key = keyNull ? "null" : JSON.stringify(tag(r.key));
      front = encoder.encode(
        `${topicPart}${key},"h":${headersJson},"p":${JSON.stringify(r.partition)},"ts":${JSON.stringify(r.timestamp)},"n":`,
      );
      frontKeyNull = keyNull;
      frontHeaders = r.headers;
      frontPartition = r.partition;
      frontTimestamp = r.timestamp;
    }
    fronts[i] = front;
    const value = r.value;
    let kind: ValueKind;
    let body: Uint8Array | string | null;
    if (value === null || value === undefined) [kind, body] = [null, null];
    else if (value instanceof JsonText)
      [kind, body] = [value.isJacksonBound ? "xl" : "x", value.encoded() ?? value.text];
    else if (value instanceof Uint8Array) [kind, body] = ["b", value];
    else if (typeof value === "string") [kind, body] = ["s", value];
    else [kind, body] = ["j", JSON.stringify(value)];
    kinds[i] = kind;
    values[i] = body;
    const digits = digitCount(r.bytes);
    const length =
      5 +
      front.byteLength +
      (digits >= 0 ? digits : JSON.stringify(r.bytes).length) +
      KIND_TAILS.get(kind)!.byteLength +
      (body === null ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
    lengths[i] = length;
    total += length;
  }
  // A buffer of its own, exactly the records' bytes: the spool moves it to its worker (never a
  // slice of Buffer's shared pool), and keeps it while a drainer reads from memory (no slack).
  const data = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const head = fronts[i]!;
    const tail = KIND_TAILS.get(kinds[i]!)!;
    data[at] = VERSION_2;
    let w = at + 5;
    data.set(head, w);
    w += head.byteLength;
    const n = records[i]!.bytes;
    const digits = digitCount(n);
    if (digits < 0) w += data.write(JSON.stringify(n), w, "latin1");
    else {
      for (let d = digits - 1, m = n; d >= 0; d--, m = Math.floor(m / 10)) data[w + d] = 0x30 + (m % 10);
      w += digits;
    }
    data.set(tail, w);
    w += tail.byteLength;
    data.writeUInt32LE(w - at - 5, at + 1);
    const body = values[i]!;
    // Buffer.byteLength and write agree on every string (a lone surrogate is U+FFFD, 3 bytes).
    if (typeof body === "string") data.write(body, w);
    else if (body !== null) data.set(body, w);
    at += lengths[i]!;
  }
  return { data, lengths };
}

/**
 * The value bytes of a version 2 record (the UTF-8 of a text or JsonText, the bytes): the part
 * after its header, a view. The spool's drainer gives a JsonText these bytes (the buffer is back
 * from the spool's worker by then), so that its UTF-8 is encoded once, into the spool buffer.
 */
export function spooledValueBytes(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes[0] !== VERSION_2) return undefined;
  const headerLength = (bytes[1]! | (bytes[2]! << 8) | (bytes[3]! << 16)) + bytes[4]! * 0x1000000;
  const start = 5 + headerLength;
  // A view made directly: cheaper than subarray (no species lookup), once per drained record.
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
}

/** One record (tests, and callers with a single record). */
export function encodeSpoolRecord(topic: string, record: IngestRecord): Uint8Array {
  return encodeSpoolRecords(topic, [record]).data;
}

export function decodeSpoolRecord(bytes: Uint8Array): { topic: string; record: IngestRecord } {
  if (bytes[0] !== VERSION_2) return decodeVersion1(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(1, true);
  const h = JSON.parse(decoder.decode(bytes.subarray(5, 5 + headerLength))) as Header & { v: ValueKind; l?: 1 };
  const body = bytes.subarray(5 + headerLength);
  let value: unknown = null;
  if (h.v === "b") value = body.slice();
  else if (h.v === "s") value = decoder.decode(body);
  // A view, not a copy, kept without its text: JsonConverter (schemas.enable=false) writes the bytes
  // as they are and never reads the text; whatever does (StringConverter, a transform) decodes it
  // then, with the same decoder as this one.
  else if (h.v === "x") value = JsonText.fromBytes(body, h.l === 1);
  else if (h.v === "j") value = asJacksonBound(JSON.parse(decoder.decode(body)));
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
