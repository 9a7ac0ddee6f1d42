/**
 * Float.toString and Double.toString against the JDK's own (test/fixtures/java-floats/to-string.json,
 * recorded with JDK 25 by GenerateJavaFloats): the table of float32 values, every power of two and
 * its neighbours (the interval below a power of two is half the one above, so the closest decimal
 * may not read back), the smallest subnormals (Java's one-or-two-digit rule: `1.4E-45`), exact ties
 * (`2.4414062E-4`, the even digit) and a random sample.
 */
import { expect, test } from "bun:test";
import { javaDoubleToString, javaFloatToString } from "./java-number-text.ts";

const recorded = (await Bun.file(
  new URL("../../../test/fixtures/java-floats/to-string.json", import.meta.url),
).json()) as { floats: [number, string][]; doubles: [string, string][] };

test("Float.toString of recorded bit patterns", () => {
  const float = new Float32Array(1);
  const bits = new Int32Array(float.buffer);
  const wrong = recorded.floats.flatMap(([b, text]) => {
    bits[0] = b;
    const ours = javaFloatToString(float[0]!);
    return ours === text ? [] : [`${b}: ${text} (ours ${ours})`];
  });
  expect(wrong).toEqual([]);
});

test("Double.toString of recorded bit patterns", () => {
  const double = new Float64Array(1);
  const bits = new BigInt64Array(double.buffer);
  const wrong = recorded.doubles.flatMap(([b, text]) => {
    bits[0] = BigInt(b);
    const ours = javaDoubleToString(double[0]!);
    return ours === text ? [] : [`${b}: ${text} (ours ${ours})`];
  });
  expect(wrong).toEqual([]);
});
