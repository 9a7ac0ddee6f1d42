/**
 * Connect data to and from JSON values, with Apache JsonConverter's rules: logical types (Decimal
 * as base64 or a JSON number, Date/Time/Timestamp as integers), maps with string keys as objects
 * and other maps as `[key, value]` pairs, bytes as base64, nulls replaced by schema defaults
 * (unless `replace.null.with.default=false`), and without a schema: integral numbers as INT64,
 * other numbers as FLOAT64, objects as maps (plain objects here).
 *
 * Reading follows Jackson's coercions as Connect relies on them: a number for an INT8 field is
 * truncated and wrapped like Java's `(byte)` cast, a non-number reads as 0, a non-string for a
 * STRING field as null, a non-boolean for a BOOLEAN as false.
 *
 * `connectToJson` returns a JSON-safe value (plain objects and arrays; bigints and Java-formatted
 * floats as `JSON.rawJSON`), so other modules can embed Connect data in their own JSON.
 */
import { javaClassOf, javaDoubleToString, javaFloatToString } from "../api/data/java-text.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "../api/data/logical.ts";
import { int64Value, type Schema, type SchemaType, schemaEquals } from "../api/data/schema.ts";
import { isPlainObject, schemaTypeOf } from "../api/data/schemaless.ts";
import { Struct } from "../api/data/struct.ts";
import { DataError } from "../errors.ts";
import { JsonNumberText, MISSING } from "./json-text.ts";

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
        return Number.isSafeInteger(Number(value)) ? Number(value) : JSON.rawJSON(`${value}`);
      if (!Number.isInteger(value)) throw invalid();
      return value;
    case "FLOAT32":
      if (typeof value !== "number") throw invalid();
      return javaNumberText(javaFloatToString(value));
    case "FLOAT64":
      if (typeof value !== "number") throw invalid();
      return doubleToJson(value);
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
      for (const field of schema.fields) {
        setOwn(out, field.name, connectToJson(field.schema, value.getWithoutDefault(field.name), options));
      }
      return out;
    }
  }
}

function mapToJson(schema: Schema | null, value: unknown, options: JsonDataOptions, invalid: () => DataError) {
  let entries: Iterable<readonly [unknown, unknown]>;
  if (value instanceof Map) entries = value;
  else if (isPlainObject(value)) entries = Object.entries(value);
  else throw invalid();
  const keySchema = schema?.keySchema ?? null;
  const valueSchema = schema?.valueSchema ?? null;
  const objectMode = schema
    ? keySchema?.type === "STRING"
    : !(value instanceof Map) || [...value.keys()].every((k) => typeof k === "string");
  if (objectMode) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      setOwn(out, jsonKeyText(connectToJson(keySchema, k, options)), connectToJson(valueSchema, v, options));
    }
    return out;
  }
  const pairs: unknown[] = [];
  for (const [k, v] of entries)
    pairs.push([connectToJson(keySchema, k, options), connectToJson(valueSchema, v, options)]);
  return pairs;
}

/** Jackson's `asText()` of a key: the string itself, or the text of a number or boolean. */
function jsonKeyText(key: unknown): string {
  if (typeof key === "string") return key;
  if (JSON.isRawJSON(key)) return (key as { rawJSON: string }).rawJSON;
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
      ? JSON.rawJSON(value.toString())
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
  return javaNumberText(javaDoubleToString(value));
}

/** Java's text of a number: a plain number where JavaScript writes the same, else raw JSON; "NaN" stays a string. */
function javaNumberText(text: string): unknown {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  return String(n) === text ? n : JSON.rawJSON(text);
}

const INT_BITS = { INT8: 8, INT16: 16, INT32: 32 } as const;

function fitsInt(value: unknown, bits: number): value is number {
  const limit = 2 ** (bits - 1);
  return Number.isInteger(value) && (value as number) >= -limit && (value as number) < limit;
}

// ---- JSON → Connect -----------------------------------------------------------------------------

/** The Connect value of a JSON value (JsonConverter's payload) for `schema`, or inferred without one. */
export function jsonToConnect(
  schema: Schema | null,
  json: unknown,
  options: JsonDataOptions = DEFAULT_JSON_DATA_OPTIONS,
): unknown {
  if (!schema) return inferConnect(json);
  if (json === null || json === undefined || json === MISSING) {
    if (hasDefault(schema) && options.replaceNullWithDefault) return schema.defaultValue;
    if (schema.optional) return null;
    throw new DataError(`Invalid null value for required ${schema.type} field`);
  }
  if (schema.name !== undefined) {
    const logical = LOGICAL_TO_CONNECT[schema.name];
    if (logical) return logical(schema, json);
  }
  switch (schema.type) {
    case "BOOLEAN":
      return typeof json === "boolean" ? json : false;
    case "INT8":
      return intValue(json, 8);
    case "INT16":
      return intValue(json, 16);
    case "INT32":
      return intValue(json, 32);
    case "INT64":
      return longValue(json);
    case "FLOAT32":
      return Math.fround(doubleValue(json));
    case "FLOAT64":
      return doubleValue(json);
    case "STRING":
      return typeof json === "string" ? json : null;
    case "BYTES":
      return binaryValue(json, "Invalid bytes field");
    case "ARRAY": {
      const itemSchema = schema.valueSchema ?? null;
      return elementsOf(json).map((item) => jsonToConnect(itemSchema, item, options));
    }
    case "MAP":
      return jsonToMap(schema, json, options);
    case "STRUCT": {
      if (!isPlainObject(json))
        throw new DataError(`Structs should be encoded as JSON objects, but found ${nodeType(json)}`);
      const struct = new Struct(schema);
      for (const field of schema.fields) {
        const fieldJson = Object.hasOwn(json, field.name) ? json[field.name] : undefined;
        struct.put(field, jsonToConnect(field.schema, fieldJson, options));
      }
      return struct;
    }
  }
}

function jsonToMap(schema: Schema, json: unknown, options: JsonDataOptions): Map<unknown, unknown> {
  const keySchema = schema.keySchema ?? null;
  const valueSchema = schema.valueSchema ?? null;
  const out = new Map<unknown, unknown>();
  if (!keySchema || keySchema.type === "STRING") {
    if (!isPlainObject(json)) {
      throw new DataError(`Maps with string fields should be encoded as JSON objects, but found ${nodeType(json)}`);
    }
    for (const [k, v] of Object.entries(json)) out.set(k, jsonToConnect(valueSchema, v, options));
    return out;
  }
  if (!Array.isArray(json)) {
    throw new DataError(
      `Maps with non-string fields should be encoded as JSON array of tuples, but found ${nodeType(json)}`,
    );
  }
  for (const entry of json) {
    if (!Array.isArray(entry))
      throw new DataError(`Found invalid map entry instead of array tuple: ${nodeType(entry)}`);
    if (entry.length !== 2)
      throw new DataError(`Found invalid map entry, expected length 2 but found :${entry.length}`);
    out.set(jsonToConnect(keySchema, entry[0], options), jsonToConnect(valueSchema, entry[1], options));
  }
  return out;
}

/** Schemaless reading: integral → INT64, other numbers → FLOAT64, objects → plain objects. */
function inferConnect(json: unknown): unknown {
  if (json === null || json === undefined || json === MISSING) return null;
  switch (typeof json) {
    case "boolean":
    case "string":
    case "number":
      return json;
    case "bigint":
      return longValue(json);
  }
  if (json instanceof JsonNumberText) return json.toNumber();
  if (Array.isArray(json)) return json.map(inferConnect);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) setOwn(out, k, inferConnect(v));
  return out;
}

type LogicalToConnect = (schema: Schema, json: unknown) => unknown;

const LOGICAL_TO_CONNECT: Readonly<Record<string, LogicalToConnect>> = {
  [Decimal.LOGICAL_NAME]: (schema, json) => {
    if (typeof json === "number") return BigDecimal.parse(String(json));
    if (typeof json === "bigint") return new BigDecimal(json, 0);
    if (json instanceof JsonNumberText) return BigDecimal.parse(json.source);
    if (typeof json === "string") {
      const bytes = binaryValue(json, "Invalid bytes for Decimal field");
      // Java's BigInteger rejects an empty byte array.
      if (bytes === null || bytes.length === 0) throw new DataError("Invalid bytes for Decimal field");
      return Decimal.toLogical(schema, bytes);
    }
    throw new DataError(
      `Invalid type for Decimal, underlying representation should be numeric or bytes but was ${nodeType(json)}`,
    );
  },
  [ConnectDate.LOGICAL_NAME]: (schema, json) => {
    if (!isInt(json)) {
      throw new DataError(
        `Invalid type for Date, underlying representation should be integer but was ${nodeType(json)}`,
      );
    }
    return ConnectDate.toLogical(schema, json);
  },
  [ConnectTime.LOGICAL_NAME]: (schema, json) => {
    if (!isInt(json)) {
      throw new DataError(
        `Invalid type for Time, underlying representation should be integer but was ${nodeType(json)}`,
      );
    }
    return ConnectTime.toLogical(schema, json);
  },
  [ConnectTimestamp.LOGICAL_NAME]: (schema, json) => {
    if (!isIntegral(json)) {
      throw new DataError(
        `Invalid type for Timestamp, underlying representation should be integral but was ${nodeType(json)}`,
      );
    }
    return ConnectTimestamp.toLogical(schema, Number(json));
  },
};

// ---- Jackson's view of a parsed value -------------------------------------------------------------

/** Jackson's JsonNodeType name, as Connect's error messages show it. */
export function nodeType(json: unknown): string {
  if (json === MISSING || json === undefined) return "MISSING";
  if (json === null) return "NULL";
  switch (typeof json) {
    case "boolean":
      return "BOOLEAN";
    case "string":
      return "STRING";
    case "number":
    case "bigint":
      return "NUMBER";
  }
  if (json instanceof JsonNumberText) return "NUMBER";
  return Array.isArray(json) ? "ARRAY" : "OBJECT";
}

function isIntegral(json: unknown): json is number | bigint {
  return typeof json === "bigint" || Number.isSafeInteger(json);
}

/** Jackson's `isInt()`: an integral number that fits in 32 bits. */
function isInt(json: unknown): json is number {
  return Number.isInteger(json) && (json as number) >= -2147483648 && (json as number) <= 2147483647;
}

/** The number's exact integral part (truncated toward zero), or 0 for a non-number, as a bigint. */
function truncated(json: unknown): bigint {
  if (typeof json === "bigint") return json;
  if (typeof json === "number") return Number.isFinite(json) ? BigInt(Math.trunc(json)) : 0n;
  if (json instanceof JsonNumberText) {
    const d = BigDecimal.parse(json.source);
    return d.scale <= 0 ? d.unscaled * 10n ** BigInt(-d.scale) : d.unscaled / 10n ** BigInt(d.scale);
  }
  return 0n;
}

/** `intValue()` narrowed to `bits` (Java's `(byte)`/`(short)` casts wrap). */
function intValue(json: unknown, bits: 8 | 16 | 32): number {
  const limit = 2 ** (bits - 1);
  if (typeof json === "number" && Number.isInteger(json) && json >= -limit && json < limit) return json;
  return Number(BigInt.asIntN(bits, truncated(json)));
}

/** `longValue()`: wraps to 64 bits; a number when it is exact as one, else a bigint. */
function longValue(json: unknown): number | bigint {
  if (typeof json === "number" && Number.isSafeInteger(json)) return json;
  return int64Value(BigInt.asIntN(64, truncated(json)));
}

function doubleValue(json: unknown): number {
  if (typeof json === "number") return json;
  if (typeof json === "bigint") return Number(json);
  if (json instanceof JsonNumberText) return json.toNumber();
  return 0;
}

/** `binaryValue()`: base64 text as bytes (padding required), null for non-text values. */
function binaryValue(json: unknown, message: string): Uint8Array | null {
  if (typeof json !== "string") return null;
  try {
    return Uint8Array.fromBase64(json, { lastChunkHandling: "strict" });
  } catch (cause) {
    throw new DataError(message, { cause });
  }
}

/** What iterating a Jackson node yields: an array's items, an object's values, else nothing. */
function elementsOf(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (isPlainObject(json)) return Object.values(json);
  return [];
}

// ---- helpers ------------------------------------------------------------------------------------

function hasDefault(schema: Schema): boolean {
  return schema.defaultValue !== undefined && schema.defaultValue !== null;
}

/** Sets an own property, also for the key `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
