import { describe, expect, test } from "bun:test";
import { jacksonStringify } from "./json-writer.ts";

describe("jacksonStringify", () => {
  test("a character beyond U+FFFF is written as its two surrogate escapes, upper-case (Connect 4.3.1 answers so)", () => {
    expect(jacksonStringify({ name: "ü😀-x" })).toBe('{"name":"ü\\uD83D\\uDE00-x"}');
  });

  test("lone surrogates and control characters are escaped with upper-case hex digits", () => {
    expect(jacksonStringify(["\ud800x\udc00", "a\u001f\u001b\u0000\u007f\b\fb"])).toBe(
      '["\\uD800x\\uDC00","a\\u001F\\u001B\\u0000\u007f\\b\\fb"]',
    );
  });

  test("a backslash followed by text that looks like an escape stays as it is", () => {
    expect(jacksonStringify("\\u001f \\\\ \\ud83d")).toBe('"\\\\u001f \\\\\\\\ \\\\ud83d"');
  });

  test("bigints are exact", () => {
    expect(jacksonStringify({ n: 12345678901234567890n })).toBe('{"n":12345678901234567890}');
  });
});
