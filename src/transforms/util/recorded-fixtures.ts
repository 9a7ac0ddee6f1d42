/**
 * Test support for the recorded transforms test (src/transforms/recorded.test.ts): loads the cases
 * Apache Kafka's own SMTs ran on (test/fixtures/transforms, written by generate.sh), rebuilds their
 * records, and puts records, schemas and values into one canonical JSON form so that Apache's
 * output and ours compare with `toEqual`. The fixture encoding is documented in Describe.java.
 *
 * Normalisations, each because Java and JavaScript hold the data differently, not because of a
 * transform: schemaless whole numbers are Longs, not Bytes, Shorts or Integers (a Double is a
 * JavaDouble when integral, a Float a JavaFloat), and a FLOAT32 is compared at float precision;
 * map entries are sorted, since Apache's transforms copy maps into HashMaps whose iteration order
 * is hash order.
 */

import { Headers } from "../../api/data/headers.ts";
import { JavaDouble } from "../../api/data/java-double.ts";
import { BigDecimal } from "../../api/data/logical.ts";
import type { Schema } from "../../api/data/schema.ts";
import { Struct } from "../../api/data/struct.ts";
import { type ConnectRecord, type SinkRecord, type SourceRecord, sourceRecord } from "../../api/record.ts";
import { buildSchema, buildValue, type SchemaDescription } from "../../converters/golden-fixtures.ts";

export interface RecordDescription {
  topic: string;
  partition: number | null;
  keySchema: SchemaDescription | null;
  key: unknown;
  valueSchema: SchemaDescription | null;
  value: unknown;
  /** Sink records only. */
  offset?: number;
  timestamp: number | null;
  headers: { key: string; schema: SchemaDescription | null; value: unknown }[];
}

export type RecordedResult =
  | { record: Partial<RecordDescription> }
  | { dropped: true }
  | { test: boolean }
  | { stage: "configure" | "apply"; class: string; error: string | null };

export interface RecordedCase {
  name: string;
  kind: "transform" | "predicate";
  class: string;
  config: Record<string, string>;
  record: number;
  result: RecordedResult;
}

export async function loadTransformFixtures(): Promise<{ records: RecordDescription[]; cases: RecordedCase[] }> {
  return Bun.file(new URL("../../../test/fixtures/transforms/fixtures.json", import.meta.url)).json();
}

/** A SinkRecord (timestamp type CreateTime) when `d` has an offset, else a SourceRecord. */
export function buildRecord(d: RecordDescription): SourceRecord | SinkRecord {
  const keySchema = buildSchema(d.keySchema);
  const valueSchema = buildSchema(d.valueSchema);
  const headers = d.headers.map((h) => {
    const schema = buildSchema(h.schema);
    return { key: h.key, schema, value: buildValue(schema, h.value) };
  });
  const record = sourceRecord({
    topic: d.topic,
    kafkaPartition: d.partition,
    keySchema,
    key: buildValue(keySchema, d.key),
    valueSchema,
    value: buildValue(valueSchema, d.value),
    timestamp: d.timestamp,
    headers: Headers.of(headers),
  });
  if (d.offset === undefined) return record;
  const { sourcePartition: _p, sourceOffset: _o, ...common } = record;
  return {
    ...common,
    kafkaPartition: d.partition ?? 0,
    kafkaOffset: d.offset,
    timestampType: "CreateTime",
    originalTopic: d.topic,
    originalKafkaPartition: d.partition ?? 0,
    originalKafkaOffset: d.offset,
  };
}

/** The canonical form of a record. */
export function canonicalRecord(r: ConnectRecord): unknown {
  return {
    topic: r.topic,
    partition: r.kafkaPartition,
    keySchema: canonicalSchema(r.keySchema),
    key: canonicalValue(r.keySchema, r.key),
    valueSchema: canonicalSchema(r.valueSchema),
    value: canonicalValue(r.valueSchema, r.value),
    ...("kafkaOffset" in r ? { offset: r.kafkaOffset } : {}),
    timestamp: r.timestamp,
    headers: r.headers
      .toArray()
      .map((h) => ({ key: h.key, schema: canonicalSchema(h.schema), value: canonicalValue(h.schema, h.value) })),
  };
}

export function canonicalSchema(s: Schema | null | undefined): unknown {
  if (!s) return null;
  const out: Record<string, unknown> = { type: s.type, optional: s.optional };
  if (s.defaultValue !== undefined && s.defaultValue !== null) out.default = canonicalValue(s, s.defaultValue);
  if (s.name !== undefined) out.name = s.name;
  if (s.version !== undefined) out.version = s.version;
  if (s.doc !== undefined) out.doc = s.doc;
  if (s.parameters && Object.keys(s.parameters).length > 0) out.parameters = { ...s.parameters };
  if (s.type === "STRUCT") out.fields = s.fields.map((f) => ({ name: f.name, schema: canonicalSchema(f.schema) }));
  if (s.type === "MAP") out.keySchema = canonicalSchema(s.keySchema);
  if (s.type === "MAP" || s.type === "ARRAY") out.valueSchema = canonicalSchema(s.valueSchema);
  return out;
}

const floating = (n: number) => (Number.isFinite(n) ? n : String(n));

export function canonicalValue(s: Schema | null | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  // A java.util.Date holds any long; a JavaScript Date only ±8.64e15 ms.
  if (v instanceof Date) return { date: Number.isNaN(v.getTime()) ? "out of range" : v.getTime() };
  if (v instanceof BigDecimal) return { decimal: v.unscaled.toString(), scale: v.scale };
  if (v instanceof Uint8Array) return { bytes: v.toBase64() };
  if (v instanceof Struct) {
    const fields = v.schema.fields
      .map((f) => [f.name, canonicalValue(f.schema, v.getWithoutDefault(f.name))] as const)
      .filter(([, fv]) => fv !== null);
    return { struct: fields };
  }
  if (Array.isArray(v)) return v.map((item) => canonicalValue(s?.valueSchema, item));
  if (v instanceof Map || (typeof v === "object" && v.constructor === Object)) {
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
    const canon = entries.map(([k, item]) => [canonicalValue(s?.keySchema, k), canonicalValue(s?.valueSchema, item)]);
    return { map: canon.sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1)) };
  }
  if (v instanceof JavaDouble) return s ? canonicalNumber(s, v.value) : { number: floating(v.value) };
  if (typeof v === "number" || typeof v === "bigint") return canonicalNumber(s, v);
  if (typeof v === "boolean" || typeof v === "string") return v;
  return { unexpected: String(v) };
}

function canonicalNumber(s: Schema | null | undefined, v: number | bigint): unknown {
  switch (s?.type) {
    case "INT8":
      return { int8: Number(v) };
    case "INT16":
      return { int16: Number(v) };
    case "INT32":
      return { int32: Number(v) };
    case "INT64":
      return { int64: String(v) };
    case "FLOAT32":
      return { float32: floating(Math.fround(Number(v))) };
    case "FLOAT64":
      return { float64: floating(Number(v)) };
    case undefined:
      return typeof v === "bigint" || Number.isInteger(v) ? { integer: String(v) } : { number: floating(v) };
    default:
      return { unexpected: `${typeof v} for ${s?.type}`, value: String(v) };
  }
}

/** The expected record: the input with the fields the result changed. */
export function expectedRecord(input: RecordDescription, changes: Partial<RecordDescription>): unknown {
  return canonicalRecord(buildRecord({ ...input, ...changes }));
}
