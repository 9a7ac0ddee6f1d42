/**
 * Connect's logical types: Decimal (BYTES + `scale` parameter), Date (INT32 days since epoch),
 * Time (INT32 milliseconds since midnight) and Timestamp (INT64 milliseconds since epoch). In
 * memory a Decimal is a `BigDecimal`, the other three are JavaScript `Date`s (UTC), as in Java.
 */
import { DataError } from "../../errors.ts";
import { isBigDecimalText } from "./big-decimal-text.ts";
import { javaDigit } from "./java-digit.ts";
import { type Schema, SchemaBuilder } from "./schema.ts";

export const DECIMAL_NAME = "org.apache.kafka.connect.data.Decimal";
export const DATE_NAME = "org.apache.kafka.connect.data.Date";
export const TIME_NAME = "org.apache.kafka.connect.data.Time";
export const TIMESTAMP_NAME = "org.apache.kafka.connect.data.Timestamp";
export const SCALE_FIELD = "scale";

const MS_PER_DAY = 86_400_000;
const DECIMAL_TEXT = /^([+-]?)(\p{Nd}*)(?:\.(\p{Nd}*))?(?:[eE]([+-]?)(\p{Nd}+))?$/u;

/** Every decimal digit of the Basic Multilingual Plane in `text` (Java's Character.isDigit of a char) as its ASCII digit. */
export function bmpDigitsToAscii(text: string): string {
  return /^[\x00-\x7f]*$/.test(text) ? text : text.replace(/\p{Nd}/gu, (d) => (d.length === 1 ? asciiDigits(d) : d));
}

/** The text with every decimal digit (each a BMP unit) as its ASCII digit. */
function asciiDigits(digits: string): string {
  if (/^[0-9]*$/.test(digits)) return digits;
  let out = "";
  for (let i = 0; i < digits.length; i++) out += javaDigit(digits.charCodeAt(i));
  return out;
}

/** An arbitrary-precision decimal: `unscaled × 10^-scale` (Java's BigDecimal). */
export class BigDecimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  /**
   * Java's `new BigDecimal(String)`: no white space, any Unicode decimal digit of the Basic
   * Multilingual Plane (Character.isDigit), at most ten significant exponent digits, and a scale
   * that fits an int; anything else throws. Computes nothing the size of the exponent.
   */
  static parse(text: string): BigDecimal {
    return BigDecimal.parseWithText(text).decimal;
  }

  /**
   * `parse`, and the unscaled value's text as `String(unscaled)` prints it, taken from `text`:
   * printing a bigint of many digits costs time quadratic in their number.
   */
  static parseWithText(text: string): { decimal: BigDecimal; unscaledText: string } {
    // Which texts are decimals is decided in one place (big-decimal-text.ts, recorded against Java);
    // the pattern only splits a text it accepted.
    if (!isBigDecimalText(text)) throw new DataError(`Invalid decimal: ${text}`);
    const m = DECIMAL_TEXT.exec(text)!;
    const fraction = asciiDigits(m[3] ?? "");
    const scale = fraction.length - Number(`${m[4] ?? ""}${asciiDigits(m[5] ?? "0")}`);
    const digits = `${asciiDigits(m[2]!)}${fraction}`.replace(/^0+/, "") || "0";
    const unscaledText = m[1] === "-" && digits !== "0" ? `-${digits}` : digits;
    return { decimal: new BigDecimal(BigInt(unscaledText), scale), unscaledText };
  }

  static fromNumber(n: number): BigDecimal {
    return BigDecimal.parse(String(n));
  }

  /** The same value with `scale` digits after the point (exact, or throws when it would round). */
  setScale(scale: number): BigDecimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new BigDecimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const divisor = 10n ** BigInt(this.scale - scale);
    if (this.unscaled % divisor !== 0n) throw new DataError(`Rounding necessary to rescale ${this} to scale ${scale}`);
    return new BigDecimal(this.unscaled / divisor, scale);
  }

  /**
   * Java's longValue(): the integer part (truncated toward zero) wrapped to 64 bits, as a bigint.
   * Computes nothing the size of the exponent, as Java does not (1e99999999 is a ten-byte header
   * or JSON number): 10^64 is a multiple of 2^64, and a fraction with fewer digits than its scale
   * is 0.
   */
  longValue(): bigint {
    if (this.scale <= -64) return 0n;
    if (this.scale <= 0) return BigInt.asIntN(64, this.unscaled * 10n ** BigInt(-this.scale));
    // Fewer decimal digits than the scale: at most 0.302 per bit (bits ≤ 4 per hex digit).
    const bits = (this.unscaled < 0n ? -this.unscaled : this.unscaled).toString(16).length * 4;
    if (Math.floor(bits * 0.30103) + 1 < this.scale) return 0n;
    return BigInt.asIntN(64, this.unscaled / 10n ** BigInt(this.scale));
  }

  toNumber(): number {
    return Number(`${this.unscaled}e${-this.scale}`);
  }

  /** Plain notation, like BigDecimal.toPlainString(). */
  toPlainString(): string {
    const negative = this.unscaled < 0n;
    let digits = (negative ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (negative ? "-" : "") + digits + "0".repeat(-this.scale);
    if (digits.length <= this.scale) digits = "0".repeat(this.scale - digits.length + 1) + digits;
    const point = digits.length - this.scale;
    return `${negative ? "-" : ""}${digits.slice(0, point)}.${digits.slice(point)}`;
  }

  /** Like BigDecimal.toString(): scientific notation only for negative scales or tiny values. */
  toString(): string {
    const adjusted = -this.scale + (this.unscaled < 0n ? -this.unscaled : this.unscaled).toString().length - 1;
    if (this.scale >= 0 && adjusted >= -6) return this.toPlainString();
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString();
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${negative ? "-" : ""}${mantissa}E${adjusted >= 0 ? "+" : ""}${adjusted}`;
  }

  equals(other: unknown): boolean {
    return other instanceof BigDecimal && other.unscaled === this.unscaled && other.scale === this.scale;
  }
}

export const Decimal = {
  LOGICAL_NAME: DECIMAL_NAME,
  builder: (scale: number) => SchemaBuilder.bytes().name(DECIMAL_NAME).parameter(SCALE_FIELD, String(scale)).version(1),
  schema: (scale: number): Schema => Decimal.builder(scale).build(),
  scaleOf(schema: Schema): number {
    const raw = schema.parameters?.[SCALE_FIELD];
    if (raw === undefined) throw new DataError("Invalid Decimal schema: scale parameter not found.");
    return Number(raw);
  },
  /** Two's-complement big-endian bytes of the unscaled value, at the schema's scale. */
  fromLogical(schema: Schema, value: BigDecimal): Uint8Array {
    const scale = Decimal.scaleOf(schema);
    if (value.scale !== scale) {
      throw new DataError(
        `Decimal value has mismatching scale for given Decimal schema. Schema has scale ${scale}, value has scale ${value.scale}.`,
      );
    }
    return bigintToBytes(value.unscaled);
  },
  toLogical(schema: Schema, bytes: Uint8Array): BigDecimal {
    return new BigDecimal(bytesToBigint(bytes), Decimal.scaleOf(schema));
  },
};

export const ConnectDate = {
  LOGICAL_NAME: DATE_NAME,
  builder: () => SchemaBuilder.int32().name(DATE_NAME).version(1),
  schema: (): Schema => ConnectDate.builder().build(),
  fromLogical(_schema: Schema, value: Date): number {
    const ms = value.getTime();
    if (ms % MS_PER_DAY !== 0) {
      throw new DataError("Kafka Connect Date type should not have any time fields set to non-zero values.");
    }
    return ms / MS_PER_DAY;
  },
  toLogical: (_schema: Schema, days: number): Date => dateOfMillis(days * MS_PER_DAY, "Date value", days, "days"),
};

export const ConnectTime = {
  LOGICAL_NAME: TIME_NAME,
  builder: () => SchemaBuilder.int32().name(TIME_NAME).version(1),
  schema: (): Schema => ConnectTime.builder().build(),
  fromLogical(_schema: Schema, value: Date): number {
    const ms = value.getTime();
    if (ms < 0 || ms > MS_PER_DAY) {
      throw new DataError("Kafka Connect Time type should not have any date fields set to non-zero values.");
    }
    return ms;
  },
  toLogical(_schema: Schema, ms: number): Date {
    if (ms < 0 || ms > MS_PER_DAY) {
      throw new DataError("Time values must use number of milliseconds greater than 0 and less than 86400000");
    }
    return new Date(ms);
  },
};

export const ConnectTimestamp = {
  LOGICAL_NAME: TIMESTAMP_NAME,
  builder: () => SchemaBuilder.int64().name(TIMESTAMP_NAME).version(1),
  schema: (): Schema => ConnectTimestamp.builder().build(),
  fromLogical: (_schema: Schema, value: Date): number => value.getTime(),
  toLogical: (_schema: Schema, ms: number | bigint): Date => dateOfMillis(ms, "Timestamp value"),
};

/**
 * The Date `ms` milliseconds after the epoch. A JavaScript Date spans ±8.64e15 ms (about ±275,000
 * years), a java.util.Date any long: beyond that this throws a DataError naming `label` and `value`
 * (as the data held it, in `unit` when given), so the record follows `errors.tolerance` instead of
 * carrying an Invalid Date into a sink, a format or a converter. A known difference from Connect
 * (README). The message is built only then: this runs for every record of a date-typed field.
 */
export function dateOfMillis(ms: number | bigint, label: string, value: number | bigint = ms, unit?: string): Date {
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) {
    throw new DataError(
      `${label} ${value}${unit === undefined ? "" : ` (${unit})`} is out of the range of dates supported here (dates beyond ±8.64e15 ms from the epoch are not supported)`,
    );
  }
  return date;
}

export function bigintToBytes(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array([0]);
  const bytes: number[] = [];
  let x = n;
  while (true) {
    const byte = Number(x & 0xffn);
    bytes.unshift(byte);
    x >>= 8n;
    // Stop once the remaining value is pure sign extension of the byte just written.
    if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
  }
  return new Uint8Array(bytes);
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if ((bytes[0]! & 0x80) !== 0) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

/** True for the four built-in logical type names. */
export function isLogical(schema: Schema | null | undefined): boolean {
  const n = schema?.name;
  return n === DECIMAL_NAME || n === DATE_NAME || n === TIME_NAME || n === TIMESTAMP_NAME;
}
