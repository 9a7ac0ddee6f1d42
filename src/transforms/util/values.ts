/**
 * The parts of Connect's `org.apache.kafka.connect.data.Values` the SMTs need:
 * `parseString` (InsertHeader's `value.literal`: `1` is an INT8, `true` a BOOLEAN, `[1,2]` an
 * ARRAY, `{"a":1}` a MAP, `2024-01-02` a Date, anything else the STRING itself),
 * `dateFormatFor` (how Cast prints dates) and `asLong`/`asDouble` (MaskField's replacements).
 *
 * The parser follows Values' tokenizer and its quirks: a token is cut at `: , { } [ ] "`
 * unless backslash-escaped, quoted strings keep their escapes, an array or map that fails to
 * parse falls back to the whole input as a STRING, and element schemas are merged to a common
 * numeric type (`[1, 2.5]` is an ARRAY of FLOAT32). Dates use the UTC zone.
 */
import type { SchemaAndValue } from "../../api/converter.ts";
import {
  BigDecimal,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DATE_NAME,
  Decimal,
  TIME_NAME,
  TIMESTAMP_NAME,
} from "../../api/data/logical.ts";
import { type Schema, SchemaBuilder, Schemas } from "../../api/data/schema.ts";
import { DataError } from "../../errors.ts";
import { integerPart, longValue, narrowInteger, toFloating } from "./java-numbers.ts";
import { javaClassOfValue } from "./requirements.ts";
import { SimpleDateFormat } from "./simple-date-format.ts";
import { isBlank, Parser } from "./values-tokenizer.ts";

const MS_PER_DAY = 86_400_000;
const DATE_FORMAT = new SimpleDateFormat("yyyy-MM-dd");
const TIME_FORMAT = new SimpleDateFormat("HH:mm:ss.SSS'Z'");
const TIMESTAMP_FORMAT = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

/** Values.dateFormatFor: a time before day one, a date at midnight, otherwise a timestamp. */
export function dateFormatFor(value: Date): SimpleDateFormat {
  if (value.getTime() < MS_PER_DAY) return TIME_FORMAT;
  if (value.getTime() % MS_PER_DAY === 0) return DATE_FORMAT;
  return TIMESTAMP_FORMAT;
}

/** Values.parseString: the schema and value a string literal stands for. */
export function parseString(value: string | null): SchemaAndValue {
  if (value === null) return { schema: null, value: null };
  if (value === "") return { schema: Schemas.STRING, value };
  return new ValueParser(new Parser(value)).parse(false) ?? { schema: null, value: null };
}

class ValueParser {
  constructor(private readonly parser: Parser) {}

  private canParseSingleTokenLiteral(embedded: boolean, literal: string): boolean {
    const start = this.parser.mark();
    if (this.parser.canConsume(literal) && (embedded || !this.parser.hasNext())) return true;
    this.parser.rewindTo(start);
    return false;
  }

  parse(embedded: boolean): SchemaAndValue | null {
    const parser = this.parser;
    if (!parser.hasNext()) return null;
    if (embedded && parser.canConsume('"')) return this.parseQuotedString();
    if (this.canParseSingleTokenLiteral(embedded, "null")) return null;
    if (this.canParseSingleTokenLiteral(embedded, "true")) return { schema: Schemas.BOOLEAN, value: true };
    if (this.canParseSingleTokenLiteral(embedded, "false")) return { schema: Schemas.BOOLEAN, value: false };
    const start = parser.mark();
    try {
      if (parser.canConsume("[")) return this.parseArray();
      if (parser.canConsume("{")) return this.parseMap();
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      parser.rewindTo(start);
    }
    const token = parser.next();
    if (isBlank(token)) return { schema: Schemas.STRING, value: token };
    return this.parseNextToken(embedded, token.trim());
  }

  private parseNextToken(embedded: boolean, token: string): SchemaAndValue {
    const first = token[0]!;
    const firstIsDigit = first >= "0" && first <= "9";
    if (firstIsDigit) {
      const temporal = this.parseMultipleTokensAsTemporal(token);
      if (temporal) return temporal;
    }
    if (firstIsDigit || first === "+" || first === "-") {
      const number = parseAsNumber(token);
      if (number) return number;
    }
    if (embedded) throw new DataError("Failed to parse embedded value");
    return { schema: Schemas.STRING, value: this.parser.original };
  }

  private parseQuotedString(): SchemaAndValue {
    let content = "";
    while (this.parser.hasNext()) {
      if (this.parser.canConsume('"')) break;
      content += this.parser.next();
    }
    return parseAsTemporal(content) ?? { schema: Schemas.STRING, value: content };
  }

  private parseArray(): SchemaAndValue {
    const parser = this.parser;
    const result: unknown[] = [];
    const merger = new SchemaMerger();
    while (parser.hasNext()) {
      if (parser.canConsume("]")) {
        const common = merger.schema();
        if (common === null) return { schema: new SchemaBuilder("ARRAY").build(), value: result };
        return { schema: SchemaBuilder.array(common).build(), value: result.map((v) => convertTo(common, v)) };
      }
      if (parser.canConsume(",")) throw new DataError(`Unable to parse an empty array element: ${parser.original}`);
      const element = this.parse(true);
      merger.merge(element);
      result.push(element?.value ?? null);
      const position = parser.mark();
      if (parser.canConsume("]")) parser.rewindTo(position);
      else if (!parser.canConsume(",")) throw new DataError("Array elements missing ',' delimiter");
    }
    if (parser.previous() === ",") throw new DataError(`Array is missing element after ',': ${parser.original}`);
    throw new DataError(`Array is missing terminating ']': ${parser.original}`);
  }

  private parseMap(): SchemaAndValue {
    const parser = this.parser;
    const result = new Map<unknown, unknown>();
    const keys = new SchemaMerger();
    const values = new SchemaMerger();
    while (parser.hasNext()) {
      if (parser.canConsume("}")) {
        const keySchema = keys.schema();
        const valueSchema = values.schema();
        if (keySchema !== null && valueSchema !== null) {
          const aligned = new Map([...result].map(([k, v]) => [convertTo(keySchema, k), convertTo(valueSchema, v)]));
          return { schema: SchemaBuilder.map(keySchema, valueSchema).build(), value: aligned };
        }
        if (keySchema !== null) {
          const aligned = new Map([...result].map(([k, v]) => [convertTo(keySchema, k), v]));
          return { schema: new SchemaBuilder("MAP", keySchema).build(), value: aligned };
        }
        return { schema: new SchemaBuilder("MAP").build(), value: result };
      }
      if (parser.canConsume(",")) {
        throw new DataError(`Unable to parse a map entry with no key or value: ${parser.original}`);
      }
      const key = this.parse(true);
      if (key === null || key.value === null)
        throw new DataError(`Map entry may not have a null key: ${parser.original}`);
      if (!parser.canConsume(":")) {
        throw new DataError(`Map entry is missing ':' at ${parser.position()} in ${parser.original}`);
      }
      const value = this.parse(true);
      result.set(key.value, value?.value ?? null);
      parser.canConsume(",");
      keys.merge(key);
      values.merge(value);
    }
    if (parser.previous() === ",") throw new DataError(`Map is missing element after ',': ${parser.original}`);
    throw new DataError(`Map is missing terminating '}': ${parser.original}`);
  }

  private parseMultipleTokensAsTemporal(token: string): SchemaAndValue | null {
    const position = this.parser.mark();
    const remainder = this.parser.nextN(4);
    if (remainder !== null) {
      const temporal = parseAsTemporal(token + remainder);
      if (temporal) return temporal;
    }
    this.parser.rewindTo(position);
    return parseAsTemporal(token);
  }
}

function parseAsNumber(token: string): SchemaAndValue | null {
  let decimal: BigDecimal;
  try {
    decimal = BigDecimal.parse(token);
  } catch {
    return null;
  }
  if (decimal.scale <= 0 || decimal.unscaled % 10n ** BigInt(decimal.scale) === 0n) {
    const integral = integerPart(decimal);
    if (integral >= -(2n ** 63n) && integral < 2n ** 63n) {
      if (integral >= -128n && integral <= 127n) return { schema: Schemas.INT8, value: Number(integral) };
      if (integral >= -32768n && integral <= 32767n) return { schema: Schemas.INT16, value: Number(integral) };
      if (integral >= -(2n ** 31n) && integral < 2n ** 31n) return { schema: Schemas.INT32, value: Number(integral) };
      return { schema: Schemas.INT64, value: longValue(integral) };
    }
  }
  const d = decimal.toNumber();
  const f = Math.fround(d);
  if (Number.isFinite(f) && decimal.scale !== 0) return { schema: Schemas.FLOAT32, value: f };
  if (Number.isFinite(d) && decimal.scale !== 0) return { schema: Schemas.FLOAT64, value: d };
  return { schema: Decimal.schema(decimal.scale), value: decimal };
}

function parseAsTemporal(text: string): SchemaAndValue | null {
  const token = text.replaceAll("\\:", ":");
  const [format, schema] =
    token.length === 13
      ? [TIME_FORMAT, ConnectTime.schema()]
      : token.length === 24
        ? [TIMESTAMP_FORMAT, ConnectTimestamp.schema()]
        : token.length === 10
          ? [DATE_FORMAT, ConnectDate.schema()]
          : [null, null];
  if (!format) return null;
  const parsed = format.parsePrefix(token);
  return parsed && parsed.end > 0 ? { schema, value: parsed.date } : null;
}

const NUMERIC_ORDER = ["INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64"];

/** Values.SchemaMerger: the common schema of parsed elements (numeric types widen). */
class SchemaMerger {
  private common: Schema | null = null;
  private compatible = true;

  merge(latest: SchemaAndValue | null): void {
    if (!latest?.schema || !this.compatible) return;
    if (this.common === null) {
      this.common = latest.schema;
      return;
    }
    this.common = mergeSchemas(this.common, latest.schema);
    this.compatible = this.common !== null;
  }

  schema(): Schema | null {
    return this.common;
  }
}

function mergeSchemas(previous: Schema, next: Schema): Schema | null {
  if (previous.type !== next.type) {
    const a = NUMERIC_ORDER.indexOf(previous.type);
    const b = NUMERIC_ORDER.indexOf(next.type);
    if (a < 0 || b < 0) return null;
    return b > a ? next : previous;
  }
  if (previous.optional === next.optional) return previous.optional ? previous : next;
  return null;
}

/** Values.convertTo for what parsed elements can hold: numbers, strings, booleans, dates, nested values. */
function convertTo(schema: Schema, value: unknown): unknown {
  if (value === null) {
    if (schema.optional) return null;
    throw new DataError("Unable to convert a null value to a schema that requires a value");
  }
  switch (schema.name) {
    case DATE_NAME:
      return value instanceof Date ? value : new Date(Number(asLong(value)) * MS_PER_DAY);
    case TIME_NAME:
    case TIMESTAMP_NAME:
      return value instanceof Date ? value : new Date(Number(asLong(value)));
  }
  switch (schema.type) {
    case "INT8":
      return narrowInteger(asLong(value), 8, false);
    case "INT16":
      return narrowInteger(asLong(value), 16, false);
    case "INT32":
      return narrowInteger(asLong(value), 32, false);
    case "INT64":
      return asLong(value);
    case "FLOAT32":
      return Math.fround(asDouble(value));
    case "FLOAT64":
      return asDouble(value);
    case "BOOLEAN":
      return typeof value === "boolean" ? value : asLong(value) !== 0;
    default:
      return value;
  }
}

/** Values.asLong: a number's long value, or a numeric string's; DataError otherwise. */
export function asLong(value: unknown): number | bigint {
  if (typeof value === "number" || typeof value === "bigint" || value instanceof BigDecimal) {
    return narrowInteger(value, 64, typeof value === "number" && !Number.isInteger(value));
  }
  if (typeof value === "string") {
    try {
      return narrowInteger(BigDecimal.parse(value), 64, false);
    } catch {
      // falls through to the error below, as Values does after a NumberFormatException
    }
  }
  throw new DataError(`Unable to convert ${String(value)} (${javaClassOfValue(value)}) to a number`);
}

/** Values.asDouble: a number's double value, or a numeric string's; DataError otherwise. */
export function asDouble(value: unknown): number {
  if (typeof value === "number" || typeof value === "bigint" || value instanceof BigDecimal) {
    return toFloating(value, false);
  }
  if (typeof value === "string") {
    try {
      return BigDecimal.parse(value).toNumber();
    } catch {
      // falls through, as Values does
    }
  }
  return Number(asLong(value));
}
