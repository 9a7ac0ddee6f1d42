/**
 * Java's `hashCode()` of a value Connect's JsonConverter reads from schemaless JSON (a source
 * partition or offset): a String's, a Long's for an integer, a Double's for a JavaDouble (or a
 * fraction), a Boolean's, 0 for null, `List.hashCode` for an array and `Map.hashCode` (the sum of
 * `key.hashCode() ^ value.hashCode()`) for an object. For the order of Java hash maps keyed by such
 * values (java-hash-order.ts), as the source offsets Connect lists.
 */
import { JavaDouble } from "../api/data/java-double.ts";

/** `String.hashCode()` (java-hash-order.ts orders String keys by it too). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** `Long.hashCode()`. */
export function javaLongHash(value: bigint): number {
  const bits = BigInt.asUintN(64, value);
  return Number(BigInt.asIntN(32, bits ^ (bits >> 32n)));
}

/**
 * `BigDecimal.hashCode()` of `unscaled` × 10^-`scale`: from its compact long when the unscaled value
 * fits one (Long.MIN_VALUE excepted), else `31 * BigInteger.hashCode() + scale` (the magnitude's
 * 32-bit words, most significant first, times the sign).
 */
export function javaBigDecimalHash(unscaled: bigint, scale: number): number {
  const abs = unscaled < 0n ? -unscaled : unscaled;
  if (abs < 2n ** 63n) {
    const temp = (Math.imul(Number(abs >> 32n), 31) + Number(abs & 0xffffffffn)) | 0;
    return (Math.imul(31, unscaled < 0n ? -temp | 0 : temp) + scale) | 0;
  }
  const words: number[] = [];
  for (let rest = abs; rest > 0n; rest >>= 32n) words.unshift(Number(rest & 0xffffffffn));
  let h = 0;
  for (const word of words) h = (Math.imul(31, h) + word) | 0;
  return (Math.imul(31, Math.imul(h, unscaled < 0n ? -1 : 1)) + scale) | 0;
}

const view = new DataView(new ArrayBuffer(8));

function doubleHash(value: number): number {
  // doubleToLongBits: every NaN is the canonical one.
  view.setFloat64(0, Number.isNaN(value) ? Number.NaN : value);
  return javaLongHash(view.getBigUint64(0));
}

export function javaObjectHash(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (value instanceof JavaDouble) return doubleHash(value.value);
  switch (typeof value) {
    case "string":
      return javaStringHash(value);
    case "boolean":
      return value ? 1231 : 1237;
    case "bigint":
      return javaLongHash(value);
    case "number":
      return Number.isInteger(value) ? javaLongHash(BigInt(value)) : doubleHash(value);
  }
  if (Array.isArray(value)) {
    let h = 1;
    for (const e of value) h = (Math.imul(31, h) + javaObjectHash(e)) | 0;
    return h;
  }
  let h = 0;
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    h = (h + (javaStringHash(k) ^ javaObjectHash(v))) | 0;
  return h;
}
