import { describe, expect, test } from "bun:test";
import { compareVersions, parseVersionRange } from "./version-range.ts";

describe("parseVersionRange", () => {
  test.each([
    ["4.3.1", "[4.3.1,4.3.1]", ["4.3.1"], ["4.3.0", "4.3.2"]],
    ["[4.0,5.0)", "[4.0,5.0)", ["4.0", "4.3.1"], ["5.0", "3.9.1"]],
    ["(,4.0]", "(,4.0]", ["3.9", "4.0.0"], ["4.0.1"]],
    ["[4.3]", "[4.3,4.3]", ["4.3.0"], ["4.3.1"]],
    ["[1.0,2.0),[4.0,)", "[1.0,2.0),[4.0,)", ["1.5", "9"], ["3.0"]],
  ])("%s prints as %s", (spec, printed, inside, outside) => {
    const range = parseVersionRange(spec);
    expect(String(range)).toBe(printed);
    for (const v of inside) expect(range.contains(v)).toBe(true);
    for (const v of outside) expect(range.contains(v)).toBe(false);
  });

  test.each(["[4.0", "[5.0,4.0]", "[4.0,5.0) x"])("rejects %s with Connect's message", (spec) => {
    expect(() => parseVersionRange(spec)).toThrow(`Invalid version specification: ${spec}`);
  });

  test("compares numerically, qualifiers before releases", () => {
    expect(compareVersions("4.10.0", "4.9.1")).toBeGreaterThan(0);
    expect(compareVersions("4.3.1-SNAPSHOT", "4.3.1")).toBeLessThan(0);
  });
});
