/**
 * Java's numeric conversions for Cast: narrowing (`(byte) 300L` wraps, `(int) 3.9e9`
 * saturates) and `Byte.parseByte`/`Double.parseDouble`. INT64 results are numbers when they fit
 * in ±2^53 and bigints beyond, as the Connect data model carries them. Java's number printing
 * (`Double.toString`, `Float.toString`) is in api/data/java-text.ts; Values' conversions are in
 * api/data/values.ts.
 */
import { javaDigit } from "../../api/data/java-digit.ts";
import { javaParseDouble, javaParseFloat } from "../../api/data/java-floating.ts";
import { javaTrim } from "../../api/data/java-text.ts";
import { BigDecimal } from "../../api/data/logical.ts";
import { int64Value } from "../../api/data/schema.ts";
import { LONG_MAX, LONG_MIN } from "../../api/data/values-numbers.ts";

export type IntBits = 8 | 16 | 32 | 64;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function wrap(n: bigint, bits: IntBits): number | bigint {
  const wrapped = BigInt.asIntN(bits, n);
  return bits === 64 ? int64Value(wrapped) : Number(wrapped);
}

/**
 * `Number.byteValue()/shortValue()/intValue()/longValue()` on a value held as `floating`
 * (Float/Double: truncate and saturate to int or long, then narrow) or integral (Long/Integer,
 * BigDecimal: keep the low bits).
 */
export function narrowInteger(value: number | bigint | BigDecimal, bits: IntBits, floating: boolean): number | bigint {
  if (typeof value === "bigint") return wrap(value, bits);
  if (value instanceof BigDecimal) {
    const integral = value.longValue();
    return bits === 64 ? wrap(integral, 64) : wrap(BigInt.asIntN(32, integral), bits);
  }
  if (!floating && Number.isSafeInteger(value)) return wrap(BigInt(value), bits);
  if (Number.isNaN(value)) return 0;
  if (bits === 64) {
    if (value >= 2 ** 63) return LONG_MAX;
    if (value <= -(2 ** 63)) return LONG_MIN;
    return int64Value(BigInt(Math.trunc(value)));
  }
  const asInt = Math.max(INT_MIN, Math.min(INT_MAX, Math.trunc(value)));
  return wrap(BigInt(asInt), bits);
}

/** `Number.doubleValue()` (FLOAT64) or `floatValue()` (FLOAT32). */
export function toFloating(value: number | bigint | BigDecimal, float32: boolean): number {
  const d = value instanceof BigDecimal ? value.toNumber() : Number(value);
  return float32 ? Math.fround(d) : d;
}

const INT_RANGES: Readonly<Record<IntBits, readonly [bigint, bigint]>> = {
  8: [-128n, 127n],
  16: [-32768n, 32767n],
  32: [-(2n ** 31n), 2n ** 31n - 1n],
  64: [LONG_MIN, LONG_MAX],
};

const ASCII_INTEGER = /^[+-]?\d+$/;

/** `Byte.parseByte` … `Long.parseLong`: null when Java throws NumberFormatException. */
export function parseJavaInteger(text: string, bits: IntBits): number | bigint | null {
  // Other Unicode digits only when the text is no ASCII integer.
  const digits = ASCII_INTEGER.test(text) ? text : asciiDigits(text);
  if (digits === null || !ASCII_INTEGER.test(digits)) return null;
  const n = BigInt(digits);
  const [min, max] = INT_RANGES[bits];
  if (n < min || n > max) return null;
  return bits === 64 ? int64Value(n) : Number(n);
}

/**
 * Java's integer parsers read a leading sign, then each UTF-16 unit with `Character.digit(char, 10)`,
 * which takes any decimal digit of the BMP (Arabic-Indic `٣`, fullwidth `３`, …) as its value and
 * none of a surrogate: a digit past the BMP (`𝟏`) is no digit. Null at the first unit that is none.
 */
function asciiDigits(text: string): string | null {
  const signed = text.startsWith("+") || text.startsWith("-");
  let digits = signed ? text[0]! : "";
  for (let i = signed ? 1 : 0; i < text.length; i++) {
    const digit = javaDigit(text.charCodeAt(i));
    if (digit < 0) return null;
    digits += digit;
  }
  return digits;
}

/**
 * `Double.parseDouble` / `Float.parseFloat` (which trim the text first): null when Java throws
 * NumberFormatException. Hex floats (`0x1.8p1`) parse; `Infinityf` and `NaNd` do not.
 */
export function parseJavaFloating(text: string, float32: boolean): number | null {
  const trimmed = javaTrim(text);
  return (float32 ? javaParseFloat(trimmed) : javaParseDouble(trimmed)) ?? null;
}

/**
 * The message of the NumberFormatException Java's parser throws where `parseJavaInteger` or
 * `parseJavaFloating` return null (JDK 17): Byte/Short name an int that is out of their range.
 */
export function numberFormatMessage(text: string, bits: IntBits | "floating"): string {
  if (bits === "floating") {
    const trimmed = javaTrim(text);
    return trimmed === "" ? "empty String" : `For input string: "${trimmed}"`;
  }
  if (bits < 32 && parseJavaInteger(text, 32) !== null) return `Value out of range. Value:"${text}" Radix:10`;
  return `For input string: "${text}"`;
}
