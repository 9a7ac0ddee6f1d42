import { describe, expect, test } from "bun:test";
import { jacksonEscapes } from "./jackson-escapes.ts";

const escaped = (value: unknown) => jacksonEscapes(JSON.stringify(value));

/** The escapes spelled out one by one: what Jackson's generator writes for one string. */
function jacksonString(s: string): string {
  let out = '"';
  for (const ch of s.split("")) {
    const c = ch.charCodeAt(0);
    const short: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n" };
    const more: Record<string, string> = { "\r": "\\r", "\t": "\\t" };
    const named = short[ch] ?? more[ch];
    if (named !== undefined) out += named;
    else if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) out += `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

describe("jacksonEscapes", () => {
  test("text without escapes or surrogates is the same string", () => {
    const text = JSON.stringify({ a: "plain ü € text", n: [1, 2.5] });
    expect(jacksonEscapes(text)).toBe(text);
  });

  test("surrogates, paired or lone, are escaped upper-case; control escapes take upper-case hex", () => {
    expect(escaped({ name: "ü😀-x" })).toBe('{"name":"ü\\uD83D\\uDE00-x"}');
    expect(escaped(["\ud800x\udc00", "a\u001f\u001b\u0000\u007f\b\fb"])).toBe(
      '["\\uD800x\\uDC00","a\\u001F\\u001B\\u0000\u007f\\b\\fb"]',
    );
  });

  test("an escaped backslash followed by text that looks like an escape stays as it is", () => {
    expect(escaped("\\u001f \\\\ \\ud83d\\")).toBe('"\\\\u001f \\\\\\\\ \\\\ud83d\\\\"');
  });

  test("every string of backslashes, quotes, controls, surrogates and letters is written as Jackson writes it", () => {
    const alphabet = ["\\", '"', "u", "0", "1", "f", "a", "\u001f", "\n", "\ud83d", "\ude00", "😀", "é", "\u007f"];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let n = 0; n < 2000; n++) {
      let s = "";
      const length = Math.floor(random() * 12);
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
      expect(escaped(s)).toBe(jacksonString(s));
    }
  });
});
