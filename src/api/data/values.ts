/**
 * org.apache.kafka.connect.data.Values, the parts SimpleHeaderConverter, InsertHeader (its
 * `value.literal`) and Cast (dates, via values-format.ts) need: `parseString` infers a schema
 * and value from text (booleans; integers as the smallest of INT8…INT64; other
 * numbers as FLOAT32, FLOAT64 or Decimal; ISO dates, times and timestamps as the logical types;
 * `[…]` arrays and `{…}` maps with a common element schema; anything else a string),
 * `convertToString` writes values back (values-format.ts), and `convertTo` converts a value to
 * another schema, which parsing uses to align the elements of an array or map to their common
 * schema. The parser keeps Connect's quirks, because they decide what a header reads as: `1,2`
 * reads as the INT8 1, and `[null,1]` as a string. Numbers are read and coerced in
 * values-numbers.ts, the common schema of elements is values-schema-merger.ts's.
 */

import { DataError } from "../../errors.ts";
import type { SchemaAndValue } from "../converter.ts";
import { NULL_SCHEMA_AND_VALUE } from "../converter.ts";
import { JavaDouble } from "./java-double.ts";
import { setJavaMapOrigin } from "./java-map-order.ts";
import { javaDoubleToString, javaTrim } from "./java-text.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "./logical.ts";
import { int64Value, type Schema, SchemaBuilder, Schemas, schemaEquals } from "./schema.ts";
import { Struct } from "./struct.ts";
import { convertToString } from "./values-format.ts";
import { putKey } from "./values-map-keys.ts";
import { asDouble, asLong, parseNumber, unableToConvert } from "./values-numbers.ts";
import { SchemaMerger, schemalessOf } from "./values-schema-merger.ts";
import { parseTemporal, parseTemporalTokens } from "./values-temporal.ts";
import { isBlank, ValuesTokenizer } from "./values-tokenizer.ts";

export { convertToString } from "./values-format.ts";

const MS_PER_DAY = 86_400_000;
const TRUE: SchemaAndValue = Object.freeze({ schema: Schemas.BOOLEAN, value: true });
const FALSE: SchemaAndValue = Object.freeze({ schema: Schemas.BOOLEAN, value: false });

/** The schema and value `text` stands for (Values.parseString). */
export function parseString(text: string | null): SchemaAndValue {
  if (text === null) return NULL_SCHEMA_AND_VALUE;
  if (text === "") return { schema: Schemas.STRING, value: text };
  return parseTokens(new ValuesTokenizer(text));
}

/** `parseString` of the tokenizer's text (non-empty); the tokenizer counts its scans. */
export function parseTokens(p: ValuesTokenizer): SchemaAndValue {
  return parseValue(p, false) ?? NULL_SCHEMA_AND_VALUE;
}

// ---- parsing ------------------------------------------------------------------------------------

function parseValue(p: ValuesTokenizer, embedded: boolean): SchemaAndValue | null {
  if (!p.hasNext()) return null;
  if (embedded && p.canConsume('"')) return parseQuotedString(p);
  if (canParseLiteral(p, embedded, "null")) return null;
  if (canParseLiteral(p, embedded, "true")) return TRUE;
  if (canParseLiteral(p, embedded, "false")) return FALSE;
  const start = p.mark();
  try {
    if (p.canConsume("[")) return parseArray(p);
    if (p.canConsume("{")) return parseMap(p);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    p.rewindTo(start);
  }
  const token = p.next();
  if (isBlank(token)) return { schema: Schemas.STRING, value: token };
  return parseToken(p, embedded, javaTrim(token));
}

/** A literal on its own: at top level only when nothing follows it (`true}` is a string). */
function canParseLiteral(p: ValuesTokenizer, embedded: boolean, literal: string): boolean {
  const start = p.mark();
  if (p.canConsume(literal) && (embedded || !p.hasNext())) return true;
  p.rewindTo(start);
  return false;
}

function parseToken(p: ValuesTokenizer, embedded: boolean, token: string): SchemaAndValue {
  const first = token[0]!;
  const isDigit = /\p{Nd}/u.test(first);
  if (isDigit) {
    const temporal = parseTemporalTokens(p, token);
    if (temporal) return temporal;
  }
  if (isDigit || first === "+" || first === "-") {
    const number = parseNumber(token);
    if (number) return number;
  }
  if (embedded) throw new DataError("Failed to parse embedded value");
  return { schema: Schemas.STRING, value: p.original };
}

function parseQuotedString(p: ValuesTokenizer): SchemaAndValue {
  let content = "";
  while (p.hasNext()) {
    if (p.canConsume('"')) break;
    content += p.next();
  }
  return parseTemporal(content) ?? { schema: Schemas.STRING, value: content };
}

function parseArray(p: ValuesTokenizer): SchemaAndValue {
  const items: (SchemaAndValue | null)[] = [];
  const common = new SchemaMerger();
  while (p.hasNext()) {
    if (p.canConsume("]")) {
      const value = items.map((item) => aligned(common.schema, item));
      if (!common.schema) return { schema: new SchemaBuilder("ARRAY").build(), value };
      return { schema: SchemaBuilder.array(common.schema).build(), value };
    }
    if (p.canConsume(",")) throw new DataError(`Unable to parse an empty array element: ${p.original}`);
    const item = parseValue(p, true);
    common.merge(item);
    items.push(item);
    const position = p.mark();
    if (p.canConsume("]")) p.rewindTo(position);
    else if (!p.canConsume(",")) throw new DataError("Array elements missing ',' delimiter");
  }
  if (p.previous() === ",") throw new DataError(`Array is missing element after ',': ${p.original}`);
  throw new DataError(`Array is missing terminating ']': ${p.original}`);
}

function parseMap(p: ValuesTokenizer): SchemaAndValue {
  const entries: [SchemaAndValue, SchemaAndValue | null][] = [];
  const keys = new SchemaMerger();
  const values = new SchemaMerger();
  while (p.hasNext()) {
    if (p.canConsume("}")) {
      const keySchema = keys.schema;
      // Without a common key schema Connect leaves the values as they are, too.
      const valueSchema = keySchema ? values.schema : null;
      // Values builds a LinkedHashMap: it prints in the text's order.
      const map = setJavaMapOrigin(new Map<unknown, unknown>(), "linked");
      const byText = new Map<string, unknown>();
      for (const [k, v] of entries) putKey(map, byText, aligned(keySchema, k), aligned(valueSchema, v));
      if (keySchema && valueSchema) return { schema: SchemaBuilder.map(keySchema, valueSchema).build(), value: map };
      if (keySchema) return { schema: new SchemaBuilder("MAP", keySchema).build(), value: map };
      return { schema: new SchemaBuilder("MAP").build(), value: map };
    }
    if (p.canConsume(",")) throw new DataError(`Unable to parse a map entry with no key or value: ${p.original}`);
    const key = parseValue(p, true);
    if (key === null || key.value === null) throw new DataError(`Map entry may not have a null key: ${p.original}`);
    if (!p.canConsume(":")) {
      throw new DataError(`Map entry is missing ':' at ${p.position} in ${p.original}`);
    }
    const value = parseValue(p, true);
    entries.push([key, value]);
    p.canConsume(",");
    keys.merge(key);
    values.merge(value);
  }
  if (p.previous() === ",") throw new DataError(`Map is missing element after ',': ${p.original}`);
  throw new DataError(`Map is missing terminating '}': ${p.original}`);
}

/**
 * An element's value converted to the common schema of its array or map (Values.convertTo, which
 * fails on a null); where there is none, or the element's own schema differs and so its numbers
 * would be read by another one, as a schemaless value holds it: Connect keeps the Java Float or
 * Double (`[0.1,true]` prints `0.1`, not the double of that float).
 */
function aligned(common: Schema | null, element: SchemaAndValue | null): unknown {
  const own = element?.schema;
  let value: unknown = element?.value ?? null;
  if (own && !(common && schemaEquals(common, own))) value = schemalessOf(own, value);
  return common ? convertTo(common, null, value) : value;
}

// ---- conversions ----------------------------------------------------------------------------------

/** Values.convertTo: `value` (of `fromSchema`, if known) as a value of `toSchema`. */
export function convertTo(toSchema: Schema, fromSchema: Schema | null, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (toSchema.optional) return null;
    throw new DataError("Unable to convert a null value to a schema that requires a value");
  }
  switch (toSchema.type) {
    case "BYTES":
      return toSchema.name === Decimal.LOGICAL_NAME ? toDecimal(toSchema, value) : toBytes(toSchema, value);
    case "STRING":
      return convertToString(fromSchema, value);
    case "BOOLEAN":
      if (typeof value === "boolean") return value;
      if (typeof value === "string") {
        const parsed = parseString(value).value;
        if (typeof parsed === "boolean") return parsed;
      }
      return asLong(value, fromSchema) !== 0n;
    case "INT8":
      return Number(BigInt.asIntN(8, asLong(value, fromSchema)));
    case "INT16":
      return Number(BigInt.asIntN(16, asLong(value, fromSchema)));
    case "INT32":
      if (toSchema.name === ConnectDate.LOGICAL_NAME) return toDate(toSchema, fromSchema, value);
      if (toSchema.name === ConnectTime.LOGICAL_NAME) return toTime(toSchema, fromSchema, value);
      return Number(BigInt.asIntN(32, asLong(value, fromSchema)));
    case "INT64": {
      if (toSchema.name === ConnectTimestamp.LOGICAL_NAME) return toTimestamp(toSchema, fromSchema, value);
      return int64Value(asLong(value, fromSchema));
    }
    case "FLOAT32":
      return Math.fround(asDouble(value, fromSchema));
    case "FLOAT64":
      return asDouble(value, fromSchema);
    case "ARRAY": {
      const list = typeof value === "string" ? parseString(value).value : value;
      if (Array.isArray(list)) return list;
      throw unableToConvert(value, toSchema);
    }
    case "MAP": {
      const map = typeof value === "string" ? parseString(value).value : value;
      if (map instanceof Map || (typeof map === "object" && map?.constructor === Object)) return map;
      throw unableToConvert(value, toSchema);
    }
    case "STRUCT":
      if (value instanceof Struct) return value;
      throw unableToConvert(value, toSchema);
  }
}
function toDecimal(toSchema: Schema, value: unknown): BigDecimal {
  if (value instanceof Uint8Array) return Decimal.toLogical(toSchema, value);
  if (value instanceof BigDecimal) return value;
  // Java goes through double here (BigDecimal.valueOf), so 5 becomes 5.0.
  if (typeof value === "number" || typeof value === "bigint" || value instanceof JavaDouble)
    return BigDecimal.parse(javaDoubleToString(Number(value)));
  if (typeof value === "string") return BigDecimal.parse(value);
  throw unableToConvert(value, toSchema);
}

function toBytes(toSchema: Schema, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof BigDecimal) return Decimal.fromLogical(toSchema, value);
  throw unableToConvert(value, toSchema);
}

function temporalInput(value: unknown): unknown {
  return typeof value === "string" ? parseString(value).value : value;
}

function toDate(toSchema: Schema, fromSchema: Schema | null, value: unknown): Date {
  const v = temporalInput(value);
  if (v instanceof Date) {
    if (!fromSchema || fromSchema.name === ConnectDate.LOGICAL_NAME) return v;
    if (fromSchema.name === ConnectTimestamp.LOGICAL_NAME) {
      return ConnectDate.toLogical(toSchema, Math.trunc(v.getTime() / MS_PER_DAY));
    }
  }
  return ConnectDate.toLogical(toSchema, Number(BigInt.asIntN(32, asLong(v, fromSchema))));
}

function toTime(toSchema: Schema, fromSchema: Schema | null, value: unknown): Date {
  const v = temporalInput(value);
  if (v instanceof Date) {
    if (!fromSchema || fromSchema.name === ConnectTime.LOGICAL_NAME) return v;
    if (fromSchema.name === ConnectTimestamp.LOGICAL_NAME) {
      const ms = v.getTime();
      return ConnectTime.toLogical(toSchema, ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
    }
  }
  return ConnectTime.toLogical(toSchema, Number(BigInt.asIntN(32, asLong(v, fromSchema))));
}

function toTimestamp(toSchema: Schema, fromSchema: Schema | null, value: unknown): Date {
  const v = temporalInput(value);
  if (v instanceof Date) {
    if (!fromSchema || fromSchema.name === ConnectTimestamp.LOGICAL_NAME) return v;
    if (fromSchema.name === ConnectDate.LOGICAL_NAME) {
      return ConnectTimestamp.toLogical(toSchema, ConnectDate.fromLogical(fromSchema, v) * MS_PER_DAY);
    }
    if (fromSchema.name === ConnectTime.LOGICAL_NAME) {
      return ConnectTimestamp.toLogical(toSchema, ConnectTime.fromLogical(fromSchema, v));
    }
  }
  return ConnectTimestamp.toLogical(toSchema, asLong(v, fromSchema));
}
