import { describe, expect, test } from "bun:test";
import { jsonDeeperThan, valueDeeperThan } from "./json-depth.ts";
import { JsonNumberText } from "./json-reader.ts";

const nested = (depth: number, open = "[", close = "]") => open.repeat(depth) + close.repeat(depth);

describe("jsonDeeperThan (P1.2)", () => {
  test.each([
    ["[]", 1, false],
    ["[[]]", 1, true],
    ['{"a":{"b":[1]}}', 3, false],
    ['{"a":{"b":[1]}}', 2, true],
    // brackets inside strings are data, escaped quotes included
    ['["[[[[", "\\"[[[["]', 1, false],
    ['{"k\\\\":[[1]]}', 2, true],
    ["1", 0, false],
  ])("%p deeper than %p: %p", (text, max, expected) => {
    expect(jsonDeeperThan(text, max)).toBe(expected);
  });

  test("many brackets side by side are not depth", () => {
    const wide = `[${Array.from({ length: 5000 }, () => '{"a":[1]}').join(",")}]`;
    expect(jsonDeeperThan(wide, 3)).toBe(false);
    expect(jsonDeeperThan(wide, 2)).toBe(true);
  });

  test("100,000 levels are found without recursion", () => {
    expect(jsonDeeperThan(nested(100_000), 1000)).toBe(true);
    expect(jsonDeeperThan(nested(1000, '{"a":', "}").replace(/\}$/, "1}"), 1000)).toBe(false);
  });
});

describe("valueDeeperThan: the parsed value's depth, as jsonDeeperThan counts it in its text", () => {
  test.each([
    ["[]", 1],
    ["[[]]", 1],
    ['{"a":{"b":[1]}}', 3],
    ['{"a":{"b":[1]}}', 2],
    ['[{"a":[]},[[[1]]]]', 3],
    ['[{"a":[]},[[[1]]]]', 4],
    ["1", 0],
  ])("%p, %p levels", (text, max) => {
    expect(valueDeeperThan(JSON.parse(text), max)).toBe(jsonDeeperThan(text, max));
  });

  test("a JsonNumberText is a value, not an object; 100,000 levels are found without recursion", () => {
    expect(valueDeeperThan([new JsonNumberText("1.50")], 1)).toBe(false);
    expect(valueDeeperThan(JSON.parse(nested(100_000)), 1000)).toBe(true);
    const objects = `${'{"a":'.repeat(999)}[1]${"}".repeat(999)}`;
    expect(valueDeeperThan(JSON.parse(objects), 1000)).toBe(false);
    expect(valueDeeperThan(JSON.parse(objects), 999)).toBe(true);
  });
});
