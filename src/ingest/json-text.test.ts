import { describe, expect, test } from "bun:test";
import { arrayElementTexts, concatenatedJsonTexts } from "./json-text.ts";

describe("json-text", () => {
  test("array elements keep their text; quotes escaped by odd backslash runs stay inside strings", () => {
    const text = String.raw`[1, "a\"b", {"x":"\\"}, ["]"], "\\\"", null ,true, {"a":[1,{"b":"}"}]}]`;
    const elements = arrayElementTexts(text);
    expect(elements).toEqual([
      "1",
      String.raw`"a\"b"`,
      String.raw`{"x":"\\"}`,
      `["]"]`,
      String.raw`"\\\""`,
      "null",
      "true",
      `{"a":[1,{"b":"}"}]}`,
    ]);
    expect(elements.map((e) => JSON.parse(e))).toEqual(JSON.parse(text));
    expect(arrayElementTexts(" [ ] ")).toEqual([]);
  });

  test("concatenated values split; an unterminated string is the last fragment", () => {
    expect(concatenatedJsonTexts(String.raw`{"a":"\"}"}{"b":1}` + `\n{"c":"x`)).toEqual([
      String.raw`{"a":"\"}"}`,
      `{"b":1}`,
      `{"c":"x`,
    ]);
  });
});
