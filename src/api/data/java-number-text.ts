/**
 * `Double.toString` and `Float.toString` as Java prints them: JsonConverter writes numbers this
 * way, Values, Cast and FileStreamSink print them. Re-exported by java-text.ts; kept apart so the
 * data classes (JavaDouble, Struct) can use it without an import cycle.
 */

/** `Double.toString(d)`: plain notation in [10^-3, 10^7), otherwise `d.dddE±n`; always a fraction digit. */
export function javaDoubleToString(d: number): string {
  if (!Number.isFinite(d)) return Number.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  return javaNotation(d, d.toExponential());
}

/** `Float.toString(f)` for the float32 nearest to `f`: the fewest digits that read back as that float. */
export function javaFloatToString(f: number): string {
  const value = Math.fround(f);
  if (!Number.isFinite(value) || value === 0) return javaDoubleToString(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toExponential(digits - 1);
    if (Math.fround(Number(text)) === value) return javaNotation(value, text);
  }
  return javaNotation(value, value.toExponential(8));
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
