/**
 * Numbers as org.apache.kafka.connect.data.Values reads and converts them: `parseNumber` gives a
 * token the smallest integer type (INT8…INT64), else FLOAT32, FLOAT64 or a Decimal; `asLong` and
 * `asDouble` are Java's `Number.longValue()` and `doubleValue()` of a value, as `convertTo` needs
 * them. Used by values.ts.
 */

import { DataError } from "../../errors.ts";
import type { SchemaAndValue } from "../converter.ts";
import { bigDecimalFormatError } from "./big-decimal-text.ts";
import { JavaDouble, unboxDouble } from "./java-double.ts";
import { javaFloatOf } from "./java-floating.ts";
import { javaClassOf, javaToString } from "./java-text.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "./logical.ts";
import { type Schema, Schemas } from "./schema.ts";

/** Java's `Long.MIN_VALUE` and `Long.MAX_VALUE`. */
export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;

/** Whole numbers as the smallest integer type, else FLOAT32, FLOAT64 or a Decimal; null when not a number. */
export function parseNumber(token: string): SchemaAndValue | null {
  let parsed: { decimal: BigDecimal; unscaledText: string };
  try {
    parsed = BigDecimal.parseWithText(token);
  } catch {
    return null;
  }
  // The digits as written, not printed from the bigint: that costs time quadratic in their number.
  const { decimal, unscaledText } = parsed;
  const digitCount = unscaledText.length - (unscaledText[0] === "-" ? 1 : 0);
  // A plain integer of up to 15 digits is a safe double: its type without bigint arithmetic.
  if (decimal.scale === 0 && digitCount <= 15) return smallestInteger(Number(unscaledText), decimal.unscaled);
  const exact = parseExactInteger(decimal, digitCount);
  if (exact) return exact;
  const text = `${unscaledText}e${-decimal.scale}`;
  const double = Number(text);
  // BigDecimal.floatValue rounds once: Math.fround of the double, but for the text read again
  // where the double is a float's halfway point (the one place rounding twice can differ).
  const float = javaFloatOf(double, text);
  if (Number.isFinite(float) && decimal.scale !== 0) return { schema: Schemas.FLOAT32, value: float };
  if (Number.isFinite(double) && decimal.scale !== 0) return { schema: Schemas.FLOAT64, value: double };
  return { schema: Decimal.schema(decimal.scale), value: decimal };
}

function parseExactInteger(d: BigDecimal, digitCount: number): SchemaAndValue | null {
  const magnitude = d.unscaled < 0n ? -d.unscaled : d.unscaled;
  if (magnitude === 0n) return { schema: Schemas.INT8, value: 0 };
  // Outside [1, 1e19] there is no exact integer to find: first by the order of magnitude alone, as
  // the scale can be near ±2^31 (1e2147483647), then exactly.
  const magnitudeOrder = digitCount - 1 - d.scale;
  if (magnitudeOrder < 0 || magnitudeOrder > 19) return null;
  if (compareToPowerOfTen(magnitude, d.scale, 19) > 0 || compareToPowerOfTen(magnitude, d.scale, 0) < 0) return null;
  const integral = wholeValue(d);
  if (integral === null || integral < LONG_MIN || integral > LONG_MAX) return null;
  return smallestInteger(Number(integral), integral);
}

/** INT8…INT64, the smallest that holds `n` (`integral` as a number). */
function smallestInteger(n: number, integral: bigint): SchemaAndValue {
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

/** The DataError Values throws when a value cannot become the type asked for. */
export function unableToConvert(value: unknown, to: Schema | string, cause?: Error): DataError {
  const message = `Unable to convert ${javaToString(value)} (${javaClassOf(value)}) to ${String(to)}`;
  return new DataError(message, cause ? { cause } : undefined);
}

/** `n` saturated to a long's range, as Java's `TimeUnit` conversions and `(long) double` saturate. */
export function saturatedLong(n: bigint): bigint {
  return n > LONG_MAX ? LONG_MAX : n < LONG_MIN ? LONG_MIN : n;
}

/** Java's `Number.longValue()` of a value, as a bigint: truncated, and wrapped or saturated like Java. */
export function asLong(given: unknown, fromSchema: Schema | null): bigint {
  const value = unboxDouble(given);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return 0n;
    const n = Number.isFinite(value) ? BigInt(Math.trunc(value)) : value > 0 ? LONG_MAX : LONG_MIN;
    return saturatedLong(n);
  }
  if (typeof value === "bigint") return BigInt.asIntN(64, value);
  const decimal = value instanceof BigDecimal ? value : typeof value === "string" ? tryParseDecimal(value) : null;
  if (decimal) return decimal.longValue();
  if (fromSchema) {
    if (value instanceof Date) {
      if (fromSchema.name === ConnectDate.LOGICAL_NAME) return BigInt(ConnectDate.fromLogical(fromSchema, value));
      if (fromSchema.name === ConnectTime.LOGICAL_NAME) return BigInt(ConnectTime.fromLogical(fromSchema, value));
      if (fromSchema.name === ConnectTimestamp.LOGICAL_NAME)
        return BigInt(ConnectTimestamp.fromLogical(fromSchema, value));
    }
    throw unableToConvert(value, fromSchema);
  }
  throw unableToConvert(value, "a number", typeof value === "string" ? bigDecimalFormatError(value) : undefined);
}

/** Java's `Number.doubleValue()` of a value (a string as Java's BigDecimal reads it). */
export function asDouble(value: unknown, fromSchema: Schema | null): number {
  if (typeof value === "number") return value;
  if (value instanceof JavaDouble) return value.value;
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
