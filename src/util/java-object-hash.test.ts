import { describe, expect, test } from "bun:test";
import { javaBigDecimalHash } from "./java-object-hash.ts";

describe("javaBigDecimalHash", () => {
  // `new BigDecimal(text).hashCode()` as Java 25 printed it (runhunt3): compact longs, Long's edges
  // (Long.MIN_VALUE is not compact), BigIntegers past a long, negative scales.
  test.each([
    [1n, 1, 32],
    [0n, 1, 1],
    [-1n, 1, -30],
    [12345n, 1, 382696],
    [-9223372036854775808n, 2, -2147483646],
    [9223372036854775807n, 2, 2147482658],
    [12345678901234567890123456789012n, 2, -1747325893],
    [-12345678901234567890123456789012n, 2, 1747325897],
    [0n, -3, -3],
    [-7n, 0, -217],
  ])("%p × 10^-%p hashes to %p", (unscaled, scale, hash) => {
    expect(javaBigDecimalHash(unscaled, scale)).toBe(hash);
  });
});
