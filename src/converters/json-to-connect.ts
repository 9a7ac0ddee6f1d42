/**
 * JSON → Connect data with Apache JsonConverter's rules (the reading half of json-data.ts):
 * logical types from base64 or numeric Decimals and integer dates, maps from objects or
 * `[key, value]` pairs, bytes from base64, schema defaults for nulls (unless
 * `replace.null.with.default=false`), and without a schema integral numbers as INT64, other
 * numbers as FLOAT64 (an integral one as a JavaDouble), objects as plain objects.
 *
 * It follows Jackson's coercions as Connect relies on them: a number for an INT8 field is
 * truncated and wrapped like Java's `(byte)` cast, a non-number reads as 0, a non-string for a
 * STRING field as null, a non-boolean for a BOOLEAN as false; `nodeType` names a value as
 * Jackson's JsonNodeType does in Connect's messages.
 */
import { javaFloatOf } from "../api/data/java-floating.ts";
import { copyObjectKeyOrder, objectEntries } from "../api/data/java-map-order.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "../api/data/logical.ts";
import { int64Value, type Schema } from "../api/data/schema.ts";
import { isPlainObject } from "../api/data/schemaless.ts";
import { Struct } from "../api/data/struct.ts";
import { DataError, JavaException } from "../errors.ts";
import { setOwn } from "../util/own-property.ts";
import { jacksonBase64 } from "./jackson-base64.ts";
import { DEFAULT_JSON_DATA_OPTIONS, hasDefault, type JsonDataOptions } from "./json-data.ts";
import { JsonNumberText, MISSING } from "./json-text.ts";

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
      return floatValue(json);
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
    for (const [k, v] of objectEntries(json)) out.set(k, jsonToConnect(valueSchema, v, options));
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

/** Schemaless reading: integers → INT64, numbers with a fraction or exponent → FLOAT64, objects → plain objects. */
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
  if (json instanceof JsonNumberText) return json.toDouble();
  if (Array.isArray(json)) return json.map(inferConnect);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) setOwn(out, k, inferConnect(v));
  return copyObjectKeyOrder(json as object, out);
}

type LogicalToConnect = (schema: Schema, json: unknown) => unknown;

const LOGICAL_TO_CONNECT: Readonly<Record<string, LogicalToConnect>> = {
  [Decimal.LOGICAL_NAME]: (schema, json) => {
    if (typeof json === "number") return BigDecimal.parse(String(json));
    if (typeof json === "bigint") return new BigDecimal(json, 0);
    if (json instanceof JsonNumberText) return BigDecimal.parse(json.source);
    if (typeof json === "string") {
      const bytes = binaryValue(json, "Invalid bytes for Decimal field");
      if (bytes === null) throw new DataError("Invalid bytes for Decimal field");
      // Java's BigInteger rejects an empty byte array; Apache wraps its exception (runtime case hunt-decimal).
      if (bytes.length === 0) {
        const cause = new JavaException("java.lang.NumberFormatException", "Zero length BigInteger");
        throw new DataError("Invalid bytes for Decimal field", { cause });
      }
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
    return ConnectTimestamp.toLogical(schema, json);
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

/** The number's integral part (truncated toward zero; a BigDecimal's wrapped to 64 bits, as Java's longValue), or 0 for a non-number. */
function truncated(json: unknown): bigint {
  if (typeof json === "bigint") return json;
  if (typeof json === "number") return Number.isFinite(json) ? BigInt(Math.trunc(json)) : 0n;
  if (json instanceof JsonNumberText) return BigDecimal.parse(json.source).longValue();
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
  // + 0: a plain -0 was written `-0`, an IntNode (0) to Jackson; `-0.0` and `-1e-400` come as JsonNumberText.
  if (typeof json === "number") return json + 0;
  if (typeof json === "bigint") return Number(json);
  if (json instanceof JsonNumberText) return json.toJavaDouble();
  return 0;
}

/** `floatValue()`: a BigDecimal or BigInteger rounded once to a float (Math.fround of its double can round twice). */
function floatValue(json: unknown): number {
  if (typeof json === "bigint") return javaFloatOf(Number(json), String(json));
  if (json instanceof JsonNumberText) return javaFloatOf(json.toJavaDouble(), json.source);
  return Math.fround(doubleValue(json));
}

/** `binaryValue()`: base64 text as bytes (Jackson's reading), null for non-text values; Connect's DataException wraps Jackson's. */
function binaryValue(json: unknown, message: string): Uint8Array | null {
  if (typeof json !== "string") return null;
  try {
    return jacksonBase64(json);
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
