import { describe, expect, test } from "bun:test";
import { jsonDeeperThan } from "./json-depth.ts";

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
