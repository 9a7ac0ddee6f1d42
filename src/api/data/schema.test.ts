import { describe, expect, test } from "bun:test";
import { JavaDouble, JavaFloat } from "./java-double.ts";
import { valueEquals } from "./schema.ts";

describe("valueEquals (Java's Objects.equals of Connect values)", () => {
  test("a Float never equals a Double, whatever their values (Float.equals and Double.equals check the class)", () => {
    expect(valueEquals(new JavaFloat(1.5), new JavaDouble(1.5))).toBe(false);
    expect(valueEquals(new JavaDouble(3), new JavaFloat(3))).toBe(false);
    expect(valueEquals({ f: new JavaFloat(3) }, { f: new JavaDouble(3) })).toBe(false);
    expect(valueEquals([new JavaFloat(3)], [new JavaDouble(3)])).toBe(false);
    // Nor a Long, nor a map holding the same number under `value`.
    expect(valueEquals(new JavaDouble(3), 3)).toBe(false);
    expect(valueEquals({ value: 3 }, new JavaDouble(3))).toBe(false);
  });

  test("the same class with the same bits is equal: NaN equals NaN, 0.0 is not -0.0 (Double.equals)", () => {
    expect(valueEquals(new JavaFloat(1.5), new JavaFloat(1.5))).toBe(true);
    expect(valueEquals(new JavaDouble(3), new JavaDouble(3))).toBe(true);
    expect(valueEquals(new JavaDouble(Number.NaN), new JavaDouble(Number.NaN))).toBe(true);
    expect(valueEquals(new JavaDouble(0), new JavaDouble(-0))).toBe(false);
    expect(valueEquals({ f: new JavaFloat(0.5) }, { f: new JavaFloat(0.5) })).toBe(true);
  });
});
