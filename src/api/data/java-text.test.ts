import { describe, expect, test } from "bun:test";
import {
  javaClassOf,
  javaDoubleToString,
  javaFloatToString,
  javaParseDouble,
  javaToString,
  javaTrim,
} from "./java-text.ts";
import { BigDecimal } from "./logical.ts";
import { SchemaBuilder, Schemas } from "./schema.ts";
import { Struct } from "./struct.ts";

describe("javaDoubleToString", () => {
  test.each([
    [1, "1.0"],
    [-0, "-0.0"],
    [0, "0.0"],
    [0.1, "0.1"],
    [100, "100.0"],
    [123.456, "123.456"],
    [42.125, "42.125"],
    [9999999.5, "9999999.5"],
    [1e7, "1.0E7"],
    [1.2345e300, "1.2345E300"],
    [0.001, "0.001"],
    [0.0001, "1.0E-4"],
    [0.000123, "1.23E-4"],
    [1.5e21, "1.5E21"],
    [-2.5e-10, "-2.5E-10"],
    [Number.MAX_VALUE, "1.7976931348623157E308"],
    [Number.NaN, "NaN"],
    [Number.NEGATIVE_INFINITY, "-Infinity"],
  ])("%p prints as %p", (d, text) => {
    expect(javaDoubleToString(d)).toBe(text);
  });
});

describe("javaFloatToString", () => {
  test.each([
    [1.5, "1.5"],
    [0.1, "0.1"],
    [Math.fround(0.1), "0.1"],
    [3, "3.0"],
    [123, "123.0"],
    [3.4028234663852886e38, "3.4028235E38"],
    [1e-5, "1.0E-5"],
    [1.23456, "1.23456"],
    [16777216, "1.6777216E7"],
  ])("%p prints as %p", (f, text) => {
    expect(javaFloatToString(f)).toBe(text);
  });
});

describe("javaClassOf", () => {
  test.each([
    ["s", "class java.lang.String"],
    [5, "class java.lang.Integer"],
    [2 ** 40, "class java.lang.Long"],
    [1.5, "class java.lang.Double"],
    [5n, "class java.lang.Long"],
    [true, "class java.lang.Boolean"],
    [new Uint8Array(1), "class [B"],
    [[], "class java.util.ArrayList"],
    [new Map(), "class java.util.HashMap"],
    [{}, "class java.util.HashMap"],
    [new BigDecimal(1n, 0), "class java.math.BigDecimal"],
    [new Date(0), "class java.util.Date"],
  ])("%p is a %s", (value, name) => {
    expect(javaClassOf(value)).toBe(name);
  });
});

describe("javaToString", () => {
  const schema = SchemaBuilder.struct().field("a", Schemas.FLOAT64).field("b", Schemas.OPTIONAL_STRING).build();

  test.each([
    ["a FLOAT64", 1, Schemas.FLOAT64, "1.0"],
    ["a FLOAT32", Math.fround(0.1), Schemas.FLOAT32, "0.1"],
    ["an INT32", 7, Schemas.INT32, "7"],
    ["a list", [1, 2], SchemaBuilder.array(Schemas.FLOAT64).build(), "[1.0, 2.0]"],
    ["a map", new Map([["k", 1]]), null, "{k=1}"],
    ["a struct, without null fields", new Struct(schema).put("a", 2), schema, "Struct{a=2.0}"],
    ["a date, in UTC", new Date(Date.UTC(2024, 0, 15, 12, 34, 56)), null, "Mon Jan 15 12:34:56 UTC 2024"],
    ["a decimal", new BigDecimal(1230n, 2), null, "12.30"],
  ])("prints %s as Java does", (_what, value, s, text) => {
    expect(javaToString(value, s)).toBe(text);
  });
});

test("javaTrim strips control characters but not other white space", () => {
  expect(javaTrim("\u0001 a\u00a0 \n")).toBe("a\u00a0");
});

describe("javaParseDouble", () => {
  /** The double with these IEEE 754 bits (hex), to compare -0.0 and subnormals exactly. */
  const fromBits = (hex: string) => new Float64Array(new BigUint64Array([BigInt(`0x${hex}`)]).buffer)[0];

  // Bits and Double.toString as Java 17's Double.parseDouble gives them.
  test.each([
    ["0x0p2000", "0000000000000000"], // 0.0
    ["-0x0p0", "8000000000000000"], // -0.0
    ["0x0.000p99999999999", "0000000000000000"], // 0.0
    ["0x1000p-1080", "0000000000000040"], // 3.16E-322
    ["0x1p-1074", "0000000000000001"], // 4.9E-324
    ["0x1p-1075", "0000000000000000"], // 0.0
    ["0x1.0000001p-1075", "0000000000000001"], // 4.9E-324
    ["-0x1p-1075", "8000000000000000"], // -0.0
    ["0x3p-1076", "0000000000000001"], // 4.9E-324
    ["0x1.8p-1074", "0000000000000002"], // 1.0E-323
    ["0x2.8p-1074", "0000000000000002"], // 1.0E-323
    ["0x1.00000000000008p0", "3ff0000000000000"], // 1.0
    ["0x1.00000000000018p0", "3ff0000000000002"], // 1.0000000000000004
    ["0x1.00000000000009p0", "3ff0000000000001"], // 1.0000000000000002
    ["0x1.fffffffffffff8p1023", "7ff0000000000000"], // Infinity
    ["0x1.fffffffffffff7p1023", "7fefffffffffffff"], // 1.7976931348623157E308
    ["0x1p1024", "7ff0000000000000"], // Infinity
    ["0xffffffffffffffffffffffffp-2000", "0000000000000000"], // 0.0
    ["0xffffffffffffffffffffffffp-1100", "0130000000000000"], // 5.832897615645118E-303
    ["0x123456789abcdef0123456789p-1100", "01323456789abcdf"], // 6.636541287134001E-303
    ["-0x123456789abcdef0123456789p-1150", "8000000000123456"], // -5.89443E-318
    ["0x1.23456789abcdef0123456789p-1060", "00000000000048d1"], // 9.21E-320
    ["0x.8p-1073", "0000000000000001"], // 4.9E-324
    ["0x1p99999999999", "7ff0000000000000"], // Infinity
    ["-0x1p-99999999999", "8000000000000000"], // -0.0
    ["0x1.ffffffffffffffp-1023", "0010000000000000"], // 2.2250738585072014E-308
    ["0x1.8p1f", "4008000000000000"], // 3.0
    ["0xABCDEFp-30", "3f8579bde0000000"], // 0.010486110113561153
  ])("hex float %s rounds once, as Java", (text, bits) => {
    expect(javaParseDouble(text)).toBe(fromBits(bits));
  });

  test.each([
    ["1.5f", 1.5],
    ["-.5", -0.5],
    ["1e3d", 1000],
    ["-Infinity", -Infinity],
  ])("decimal %s", (text, value) => {
    expect(javaParseDouble(text)).toBe(value);
  });

  test.each(["0xp1", "0x1.8", "1.5e", "abc", ""])("%p does not parse", (text) => {
    expect(javaParseDouble(text)).toBeUndefined();
  });
});
