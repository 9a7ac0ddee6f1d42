import { describe, expect, test } from "bun:test";
import { BigDecimal } from "../../api/data/logical.ts";
import {
  type IntBits,
  narrowInteger,
  numberFormatMessage,
  parseJavaFloating,
  parseJavaInteger,
} from "./java-numbers.ts";

describe("Java numbers", () => {
  test.each<[number | bigint | BigDecimal, IntBits, boolean, number | bigint]>([
    [300, 8, false, 44],
    [-129, 8, false, 127],
    [42.9, 8, true, 42],
    [-42.9, 32, true, -42],
    [3e9, 32, true, 2147483647],
    [3e9, 32, false, -1294967296],
    [Number.NaN, 16, true, 0],
    [1e20, 64, true, 9223372036854775807n],
    [2n ** 64n + 5n, 64, false, 5],
    [BigDecimal.parse("2147483648"), 32, false, -2147483648],
    [BigDecimal.parse("-12.75"), 16, false, -12],
    // Java's BigDecimal.longValue() (recorded): the low bits of the integer part, computed without
    // 10^exponent (1e2147483647 threw here, and 1e99999999 took 24 s of the event loop).
    [BigDecimal.parse("1e2147483647"), 64, false, 0],
    [BigDecimal.parse("1e-2147483647"), 32, false, 0],
    [BigDecimal.parse("1e99999999"), 8, false, 0],
    [BigDecimal.parse("3e63"), 64, false, -9223372036854775808n],
    [BigDecimal.parse("7e64"), 64, false, 0],
    [BigDecimal.parse("1e19"), 32, false, -1981284352],
    [BigDecimal.parse("123456789012345678901234567890e-10"), 64, false, -6101065172474983726n],
    [BigDecimal.parse("-98765432109876543210987.6"), 8, false, 21],
    [BigDecimal.parse("5e-1"), 32, false, 0],
  ])("narrows %p to %p bits (floating: %p) as %p", (value, bits, floating, expected) => {
    expect(narrowInteger(value, bits, floating)).toBe(expected);
  });

  test.each<[string, IntBits, number | bigint | null]>([
    ["42", 8, 42],
    ["+42", 8, 42],
    ["128", 8, null],
    ["1.5", 32, null],
    [" 1", 32, null],
    ["9223372036854775807", 64, 9223372036854775807n],
    // Character.digit(char) of each UTF-16 unit takes any decimal digit of the BMP (Arabic-Indic,
    // fullwidth) and none of a surrogate, so a mathematical bold digit (two units) is no digit.
    ["\u0663", 8, 3],
    ["\u0664\u0662", 32, 42],
    ["-\uff11\uff12", 32, -12],
    ["\uff11\uff12\uff13", 64, 123],
    ["\u0663\u0660\u0660", 8, null],
    ["\u{1d7cf}", 32, null],
    ["1\u{1d7cf}", 32, null],
    ["\u{1d7d7}\u{1d7d8}", 64, null],
    ["1\ud835", 32, null],
    ["-", 32, null],
    ["+", 32, null],
    ["", 32, null],
    ["+-1", 32, null],
    ["\uff0b1", 32, null],
  ])("parses the integer %p (%p bits) as %p", (text, bits, expected) => {
    expect(parseJavaInteger(text, bits)).toBe(expected);
  });

  test.each<[string, boolean, number | null]>([
    ["1.5", false, 1.5],
    [" 2.5f ", true, 2.5],
    ["1e3", false, 1000],
    ["-Infinity", false, Number.NEGATIVE_INFINITY],
    ["abc", false, null],
    // What Java 17's Double.parseDouble / Float.parseFloat return (or NumberFormatException: null).
    ["0x1p3", false, 8],
    ["-0X1.8P1d", false, -3],
    ["0x.8p0f", true, 0.5],
    ["\t2\n", false, 2],
    ["1e400", false, Number.POSITIVE_INFINITY],
    ["+NaN", false, Number.NaN],
    ["Infinityf", false, null],
    ["NaNd", true, null],
    ["0x1p", false, null],
    ["1_0", false, null],
    ["..5", false, null],
  ])("parses the floating point %p (float32: %p) as %p", (text, float32, expected) => {
    expect(parseJavaFloating(text, float32)).toBe(expected);
  });

  // Printed by JDK 17's Byte.parseByte, Integer.parseInt, Double.parseDouble and Float.parseFloat.
  test.each<[string, IntBits | "floating", string]>([
    ["abc", 32, 'For input string: "abc"'],
    ["", 32, 'For input string: ""'],
    [" 1", 32, 'For input string: " 1"'],
    ["99999999999", 32, 'For input string: "99999999999"'],
    ["200", 8, 'Value out of range. Value:"200" Radix:10'],
    ["99999999999", 8, 'For input string: "99999999999"'],
    ["abc", "floating", 'For input string: "abc"'],
    [" x ", "floating", 'For input string: "x"'],
    ["", "floating", "empty String"],
    // Integer.parseInt("𝟏"): Java's message holds the text's two surrogates as they are.
    ["\u{1d7cf}", 32, 'For input string: "\ud835\udfcf"'],
    ["\u{1d7cf}", 8, 'For input string: "\ud835\udfcf"'],
  ])("Java's NumberFormatException for %p (%p) says %p", (text, bits, message) => {
    expect(numberFormatMessage(text, bits)).toBe(message);
  });
});
