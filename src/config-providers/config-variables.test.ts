import { describe, expect, test } from "bun:test";
import { allTexts } from "../../test/support/all-texts.ts";
import {
  configVariables,
  hasConfigVariable,
  isWholeConfigVariable,
  replaceConfigVariables,
} from "./config-variables.ts";

/** ConfigTransformer.DEFAULT_PATTERN, the reference the scanner must agree with. */
const PATTERN = /\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}/;

function byPattern(text: string): unknown {
  return [...text.matchAll(new RegExp(PATTERN.source, "g"))].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    provider: m[1],
    path: m[3],
    key: m[4],
  }));
}

describe("config variables", () => {
  test("agree with ConfigTransformer's pattern on every text of up to 8 characters over $ { } : a", () => {
    let checked = 0;
    for (const text of allTexts(["$", "{", "}", ":", "a"], 8)) {
      const expected = byPattern(text);
      const found: unknown = configVariables(text);
      if (JSON.stringify(found) !== JSON.stringify(expected))
        expect({ text, found }).toEqual({ text, found: expected });
      if (hasConfigVariable(text) !== PATTERN.test(text))
        expect({ text, has: hasConfigVariable(text) }).toEqual({ text, has: PATTERN.test(text) });
      const whole = new RegExp(`^${PATTERN.source}$`).test(text);
      if (isWholeConfigVariable(text) !== whole)
        expect({ text, whole: isWholeConfigVariable(text) }).toEqual({ text, whole });
      const replaced = text.replace(
        new RegExp(PATTERN.source, "g"),
        (_, p: string, _c, path: string | undefined, k: string) => `<${p}|${path}|${k}>`,
      );
      const mine = replaceConfigVariables(text, (v) => `<${v.provider}|${v.path}|${v.key}>`);
      if (mine !== replaced) expect({ text, mine }).toEqual({ text, mine: replaced });
      checked++;
    }
    expect(checked).toBe(488_281);
  });

  test("read provider, path and key as Connect does", () => {
    expect(configVariables("x=${file:/etc/s.properties:password}&y=${env:HOME}, ${a::k}")).toEqual([
      { start: 2, end: 36, provider: "file", path: "/etc/s.properties", key: "password" },
      { start: 39, end: 50, provider: "env", path: undefined, key: "HOME" },
      { start: 52, end: 59, provider: "a", path: "", key: "k" },
    ]);
    expect(configVariables("pa$$word ${no-colon} ${x:y:z:w}")).toEqual([
      { start: 21, end: 31, provider: "x", path: "y", key: "z:w" },
    ]);
  });

  test('a stored null (a JSON null under a string type) holds no reference, as the pattern read it ("null")', () => {
    const stored = JSON.parse('{"a":null}') as { a: string };
    expect(hasConfigVariable(stored.a)).toBe(false);
    expect(isWholeConfigVariable(stored.a)).toBe(false);
  });

  test("a value of 200,000 unclosed references is read in linear time (the pattern took minutes)", () => {
    for (const text of ["${a:".repeat(200_000), "${".repeat(200_000), `${"${a".repeat(100_000)}}`]) {
      expect(configVariables(text).length).toBeLessThanOrEqual(1);
      expect(isWholeConfigVariable(text)).toBe(false);
    }
  });
});
