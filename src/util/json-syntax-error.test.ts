import { describe, expect, test } from "bun:test";
import { jsonSyntaxError } from "./json-syntax-error.ts";

describe("jsonSyntaxError", () => {
  test.each<[string, number, number, string]>([
    [
      '{"a": Hunter2SecretXyz}',
      1,
      7,
      "a value must be a string in double quotes, a number, true, false, null, an object or an array",
    ],
    ['{"a": "b"', 1, 10, "a ',' or '}' must follow a property's value"],
    ['{"a": "b",\n  }', 2, 3, "a property name must be a string in double quotes"],
    ["{'a': 1}", 1, 2, "a property name must be a string in double quotes"],
    ['{"a" "b"}', 1, 6, "a ':' must follow a property name"],
    ['{"a": "b\\qSecret"}', 1, 7, "an invalid escape sequence in a string"],
    ['{"a": "\\u12G4"}', 1, 7, "an invalid escape sequence in a string"],
    ['{"a": "b\nc"}', 1, 7, "a control character (such as a line break) inside a string"],
    ['{"a": "unterminated', 1, 7, "a string that is not closed"],
    // opswalk-c: a fault inside a string is at its opening quote, so the column tells nothing of its length or content.
    ['{"a": "Hunter2SecretXyz\\q"}', 1, 7, "an invalid escape sequence in a string"],
    ['{"a": "Hunter2SecretXyz\t"}', 1, 7, "a control character (such as a line break) inside a string"],
    ['{\n  "Hunter2\\Secret": 1}', 2, 3, "an invalid escape sequence in a string"],
    ['{"a": 1.e}', 1, 7, "an invalid number"],
    ['{"a": -}', 1, 7, "an invalid number"],
    ['{"a": 01}', 1, 7, "an invalid number"],
    ['{"a": 0x12}', 1, 8, "a ',' or '}' must follow a property's value"],
    [
      '{"a": tru}',
      1,
      7,
      "a value must be a string in double quotes, a number, true, false, null, an object or an array",
    ],
    [
      '{"a": [1,,2]}',
      1,
      10,
      "a value must be a string in double quotes, a number, true, false, null, an object or an array",
    ],
    ['{"a": [1 2]}', 1, 10, "a ',' or ']' must follow an array element"],
    ['{"a": "x"} y', 1, 12, "text after the JSON value"],
    ['{"a":', 1, 6, "the text ends where a value should be"],
  ])("%j: line %d column %d, %s", (text, line, column, reason) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonSyntaxError(text)).toEqual({ line, column, reason });
  });

  test.each([
    '{"a": "b", "c": [1, -2.5e+3, true, false, null, {}, [], {"d": "\\u00e9\\n\\"\\/"}], "e": 0}',
    " \t\r\n[]\n",
    '"x"',
    "0",
  ])("a JSON text has none: %j", (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(jsonSyntaxError(text)).toBeUndefined();
  });

  test("a text nested 1,000,000 deep is read without recursion", () => {
    expect(jsonSyntaxError(`${"[".repeat(1_000_000)}x`)).toEqual({
      line: 1,
      column: 1_000_001,
      reason: "a value must be a string in double quotes, a number, true, false, null, an object or an array",
    });
  });
});
