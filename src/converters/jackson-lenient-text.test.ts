import { describe, expect, test } from "bun:test";
import { jacksonLenientText } from "./jackson-lenient-text.ts";

describe("jacksonLenientText", () => {
  test.each([
    ["[1,2] x", "[1,2]"],
    ['{"b":1}{"c":2}', '{"b":1}'],
    [' {"a":"}]\\"{"} tail', '{"a":"}]\\"{"}'],
    ['"s" 1', '"s"'],
    ["1 x", "1"],
    ["true\nfalse", "true"],
    ["007", "7"],
    ["000", "0"],
    ["-00.5", "-0.5"],
    ['[007, -01, 1e007, "007", 0]', '[7, -1, 1e007, "007", 0]'],
    ['{"a":00} 1', '{"a":0}'],
  ])("%j reads as %j", (text, read) => {
    expect(jacksonLenientText(text)).toBe(read);
  });

  test.each([["[1,2]"], ["1x"], ["{"], ['"open'], ["   "], ["42"], ["0.5"]])("%j has nothing to forgive", (text) => {
    expect(jacksonLenientText(text)).toBeUndefined();
  });
});
