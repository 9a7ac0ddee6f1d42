/**
 * How one ingest record is stored in the spool: its topic and the parsed record (key, value,
 * headers, partition, timestamp) as compact JSON in which every value says what it is (bytes as
 * base64, text, JSON, null), so a record read back is exactly the one the request parsed and
 * reaches the converters as it would have in `kafka` mode (a JsonText as its text, `x`).
 */
import { JsonText } from "../../api/data/json-text.ts";
import type { IngestHeaderValue, IngestRecord } from "../ingest-record.ts";

type Tagged = { b: string } | { s: string } | { x: string } | { j: unknown } | null;

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

interface Stored {
  readonly t: string;
  readonly k: Tagged;
  readonly v: Tagged;
  readonly h: [string, Tagged][];
  readonly p: number | null;
  readonly ts: number | null;
  readonly n: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeSpoolRecord(topic: string, record: IngestRecord): Uint8Array {
  const stored: Stored = {
    t: topic,
    k: tag(record.key),
    v: tag(record.value),
    h: record.headers.map(([name, value]) => [name, tag(value)]),
    p: record.partition,
    ts: record.timestamp,
    n: record.bytes,
  };
  return encoder.encode(JSON.stringify(stored));
}

export function decodeSpoolRecord(bytes: Uint8Array): { topic: string; record: IngestRecord } {
  const s = JSON.parse(decoder.decode(bytes)) as Stored;
  return {
    topic: s.t,
    record: {
      key: untag(s.k),
      value: untag(s.v),
      headers: s.h.map(([name, value]) => [name, untag(value) as IngestHeaderValue] as const),
      partition: s.p,
      timestamp: s.ts,
      bytes: s.n,
    },
  };
}
