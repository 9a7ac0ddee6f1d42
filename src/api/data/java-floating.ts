/**
 * Java's `Double.parseDouble` and `Float.parseFloat` of a trimmed value: decimals with an optional
 * `f`/`d` suffix (`0.8d`, `1.5f`, `1.`, `.5`, `1e3`), `NaN` and `Infinity` with an optional sign,
 * and hex floats (`0x1.8p1`); undefined when Java throws NumberFormatException. Both round the
 * exact value of the text once to the nearest value of their format, ties to even: JavaScript's
 * `Number` does so for decimals to a double, but `Math.fround(Number(text))` would round twice for
 * a float (a decimal just off a float's halfway point can land on it as a double), so floats and
 * every hex float are rounded here from the exact value (BigInt). Config DOUBLE keys (as Connect's
 * `ConfigDef.parseType`) and Cast's strings to FLOAT32/FLOAT64 parse with these.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?[fFdD]?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)[fFdD]?$/;

/** A binary floating-point format: significand bits, the weight of the smallest subnormal's bit, the largest exponent. */
interface BinaryFormat {
  readonly bits: number;
  readonly minUnit: number;
  readonly maxTop: number;
}
const DOUBLE: BinaryFormat = { bits: 53, minUnit: -1074, maxTop: 1023 };
const FLOAT: BinaryFormat = { bits: 24, minUnit: -149, maxTop: 127 };

/** Decimal exponents beyond which every non-zero value is infinite or zero in both formats. */
const DECIMAL_EXPONENT_LIMIT = 400;

export function javaParseDouble(text: string): number | undefined {
  return parse(text, DOUBLE);
}

export function javaParseFloat(text: string): number | undefined {
  return parse(text, FLOAT);
}

const FLOAT_BITS = new Float32Array(1);
const FLOAT_INT = new Int32Array(FLOAT_BITS.buffer);
/** 2^128 − 2^103: halfway between Float.MAX_VALUE and 2^128 (a double there is Infinity as a float). */
const FLOAT_OVERFLOW_HALFWAY = 2 ** 128 - 2 ** 103;

/**
 * The float of the exact number `text` (BigDecimal.floatValue, BigInteger.floatValue, `(float)` of
 * a long), given `double`, its correctly rounded double: `Math.fround(double)`, except where the
 * double lies halfway between two floats, the one place rounding twice can differ; there `text`
 * is rounded once.
 */
export function javaFloatOf(double: number, text: string): number {
  const float = Math.fround(double);
  if (float === double || Number.isNaN(double)) return float;
  if (!Number.isFinite(float)) return Math.abs(double) === FLOAT_OVERFLOW_HALFWAY ? javaParseFloat(text)! : float;
  FLOAT_BITS[0] = float;
  FLOAT_INT[0]! += Math.abs(double) > Math.abs(float) ? 1 : -1;
  return (float + FLOAT_BITS[0]!) / 2 === double ? javaParseFloat(text)! : float;
}

function parse(text: string, format: BinaryFormat): number | undefined {
  const special = /^[+-]?(NaN|Infinity)$/.exec(text);
  if (special) return special[1] === "NaN" ? Number.NaN : text.startsWith("-") ? -Infinity : Infinity;
  const decimal = DECIMAL.exec(text);
  if (decimal) {
    const [, sign, whole = "", fraction = "", exponent = "0"] = decimal;
    if (whole === "" && fraction === "") return undefined;
    if (format === DOUBLE) return Number(/[fFdD]$/.test(text) ? text.slice(0, -1) : text);
    const magnitude = decimalToBinary(whole + fraction, Number(exponent) - fraction.length, format);
    return sign === "-" ? -magnitude : magnitude;
  }
  const hex = HEX.exec(text);
  if (!hex) return undefined;
  const [, sign, whole = "", fraction = "", exponent = "0"] = hex;
  if (whole === "" && fraction === "") return undefined;
  const mantissa = BigInt(`0x${whole}${fraction}`);
  const magnitude = mantissa === 0n ? 0 : roundToBinary(mantissa, 1n, Number(exponent) - 4 * fraction.length, format);
  return sign === "-" ? -magnitude : magnitude;
}

/** `digits × 10^exponent` rounded once to `format`. */
function decimalToBinary(digits: string, exponent: number, format: BinaryFormat): number {
  const significant = digits.replace(/^0+/, "");
  if (significant === "") return 0;
  const magnitude = exponent + significant.length; // the value lies in [10^(magnitude-1), 10^magnitude)
  if (magnitude > DECIMAL_EXPONENT_LIMIT) return Infinity;
  if (magnitude < -DECIMAL_EXPONENT_LIMIT) return 0;
  const n = BigInt(significant);
  return exponent >= 0
    ? roundToBinary(n * 10n ** BigInt(exponent), 1n, 0, format)
    : roundToBinary(n, 10n ** BigInt(-exponent), 0, format);
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/**
 * `num / den × 2^exp2` (num, den > 0) rounded once to the nearest value of `format`, ties to
 * even: normal or subnormal, Infinity above its largest value, 0 below half its smallest.
 */
function roundToBinary(num: bigint, den: bigint, exp2: number, format: BinaryFormat): number {
  // The value lies in [2^top, 2^(top+1)).
  let top = bitLength(num) - bitLength(den) + exp2;
  const shift = top - exp2;
  if (shift >= 0 ? num < den << BigInt(shift) : num << BigInt(-shift) < den) top--;
  if (top > format.maxTop) return Infinity;
  if (top < format.minUnit - 1) return 0;
  const unit = Math.max(top - (format.bits - 1), format.minUnit); // the weight of the result's last bit
  const scale = exp2 - unit;
  const n = scale >= 0 ? num << BigInt(scale) : num;
  const d = scale >= 0 ? den : den << BigInt(-scale);
  let q = n / d;
  const twice = (n - q * d) * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
  // q has at most bits + 1 bits (a carry): the product is exact, or past the largest value.
  const result = Number(q) * 2 ** unit;
  return result >= 2 ** (format.maxTop + 1) ? Infinity : result;
}
