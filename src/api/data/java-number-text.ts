/**
 * `Double.toString` and `Float.toString` as Java prints them: JsonConverter writes numbers this
 * way, Values, Cast and FileStreamSink print them. Re-exported by java-text.ts; kept apart so the
 * data classes (JavaDouble, Struct) can use it without an import cycle.
 */

/**
 * `Double.toString(d)`: plain notation in [10^-3, 10^7), otherwise `d.dddE±n`; always a fraction
 * digit. The digits are the shortest that read back as `d` (JavaScript's too), except that where
 * one digit would do Java picks the closest of one or two digits: only a subnormal can tell them
 * apart (Double.MIN_VALUE is `4.9E-324`, JavaScript's `5e-324`).
 */
export function javaDoubleToString(d: number): string {
  if (!Number.isFinite(d)) return Number.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  if (Math.abs(d) < MIN_NORMAL_DOUBLE) return javaNotation(d, closestOfOneOrTwo(d, d.toExponential(), Number));
  return javaNotation(d, d.toExponential());
}

const MIN_NORMAL_DOUBLE = 2.2250738585072014e-308;
const MIN_NORMAL_FLOAT = 1.1754943508222875e-38;
const readFloat = (text: string) => Math.fround(Number(text));

/** Java's rule when the shortest digits are one: the closest decimal of one or two digits that reads back. */
function closestOfOneOrTwo(value: number, shortest: string, read: (text: string) => number): string {
  if (shortest.replace(/^-/, "").split("e")[0]!.length !== 1) return shortest;
  const two = value.toExponential(1);
  return read(two) === value ? two : shortest;
}

/**
 * `Float.toString(f)` for the float32 nearest to `f` (JDK 19+): the fewest digits that read back as
 * that float; of two such decimals the closer, on a tie the one with an even last digit; and where
 * one digit would do, the closest of one or two digits (Float.MIN_VALUE is `1.4E-45`).
 */
export function javaFloatToString(f: number): string {
  const value = Math.fround(f);
  if (!Number.isFinite(value) || value === 0) return javaDoubleToString(value);
  // Readings repeat: a small table by the float's bits spares the digit search (a few toExponential).
  floatView[0] = value;
  const bits = floatBits[0]!;
  const slot = (bits ^ (bits >>> 15)) & (CACHE_SIZE - 1);
  if (cachedBits[slot] === bits && cachedTexts[slot] !== undefined) return cachedTexts[slot]!;
  const text = searchFloatDigits(value);
  cachedBits[slot] = bits;
  cachedTexts[slot] = text;
  return text;
}

const CACHE_SIZE = 512;
const cachedBits = new Int32Array(CACHE_SIZE);
const cachedTexts: (string | undefined)[] = new Array(CACHE_SIZE).fill(undefined);

function searchFloatDigits(value: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const text = floatDigits(value, digits);
    if (text === undefined) continue;
    const subnormal = digits === 1 && Math.abs(value) < MIN_NORMAL_FLOAT;
    return javaNotation(value, subnormal ? closestOfOneOrTwo(value, text, readFloat) : text);
  }
  return javaNotation(value, value.toExponential(8));
}

/**
 * Java's pick of the `n`-digit decimals that read back as `value` (`d.ddde±x`), undefined when none
 * does. The correctly rounded one is the closest; its neighbour on value's other side can read back
 * when it does not only below a power of two (the interval there is half the one above), and can
 * tie with it only when value has exactly n + 1 digits ending in 5.
 */
function floatDigits(value: number, n: number): string | undefined {
  const closest = value.toExponential(n - 1);
  const fits = readFloat(closest) === value;
  if (fits ? !isTie(value, closest, n) : !isPowerOfTwo(value)) return fits ? closest : undefined;
  // A tie rounded away from zero, so the other candidate is one unit toward it.
  const towardZero = fits || Math.abs(Number(closest)) > Math.abs(value);
  const other = stepDigits(closest, n, towardZero ? -1 : 1);
  if (readFloat(other) === value && (!fits || evenLastDigit(other))) return other;
  return fits ? closest : undefined;
}

const floatView = new Float32Array(1);
const floatBits = new Int32Array(floatView.buffer);

/** A float with an all-zero fraction: the gap below it is half the one above (a subnormal's is not). */
function isPowerOfTwo(value: number): boolean {
  floatView[0] = value;
  return (floatBits[0]! & 0x7fffff) === 0;
}

function evenLastDigit(text: string): boolean {
  return "02468".includes(text.charAt(text.indexOf("e") - 1));
}

/** Whether `value` lies exactly halfway between two `n`-digit decimals (its exact digits: n, then a 5). */
function isTie(value: number, closest: string, n: number): boolean {
  // A cheap filter first: a tie's value times 10^(n - exponent) is a whole number.
  const exponent = Number(closest.slice(closest.indexOf("e") + 1));
  if (!scaledIsWhole(value, n - exponent) && !scaledIsWhole(value, n - exponent + 1)) return false;
  const exact = value.toExponential(n);
  return exact.split("e")[0]!.endsWith("5") && Number(exact) === value;
}

function scaledIsWhole(value: number, power: number): boolean {
  return Number.isInteger(power >= 0 ? value * 10 ** power : value / 10 ** -power);
}

/** The `n`-digit decimal one unit in the last digit away from `text` in magnitude (`delta` ±1). */
function stepDigits(text: string, n: number, delta: 1 | -1): string {
  const negative = text.startsWith("-");
  const [mantissa = "", exp = "0"] = (negative ? text.slice(1) : text).split("e");
  let exponent = Number(exp);
  let digits = String(Number(mantissa.replace(".", "")) + delta);
  if (digits.length > n) {
    digits = digits.slice(0, n);
    exponent++;
  } else if (digits.length < n || digits === "0") {
    digits = "9".repeat(n);
    exponent--;
  }
  return `${negative ? "-" : ""}${digits[0]}${n > 1 ? `.${digits.slice(1)}` : ""}e${exponent}`;
}

/** Lays out the digits of `exponential` (JavaScript's `d.ddde±n`) the way Java prints a float. */
function javaNotation(value: number, exponential: string): string {
  const negative = value < 0;
  const [mantissa = "", exp = "0"] = (negative ? exponential.slice(1) : exponential).split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exp);
  const sign = negative ? "-" : "";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent >= 0) {
      const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
      const fraction = digits.slice(exponent + 1) || "0";
      return `${sign}${whole}.${fraction}`;
    }
    return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || "0"}E${exponent}`;
}
