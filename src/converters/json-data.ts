/**
 * Connect data to and from JSON values, with Apache JsonConverter's rules: logical types (Decimal
 * as base64 or a JSON number, Date/Time/Timestamp as integers), maps with string keys as objects
 * and other maps as `[key, value]` pairs, bytes as base64, nulls replaced by schema defaults
 * (unless `replace.null.with.default=false`), and without a schema: integral numbers as INT64,
 * other numbers as FLOAT64, objects as maps (plain objects here).
 *
 * This module holds the options and writing (`connectToJson`); reading (`jsonToConnect`, with
 * Jackson's coercions as Connect relies on them) is json-to-connect.ts's.
 *
 * `connectToJson` returns a value for json-text.ts's `stringifyJson` (plain objects and arrays;
 * bigints and Java-formatted floats as its `javaNumber` strings, which keep JSON.stringify fast).
 */
import { JavaDouble, JavaFloat } from "../api/data/java-double.ts";
import { isIntegerLikeKey, javaMapEntries } from "../api/data/java-map-order.ts";
import { javaClassOf, javaDoubleToString, javaFloatToString } from "../api/data/java-text.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "../api/data/logical.ts";
import { type Schema, type SchemaType, schemaEquals } from "../api/data/schema.ts";
import { isPlainObject, schemaTypeOf } from "../api/data/schemaless.ts";
import { Struct } from "../api/data/struct.ts";
import { DataError, JavaException } from "../errors.ts";
import { setOwn } from "../util/own-property.ts";
import { javaNumber, javaNumberOf, orderedKey } from "./json-text.ts";

export type DecimalFormat = "BASE64" | "NUMERIC";

export interface JsonDataOptions {
  /** How Decimal values are written: base64 of the unscaled two's-complement bytes, or a JSON number. */
  readonly decimalFormat: DecimalFormat;
  /** Whether a null value with a schema default is written (and read) as the default. */
  readonly replaceNullWithDefault: boolean;
}

export const DEFAULT_JSON_DATA_OPTIONS: JsonDataOptions = Object.freeze({
  decimalFormat: "BASE64",
  replaceNullWithDefault: true,
});

// ---- Connect → JSON -----------------------------------------------------------------------------

/** The JSON form of a Connect value (JsonConverter's payload), as a JSON-safe JavaScript value. */
export function connectToJson(
  schema: Schema | null,
  value: unknown,
  options: JsonDataOptions = DEFAULT_JSON_DATA_OPTIONS,
): unknown {
  if (value === null || value === undefined) {
    if (!schema) return null;
    if (hasDefault(schema) && options.replaceNullWithDefault)
      return connectToJson(schema, schema.defaultValue, options);
    if (schema.optional) return null;
    throw new DataError("Conversion error: null value for field that is required and has no default value");
  }
  if (schema?.name !== undefined) {
    const logical = LOGICAL_TO_JSON[schema.name];
    if (logical) return logical(schema, value, options);
  }
  const type = schema ? schema.type : inferType(value);
  const invalid = () =>
    new DataError(`Invalid type for ${schema ? schema.type : "unknown schema"}: ${javaClassOf(value)}`);
  switch (type) {
    case "INT8":
    case "INT16":
    case "INT32":
      if (!fitsInt(value, INT_BITS[type])) throw invalid();
      return value;
    case "INT64":
      if (typeof value === "bigint")
        return Number.isSafeInteger(Number(value)) ? Number(value) : javaNumber(`${value}`);
      if (!Number.isInteger(value)) throw invalid();
      return value;
    // A boxed number of the other class is refused, as Java's cast to Float or Double refuses it.
    case "FLOAT32":
      if (typeof value === "number") return javaNumberText(javaFloatToString(value));
      if (value instanceof JavaFloat) return javaNumberText(javaFloatToString(value.value));
      throw invalid();
    case "FLOAT64":
      if (typeof value === "number") return doubleToJson(value);
      if (value instanceof JavaDouble && !(value instanceof JavaFloat)) return doubleToJson(value.value);
      throw invalid();
    case "BOOLEAN":
      if (typeof value !== "boolean") throw invalid();
      return value;
    case "STRING":
      if (typeof value !== "string") throw invalid();
      return value;
    case "BYTES":
      if (!(value instanceof Uint8Array)) throw new DataError(`Invalid type for bytes type: ${javaClassOf(value)}`);
      return value.toBase64();
    case "ARRAY": {
      if (!Array.isArray(value)) throw invalid();
      const itemSchema = schema?.valueSchema ?? null;
      return value.map((item) => connectToJson(itemSchema, item, options));
    }
    case "MAP":
      return mapToJson(schema, value, options, invalid);
    case "STRUCT": {
      if (!(value instanceof Struct)) throw invalid();
      if (!schema || (value.schema !== schema && !schemaEquals(value.schema, schema))) {
        throw new DataError("Mismatching schema.");
      }
      const out: Record<string, unknown> = {};
      const place = schema.fields.some((f) => isIntegerLikeKey(f.name)) ? orderedKey : asIs;
      for (const field of schema.fields) {
        setOwn(out, place(field.name), connectToJson(field.schema, value.getWithoutDefault(field.name), options));
      }
      return out;
    }
  }
}

const NULL_KEY_SCHEMA =
  'Cannot invoke "org.apache.kafka.connect.data.Schema.type()" because the return value of "org.apache.kafka.connect.data.Schema.keySchema()" is null';

function mapToJson(schema: Schema | null, value: unknown, options: JsonDataOptions, invalid: () => DataError) {
  if (!(value instanceof Map) && !isPlainObject(value)) throw invalid();
  const keySchema = schema?.keySchema ?? null;
  // A map schema without a key schema (Values.parseString gives one to `{}` and to maps of mixed key
  // types, so InsertHeader literals reach here): JsonConverter asks that key schema its type first.
  if (schema && !keySchema) throw new JavaException("java.lang.NullPointerException", NULL_KEY_SCHEMA);
  // JsonConverter iterates the map: a HashMap's entries come out in its hash order.
  const entries = javaMapEntries(value as Map<unknown, unknown>, keySchema);
  const valueSchema = schema?.valueSchema ?? null;
  const objectMode = schema
    ? keySchema?.type === "STRING"
    : !(value instanceof Map) || [...value.keys()].every((k) => typeof k === "string");
  if (objectMode) {
    const keys = entries.map(([k]) => jsonKeyText(connectToJson(keySchema, k, options)));
    const place = keys.some(isIntegerLikeKey) ? orderedKey : asIs;
    const out: Record<string, unknown> = {};
    entries.forEach(([, v], i) => {
      setOwn(out, place(keys[i]!), connectToJson(valueSchema, v, options));
    });
    return out;
  }
  const pairs: unknown[] = [];
  for (const [k, v] of entries)
    pairs.push([connectToJson(keySchema, k, options), connectToJson(valueSchema, v, options)]);
  return pairs;
}

/**
 * An object's key set as is. JavaScript enumerates integer-like keys ("10") first, so an object
 * with one has every key set as `orderedKey` instead, to be written in the order it is set.
 */
const asIs = (key: string) => key;

/** Jackson's `asText()` of a key: the string itself, or the text of a number or boolean. */
function jsonKeyText(key: unknown): string {
  if (typeof key === "string") return key;
  const number = javaNumberOf(key);
  if (number !== undefined) return number;
  return key === null ? "null" : String(key);
}

type LogicalToJson = (schema: Schema, value: unknown, options: JsonDataOptions) => unknown;

function dateToJson(typeName: string, toNumber: (schema: Schema, value: Date) => number): LogicalToJson {
  return (schema, value) => {
    if (!(value instanceof Date)) {
      throw new DataError(`Invalid type for ${typeName}, expected Date but was ${javaClassOf(value)}`);
    }
    return toNumber(schema, value);
  };
}

const LOGICAL_TO_JSON: Readonly<Record<string, LogicalToJson>> = {
  [Decimal.LOGICAL_NAME]: (schema, value, options) => {
    if (!(value instanceof BigDecimal)) {
      throw new DataError(`Invalid type for Decimal, expected BigDecimal but was ${javaClassOf(value)}`);
    }
    return options.decimalFormat === "NUMERIC"
      ? javaNumber(value.toString())
      : Decimal.fromLogical(schema, value).toBase64();
  },
  [ConnectDate.LOGICAL_NAME]: dateToJson("Date", ConnectDate.fromLogical),
  [ConnectTime.LOGICAL_NAME]: dateToJson("Time", ConnectTime.fromLogical),
  [ConnectTimestamp.LOGICAL_NAME]: dateToJson("Timestamp", ConnectTimestamp.fromLogical),
};

/** ConnectSchema.schemaType(value.getClass()) for schemaless values. */
function inferType(value: unknown): SchemaType {
  const type = schemaTypeOf(value);
  if (type === null) throw new DataError(`Java class ${javaClassOf(value)} does not have corresponding schema type.`);
  return type;
}

/** A FLOAT64 as Java prints it. JavaScript prints non-integers in [10^-3, 10^7) the same way. */
function doubleToJson(value: number): unknown {
  const abs = Math.abs(value);
  if (!Number.isInteger(value) && abs >= 1e-3 && abs < 1e7) return value;
  if (Number.isInteger(value) && abs < 1e7 && !Object.is(value, -0)) return javaNumber(`${value}.0`);
  return javaNumberText(javaDoubleToString(value));
}

/** Java's text of a number: a plain number where JavaScript writes the same, else raw JSON; "NaN" stays a string. */
function javaNumberText(text: string): unknown {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  return String(n) === text ? n : javaNumber(text);
}

const INT_BITS = { INT8: 8, INT16: 16, INT32: 32 } as const;

function fitsInt(value: unknown, bits: number): value is number {
  const limit = 2 ** (bits - 1);
  return Number.isInteger(value) && (value as number) >= -limit && (value as number) < limit;
}

// ---- helpers (shared with json-to-connect.ts) ------------------------------------------------------------------------------------

/** Whether the schema has a default that stands in for a null value. */
export function hasDefault(schema: Schema): boolean {
  return schema.defaultValue !== undefined && schema.defaultValue !== null;
}
