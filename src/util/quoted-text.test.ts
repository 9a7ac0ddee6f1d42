import { expect, test } from "bun:test";
import { quotedText } from "./quoted-text.ts";

test("quotedText escapes controls, separators and bidi/format characters, and keeps other text", () => {
  const unsafe = "\u0000\n\u007f\u0085\u009f\u200e\u200f\u2028\u2029\u202a\u202e\u2066\u2069\ufeff";
  expect(quotedText(`a"${unsafe}é€`)).toBe(
    '"a\\"\\u0000\\n\\u007f\\u0085\\u009f\\u200e\\u200f\\u2028\\u2029\\u202a\\u202e\\u2066\\u2069\\ufeffé€"',
  );
  expect(quotedText(unsafe)).not.toMatch(
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/,
  );
});
