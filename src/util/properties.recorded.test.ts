/**
 * parseProperties against the JDK: every text in test/fixtures/properties/fixtures.json was loaded
 * with java.util.Properties.load(Reader) (generate.sh), and the map or the exception recorded there
 * is what parseProperties must give. Java is not needed to run this test.
 */
import { describe, expect, test } from "bun:test";
import { JavaException } from "../errors.ts";
import { parseProperties } from "./properties.ts";

type Expected = { map: Record<string, string> } | { error: { class: string; message: string } };
interface Case {
  name: string;
  text: string;
  expected: Expected;
}

const fixtures = (await Bun.file(new URL("../../test/fixtures/properties/fixtures.json", import.meta.url)).json()) as {
  cases: Case[];
};

function outcome(text: string): Expected {
  try {
    return { map: parseProperties(text) };
  } catch (error) {
    if (error instanceof JavaException) return { error: { class: error.javaClass, message: error.message } };
    throw error;
  }
}

describe("parseProperties against java.util.Properties.load", () => {
  test("the fixtures hold several hundred cases, maps and exceptions", () => {
    expect(fixtures.cases.length).toBeGreaterThanOrEqual(400);
    expect(fixtures.cases.some((c) => "error" in c.expected)).toBe(true);
    expect(new Set(fixtures.cases.map((c) => c.name)).size).toBe(fixtures.cases.length);
  });

  test.each(fixtures.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(outcome(c.text)).toEqual(c.expected);
  });

  test("a __proto__ key is an own entry, as any other", () => {
    const map = parseProperties("__proto__=x");
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(Object.entries(map)).toEqual([["__proto__", "x"]]);
  });
});
