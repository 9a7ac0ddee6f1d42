import { describe, expect, test } from "bun:test";
import { jacksonStringify } from "./json-writer.ts";

describe("jacksonStringify", () => {
  test("a character beyond U+FFFF is written as its two surrogate escapes, upper-case (Connect 4.3.1 answers so)", () => {
    expect(jacksonStringify({ name: "ü😀-x" })).toBe('{"name":"ü\\uD83D\\uDE00-x"}');
  });

  test("bigints are exact", () => {
    expect(jacksonStringify({ n: 12345678901234567890n })).toBe('{"n":12345678901234567890}');
  });
});
