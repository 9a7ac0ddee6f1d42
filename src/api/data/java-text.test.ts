import { describe, expect, test } from "bun:test";
import { javaDateToString } from "./java-date.ts";
import { javaClassOf, javaDoubleToString, javaFloatToString, javaSplit, javaToString, javaTrim } from "./java-text.ts";
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

// What Java's "…".split(":") returns: trailing empty strings dropped, a text without the separator whole.
test.each([
  ["", [""]],
  ["a", ["a"]],
  [":", []],
  ["::", []],
  ["a:", ["a"]],
  ["a:b::", ["a", "b"]],
  [":a", ["", "a"]],
  ["a::b", ["a", "", "b"]],
])("javaSplit(%j, ':') is Java's String.split", (text, parts) => {
  expect(javaSplit(text, ":")).toEqual(parts);
});

describe("javaDateToString", () => {
  // What java.util.Date.toString() printed for these instants (JDK 17, TZ=UTC).
  test.each([
    [0, "Thu Jan 01 00:00:00 UTC 1970"],
    [-12_219_292_800_000, "Fri Oct 15 00:00:00 UTC 1582"],
    [-12_219_292_800_001, "Thu Oct 04 23:59:59 UTC 1582"],
    [-62_135_769_600_000, "Sat Jan 01 00:00:00 UTC 1"],
    [-62_135_769_600_001, "Fri Dec 31 23:59:59 UTC 1"],
    [-62_198_928_000_000, "Wed Jan 01 00:00:00 UTC 2"],
    [-1_700_000_000_999_999, "Sun Mar 20 01:30:00 UTC 51901"],
  ])("prints %p as %p", (ms, expected) => {
    expect(javaDateToString(new Date(ms))).toBe(expected);
  });
});
