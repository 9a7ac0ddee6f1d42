import { describe, expect, test } from "bun:test";
import { jacksonLenientText } from "./jackson-lenient-text.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const lenient = (text: string) => jacksonLenientText(utf8(text), text);
const join = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...utf8(part)] : part)));

describe("jacksonLenientText", () => {
  test.each([
    ["[1,2] x", "[1,2]"],
    ['{"b":1}{"c":2}', '{"b":1}'],
    [' {"a":"}]\\"{"} tail', '{"a":"}]\\"{"}'],
    ['"s" 1', '"s"'],
    ["1 x", "1"],
    ["true\nfalse", "true"],
    ["\uFEFF[1] x", "[1]"],
    // A root literal ends at anything below `0`, and at `:;<=>?@[\]^`{|}~`.
    ["true,x", "true"],
    ["true]", "true"],
    ["null}", "null"],
    ['false"x"', "false"],
    ["true:", "true"],
    ["true$", "true"],
    ["true\u0001", "true"],
    ["007", "7"],
    ["000", "0"],
    ["-00.5", "-0.5"],
    ['[007, -01, 1e007, "007", 0]', '[7, -1, 1e007, "007", 0]'],
    ['{"a":00} 1', '{"a":0}'],
    ['["\\"007", 00]', '["\\"007", 0]'],
  ])("%j reads as %j", (text, read) => {
    expect(lenient(text)).toBe(read);
  });

  test.each([
    ["[1,2]"],
    ["1x"],
    ["1,"],
    ["truex"],
    ["true_"],
    ["true1"],
    ["true\u007f"],
    ["true\u00e9"],
    ["true\u3000"],
    ["{"],
    ['"open'],
    ["   "],
    ["42"],
    ["0.5"],
  ])("%j has nothing to forgive", (text) => {
    expect(lenient(text)).toBeUndefined();
  });

  test.each([
    ["[1] then not UTF-8", join("[1] ", [0xff]), "[1]"],
    ["an object then a cut-off character", join('{"a":1}', [0xc3]), '{"a":1}'],
    ["a number, white space, then not UTF-8", join("1 ", [0xff]), "1"],
    ["a literal, punctuation, then not UTF-8", join("null,", [0xff]), "null"],
    ["leading zeros then not UTF-8", join("[00] ", [0xed, 0xa0, 0x80]), "[0]"],
  ])("%s: only the first value need be UTF-8", (_, bytes, read) => {
    expect(jacksonLenientText(bytes, undefined)).toBe(read);
  });

  test.each([
    ["a first value that is not UTF-8", join('"', [0xff], '" 1')],
    ["a literal running on into a byte past ASCII", join("true", [0xff])],
    ["bytes that do not decode and have nothing after a value", join("[1", [0xff], "]")],
  ])("%s stays an error", (_, bytes) => {
    expect(jacksonLenientText(bytes, undefined)).toBeUndefined();
  });
});
