/**
 * Test support for the golden tests: loads the fixtures that Apache's own JsonConverter and
 * Values produced (test/fixtures/json-converter, written by generate.sh) and rebuilds the schemas
 * and values they describe. The description format is documented in GenerateFixtures.java.
 */

import { JavaDouble, schemalessDouble, schemalessFloat } from "../api/data/java-double.ts";
import { setJavaMapOrigin } from "../api/data/java-map-order.ts";
import { BigDecimal } from "../api/data/logical.ts";
import { type Schema, SchemaBuilder, type SchemaType } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";

export interface SchemaDescription {
  type: SchemaType;
  optional: boolean;
  default?: unknown;
  name?: string;
  version?: number;
  doc?: string;
  parameters?: Record<string, string>;
  fields?: { name: string; schema: SchemaDescription }[];
  keySchema?: SchemaDescription | null;
  valueSchema?: SchemaDescription | null;
}

export interface ErrorDescription {
  error: string;
  class: string;
}

export interface ResultDescription {
  schema: SchemaDescription | null;
  value: unknown;
}

export interface EncodeCase {
  name: string;
  config: Record<string, string>;
  schema: SchemaDescription | null;
  value: unknown;
  /** A struct value's own schema, when it is not `schema`. */
  valueSchema?: SchemaDescription;
  bytes?: string | null;
  error?: ErrorDescription;
  decoded?: ResultDescription | ErrorDescription;
}

export interface DecodeCase {
  name: string;
  config: Record<string, string>;
  input: string | null;
  result: ResultDescription | ErrorDescription;
}

export interface ParseCase {
  input: string;
  result: ResultDescription | ErrorDescription;
  text?: string;
}

export interface FormatCase {
  name: string;
  schema: SchemaDescription | null;
  value: unknown;
  text?: string;
  error?: ErrorDescription;
}

const DIR = new URL("../../test/fixtures/json-converter/", import.meta.url);

export async function loadJsonFixtures(): Promise<{ encode: EncodeCase[]; decode: DecodeCase[] }> {
  return Bun.file(new URL("fixtures.json", DIR)).json();
}

export async function loadValuesFixtures(): Promise<{ parse: ParseCase[]; format: FormatCase[] }> {
  return Bun.file(new URL("values.json", DIR)).json();
}

export function isError(d: unknown): d is ErrorDescription {
  return typeof d === "object" && d !== null && "error" in d;
}

export function buildSchema(d: SchemaDescription | null | undefined): Schema | null {
  if (!d) return null;
  let builder: SchemaBuilder;
  switch (d.type) {
    case "STRUCT":
      builder = SchemaBuilder.struct();
      for (const f of d.fields ?? []) builder.field(f.name, buildSchema(f.schema)!);
      break;
    case "MAP":
      builder = new SchemaBuilder(
        "MAP",
        buildSchema(d.keySchema) ?? undefined,
        buildSchema(d.valueSchema) ?? undefined,
      );
      break;
    case "ARRAY":
      builder = new SchemaBuilder("ARRAY", undefined, buildSchema(d.valueSchema) ?? undefined);
      break;
    default:
      builder = SchemaBuilder.type(d.type);
  }
  if (d.optional) builder.optional();
  if (d.name !== undefined) builder.name(d.name);
  if (d.version !== undefined) builder.version(d.version);
  if (d.doc !== undefined) builder.doc(d.doc);
  if (d.parameters) builder.parameters(d.parameters);
  if (d.default !== undefined) builder.defaultValue(buildValue(builder.build(), d.default));
  return builder.build();
}

/** Rebuilds a described value; `schema` gives structs their schema and makes schemaless string maps plain objects. */
export function buildValue(schema: Schema | null | undefined, d: unknown): unknown {
  if (d === null || typeof d === "boolean" || typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((item) => buildValue(schema?.valueSchema, item));
  const tagged = d as Record<string, unknown>;
  if ("int8" in tagged) return tagged.int8;
  if ("int16" in tagged) return tagged.int16;
  if ("int32" in tagged) return tagged.int32;
  if ("int64" in tagged) {
    const n = BigInt(tagged.int64 as string);
    return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  }
  // Under its own schema type a number is plain. Without a schema its class is its type (an integral
  // Double is a JavaDouble, a Float a JavaFloat), and so under another type's schema (a Float given
  // for a FLOAT64), where the class is what is wrong.
  if ("float32" in tagged) {
    const n = Number(tagged.float32);
    return schema?.type === "FLOAT32" ? n : schemalessFloat(n);
  }
  if ("float64" in tagged) {
    const n = Number(tagged.float64);
    return schema?.type === "FLOAT64" ? n : schema ? new JavaDouble(n) : schemalessDouble(n);
  }
  if ("bytes" in tagged) return Uint8Array.fromBase64(tagged.bytes as string);
  if ("decimal" in tagged) return new BigDecimal(BigInt(tagged.decimal as string), tagged.scale as number);
  if ("date" in tagged) return new Date(tagged.date as number);
  if ("map" in tagged) {
    const entries = (tagged.map as [unknown, unknown][]).map(
      ([k, v]) => [buildValue(schema?.keySchema, k), buildValue(schema?.valueSchema, v)] as const,
    );
    // Described in the Java map's iteration order (the generators build LinkedHashMaps): kept as it is.
    const map =
      !schema && entries.every(([k]) => typeof k === "string") ? Object.fromEntries(entries) : new Map(entries);
    return setJavaMapOrigin(map, "linked");
  }
  if ("struct" in tagged) {
    if (!schema) throw new Error("a struct needs a schema");
    const struct = new Struct(schema);
    for (const [name, v] of tagged.struct as [string, unknown][]) {
      struct.put(name, buildValue(schema.field(name)!.schema, v));
    }
    return struct;
  }
  throw new Error(`cannot rebuild ${JSON.stringify(d)}`);
}
