/**
 * org.apache.kafka.connect.data.Values, the parts SimpleHeaderConverter, InsertHeader (its
 * `value.literal`) and Cast (dates, via values-format.ts) need: `parseString` infers a schema
 * and value from text (booleans; integers as the smallest of INT8…INT64; other
 * numbers as FLOAT32, FLOAT64 or Decimal; ISO dates, times and timestamps as the logical types;
 * `[…]` arrays and `{…}` maps with a common element schema; anything else a string),
 * `convertToString` writes values back (values-format.ts), and `convertTo` converts a value to
 * another schema, which parsing uses to align the elements of an array or map to their common
 * schema. The parser keeps Connect's quirks, because they decide what a header reads as: `1,2`
 * reads as the INT8 1, and `[null,1]` as a string.
 */

import { DataError } from "../../errors.ts";
import type { SchemaAndValue } from "../converter.ts";
import { NULL_SCHEMA_AND_VALUE } from "../converter.ts";
import { javaClassOf, javaDoubleToString, javaTrim } from "./java-text.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "./logical.ts";
import { int64Value, type Schema, SchemaBuilder, Schemas, type SchemaType, schemaEquals } from "./schema.ts";
import { Struct } from "./struct.ts";
import { convertToString } from "./values-format.ts";
import { isBlank, ValuesTokenizer } from "./values-tokenizer.ts";

export { convertToString } from "./values-format.ts";

const MS_PER_DAY = 86_400_000;
const TRUE: SchemaAndValue = Object.freeze({ schema: Schemas.BOOLEAN, value: true });
const FALSE: SchemaAndValue = Object.freeze({ schema: Schemas.BOOLEAN, value: false });

/** The schema and value `text` stands for (Values.parseString). */
export function parseString(text: string | null): SchemaAndValue {
  if (text === null) return NULL_SCHEMA_AND_VALUE;
  if (text === "") return { schema: Schemas.STRING, value: text };
  return parseValue(new ValuesTokenizer(text), false) ?? NULL_SCHEMA_AND_VALUE;
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
  let items: unknown[] = [];
  const common = new SchemaMerger();
  while (p.hasNext()) {
    if (p.canConsume("]")) {
      if (!common.schema) return { schema: new SchemaBuilder("ARRAY").build(), value: items };
      const schema = SchemaBuilder.array(common.schema).build();
      items = items.map((item) => convertTo(common.schema!, null, item));
      return { schema, value: items };
    }
    if (p.canConsume(",")) throw new DataError(`Unable to parse an empty array element: ${p.original}`);
    const item = parseValue(p, true);
    common.merge(item);
    items.push(item?.value ?? null);
    const position = p.mark();
    if (p.canConsume("]")) p.rewindTo(position);
    else if (!p.canConsume(",")) throw new DataError("Array elements missing ',' delimiter");
  }
  if (p.previous() === ",") throw new DataError(`Array is missing element after ',': ${p.original}`);
  throw new DataError(`Array is missing terminating ']': ${p.original}`);
}

function parseMap(p: ValuesTokenizer): SchemaAndValue {
  const entries: [unknown, unknown][] = [];
  const keys = new SchemaMerger();
  const values = new SchemaMerger();
  while (p.hasNext()) {
    if (p.canConsume("}")) {
      const keySchema = keys.schema;
      const valueSchema = values.schema;
      if (keySchema && valueSchema) {
        const aligned = entries.map(
          ([k, v]) => [convertTo(keySchema, null, k), convertTo(valueSchema, null, v)] as const,
        );
        return { schema: SchemaBuilder.map(keySchema, valueSchema).build(), value: new Map(aligned) };
      }
      if (keySchema) {
        const aligned = entries.map(([k, v]) => [convertTo(keySchema, null, k), v] as const);
        return { schema: new SchemaBuilder("MAP", keySchema).build(), value: new Map(aligned) };
      }
      return { schema: new SchemaBuilder("MAP").build(), value: new Map(entries) };
    }
    if (p.canConsume(",")) throw new DataError(`Unable to parse a map entry with no key or value: ${p.original}`);
    const key = parseValue(p, true);
    if (key === null || key.value === null) throw new DataError(`Map entry may not have a null key: ${p.original}`);
    if (!p.canConsume(":")) {
      throw new DataError(`Map entry is missing ':' at ${p.position} in ${p.original}`);
    }
    const value = parseValue(p, true);
    entries.push([key.value, value?.value ?? null]);
    p.canConsume(",");
    keys.merge(key);
    values.merge(value);
  }
  if (p.previous() === ",") throw new DataError(`Map is missing element after ',': ${p.original}`);
  throw new DataError(`Map is missing terminating '}': ${p.original}`);
}

/** A time or timestamp split at its colons spans five tokens: try those first, then the token alone. */
function parseTemporalTokens(p: ValuesTokenizer, token: string): SchemaAndValue | null {
  const position = p.mark();
  const rest = p.nextTokens(4);
  if (rest !== null) {
    const temporal = parseTemporal(token + rest);
    if (temporal) return temporal;
  }
  p.rewindTo(position);
  return parseTemporal(token);
}

const DATE_PATTERN = /^(\d+)-(\d+)-(\d+)/;
const TIME_PATTERN = /^(\d+):(\d+):(\d+)\.(\d+)Z/;
const TIMESTAMP_PATTERN = /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z/;

/**
 * `yyyy-MM-dd` (10 characters), `HH:mm:ss.SSS'Z'` (13) or `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` (24),
 * read leniently like Java's SimpleDateFormat: out-of-range fields roll over (2024-13-45 is
 * 2025-02-14) and text after a complete match is ignored. Always UTC.
 */
function parseTemporal(text: string): SchemaAndValue | null {
  const token = text.replaceAll("\\:", ":");
  const [pattern, schema] =
    token.length === 13
      ? [TIME_PATTERN, ConnectTime.schema()]
      : token.length === 24
        ? [TIMESTAMP_PATTERN, ConnectTimestamp.schema()]
        : token.length === 10
          ? [DATE_PATTERN, ConnectDate.schema()]
          : [null, null];
  const m = pattern?.exec(token);
  if (!m || !schema) return null;
  const f = m.slice(1).map(Number);
  const date = new Date(0);
  if (pattern === TIME_PATTERN) date.setUTCHours(f[0]!, f[1]!, f[2]!, f[3]!);
  else date.setUTCFullYear(f[0]!, f[1]! - 1, f[2]!);
  if (pattern === TIMESTAMP_PATTERN) date.setUTCHours(f[3]!, f[4]!, f[5]!, f[6]!);
  return Number.isNaN(date.getTime()) ? null : { schema, value: date };
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Whole numbers as the smallest integer type, else FLOAT32, FLOAT64 or a Decimal; null when not a number. */
function parseNumber(token: string): SchemaAndValue | null {
  let decimal: BigDecimal;
  try {
    decimal = BigDecimal.parse(token);
  } catch {
    return null;
  }
  const exact = parseExactInteger(decimal);
  if (exact) return exact;
  const double = Number(token);
  const float = Math.fround(double);
  if (Number.isFinite(float) && decimal.scale !== 0) return { schema: Schemas.FLOAT32, value: float };
  if (Number.isFinite(double) && decimal.scale !== 0) return { schema: Schemas.FLOAT64, value: double };
  return { schema: Decimal.schema(decimal.scale), value: decimal };
}

function parseExactInteger(d: BigDecimal): SchemaAndValue | null {
  const magnitude = d.unscaled < 0n ? -d.unscaled : d.unscaled;
  if (magnitude === 0n) return { schema: Schemas.INT8, value: 0 };
  // Outside [1, 1e19] there is no exact integer to find.
  if (compareToPowerOfTen(magnitude, d.scale, 19) > 0 || compareToPowerOfTen(magnitude, d.scale, 0) < 0) return null;
  const integral = wholeValue(d);
  if (integral === null || integral < LONG_MIN || integral > LONG_MAX) return null;
  const n = Number(integral);
  if (n >= -128 && n <= 127) return { schema: Schemas.INT8, value: n };
  if (n >= -32768 && n <= 32767) return { schema: Schemas.INT16, value: n };
  if (n >= -2147483648 && n <= 2147483647) return { schema: Schemas.INT32, value: n };
  return { schema: Schemas.INT64, value: Number.isSafeInteger(n) ? n : integral };
}

/** Sign of `magnitude × 10^-scale − 10^power`. */
function compareToPowerOfTen(magnitude: bigint, scale: number, power: number): number {
  const exponent = power + scale;
  const left = exponent >= 0 ? magnitude : magnitude * 10n ** BigInt(-exponent);
  const right = exponent >= 0 ? 10n ** BigInt(exponent) : 1n;
  return left === right ? 0 : left > right ? 1 : -1;
}

/** The value as an integer when it has no fractional part. */
function wholeValue(d: BigDecimal): bigint | null {
  if (d.scale <= 0) return d.unscaled * 10n ** BigInt(-d.scale);
  const divisor = 10n ** BigInt(d.scale);
  return d.unscaled % divisor === 0n ? d.unscaled / divisor : null;
}

// ---- common schemas of array elements and map entries ---------------------------------------------

const NUMERIC_RANK: Partial<Record<SchemaType, number>> = {
  INT8: 1,
  INT16: 2,
  INT32: 3,
  INT64: 4,
  FLOAT32: 5,
  FLOAT64: 6,
};

class SchemaMerger {
  schema: Schema | null = null;
  #compatible = true;

  merge(latest: SchemaAndValue | null): void {
    if (!latest?.schema || !this.#compatible) return;
    if (this.schema === null) {
      this.schema = latest.schema;
      return;
    }
    this.schema = mergeSchemas(this.schema, latest.schema);
    this.#compatible = this.schema !== null;
  }
}

/** Numbers widen to the wider type; other types must match (the later schema wins when they do). */
function mergeSchemas(previous: Schema, next: Schema): Schema | null {
  if (previous.type !== next.type) {
    const a = NUMERIC_RANK[previous.type];
    const b = NUMERIC_RANK[next.type];
    if (a === undefined || b === undefined) return null;
    return a > b ? previous : next;
  }
  if (previous.optional === next.optional) return previous.optional ? previous : next;
  return schemaEquals(previous, next) ? previous : null;
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

function unableToConvert(value: unknown, to: Schema | string): DataError {
  return new DataError(`Unable to convert ${String(value)} (${javaClassOf(value)}) to ${String(to)}`);
}

function toDecimal(toSchema: Schema, value: unknown): BigDecimal {
  if (value instanceof Uint8Array) return Decimal.toLogical(toSchema, value);
  if (value instanceof BigDecimal) return value;
  // Java goes through double here (BigDecimal.valueOf), so 5 becomes 5.0.
  if (typeof value === "number" || typeof value === "bigint")
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
  return ConnectTimestamp.toLogical(toSchema, Number(asLong(v, fromSchema)));
}

/** Java's `Number.longValue()` of a value, as a bigint: truncated, and wrapped or saturated like Java. */
function asLong(value: unknown, fromSchema: Schema | null): bigint {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return 0n;
    const n = Number.isFinite(value) ? BigInt(Math.trunc(value)) : value > 0 ? LONG_MAX : LONG_MIN;
    return n > LONG_MAX ? LONG_MAX : n < LONG_MIN ? LONG_MIN : n;
  }
  if (typeof value === "bigint") return BigInt.asIntN(64, value);
  const decimal = value instanceof BigDecimal ? value : typeof value === "string" ? tryParseDecimal(value) : null;
  if (decimal) {
    const whole =
      decimal.scale <= 0
        ? decimal.unscaled * 10n ** BigInt(-decimal.scale)
        : decimal.unscaled / 10n ** BigInt(decimal.scale);
    return BigInt.asIntN(64, whole);
  }
  if (fromSchema) {
    if (value instanceof Date) {
      if (fromSchema.name === ConnectDate.LOGICAL_NAME) return BigInt(ConnectDate.fromLogical(fromSchema, value));
      if (fromSchema.name === ConnectTime.LOGICAL_NAME) return BigInt(ConnectTime.fromLogical(fromSchema, value));
      if (fromSchema.name === ConnectTimestamp.LOGICAL_NAME)
        return BigInt(ConnectTimestamp.fromLogical(fromSchema, value));
    }
    throw unableToConvert(value, fromSchema);
  }
  throw unableToConvert(value, "a number");
}

function asDouble(value: unknown, fromSchema: Schema | null): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof BigDecimal) return value.toNumber();
  if (typeof value === "string") {
    const decimal = tryParseDecimal(value);
    if (decimal) return decimal.toNumber();
  }
  return Number(asLong(value, fromSchema));
}

function tryParseDecimal(text: string): BigDecimal | null {
  // Java's BigDecimal(String) does not trim.
  if (text !== text.trim()) return null;
  try {
    return BigDecimal.parse(text);
  } catch {
    return null;
  }
}
