import { describe, expect, test } from "bun:test";
import { javaParseDouble, javaParseFloat } from "./java-floating.ts";

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

describe("javaParseFloat", () => {
  /** The float with these IEEE 754 bits (hex), as a number, to compare -0.0 and subnormals exactly. */
  const fromBits = (hex: string) => new Float32Array(new Uint32Array([Number.parseInt(hex, 16)]).buffer)[0];

  // Bits and Float.toString as Java 17's Float.parseFloat gives them: rounded once from the text,
  // where Math.fround(Number(text)) rounds twice (the first three and the fourth differ there).
  test.each([
    ["1.00000017881393432617187499", "3f800001"], // 1.0000001
    ["1.000000178813934326171875", "3f800002"], // 1.0000002
    ["1.00000017881393432617187501", "3f800002"], // 1.0000002
    ["0x1.0000010000000001p0", "3f800001"], // 1.0000001
    ["0x1.000001p0", "3f800000"], // 1.0
    ["0x1.000003p0", "3f800002"], // 1.0000002
    ["3.4028235e38", "7f7fffff"], // 3.4028235E38
    ["3.4028236e38", "7f800000"], // Infinity
    ["3.40282357e38", "7f800000"], // Infinity
    ["3.4028235677973366e38", "7f7fffff"], // 3.4028235E38
    ["1.4e-45", "00000001"], // 1.4E-45
    ["7.0e-46", "00000000"], // 0.0
    ["7.006492321624086e-46", "00000001"], // 1.4E-45
    ["7.006492321624087e-46", "00000001"], // 1.4E-45
    ["1e-50", "00000000"], // 0.0
    ["-0.0", "80000000"], // -0.0
    ["0.1", "3dcccccd"], // 0.1
    ["16777217", "4b800000"], // 1.6777216E7
    ["16777219", "4b800002"], // 1.677722E7
    ["1.17549435e-38", "00800000"], // 1.17549435E-38
    ["1.1754942e-38", "007fffff"], // 1.1754942E-38
    ["123456789e-20f", "2badbfff"], // 1.2345679E-12
    ["0x1p-149", "00000001"], // 1.4E-45
    ["0x1p-150", "00000000"], // 0.0
    ["0x1.8p-150", "00000001"], // 1.4E-45
    ["0x1.fffffep127", "7f7fffff"], // 3.4028235E38
    ["0x1.ffffffp127", "7f800000"], // Infinity
    ["1e39", "7f800000"], // Infinity
    ["-1e39", "ff800000"], // -Infinity
    [".5", "3f000000"], // 0.5
    ["5.", "40a00000"], // 5.0
    ["2.5e0d", "40200000"], // 2.5
    ["0.000000000000000000000000000000000000000000001401298464324817", "00000001"], // 1.4E-45
  ])("%s rounds once to a float, as Java", (text, bits) => {
    expect(javaParseFloat(text)).toBe(fromBits(bits));
  });

  test.each(["0xp1", "0x1.8", "1.5e", ".", "e5", "Infinityf", ""])("%p does not parse", (text) => {
    expect(javaParseFloat(text)).toBeUndefined();
  });
});
