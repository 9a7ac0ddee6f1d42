import { describe, expect, test } from "bun:test";
import { javaUtf8Text } from "./java-utf8.ts";

describe("javaUtf8Text", () => {
  test.each([
    ["a lone high surrogate", "a\uD800b", "a?b"],
    ["a lone low surrogate", "\uDC00x", "?x"],
    ["a high surrogate at the end", "x\uDBFF", "x?"],
    ["two high surrogates, the second paired", "\uD800\uD83D\uDE00", "?\uD83D\uDE00"],
    ["a reversed pair", "\uDE00\uD83D", "??"],
  ])("%s is written as Java's String.getBytes(UTF_8) writes it: '?'", (_what, text, java) => {
    expect(javaUtf8Text(text)).toBe(java);
  });

  test("well-formed text (a surrogate pair, U+FFFD itself) is the same string", () => {
    for (const text of ["Header-1", "\uD83D\uDE00", "\uFFFD", ""]) expect(javaUtf8Text(text)).toBe(text);
  });
});
