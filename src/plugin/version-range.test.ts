import { describe, expect, test } from "bun:test";
import { allTexts } from "../../test/support/all-texts.ts";
import { bracketedRuns, compareVersions, parseVersionRange, pluginVersionProblem } from "./version-range.ts";

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

describe("a spec of many unclosed brackets (its pattern rescanned the rest from each one: ReDoS audit)", () => {
  test("bracketedRuns finds what /[[(][^\\])]*[\\])]/g found in every text of up to 6 of [ ( ] ) , a", () => {
    const texts = allTexts(["[", "(", "]", ")", ",", "a"], 6);
    const old = (t: string) => [...t.matchAll(/[[(][^\])]*[\])]/g)].map((m) => ({ index: m.index, text: m[0] }));
    expect(texts.filter((t) => !Bun.deepEquals(bracketedRuns(t), old(t)))).toEqual([]);
  });

  test("a plugin.version of 400k ( is refused at once (minutes before)", () => {
    const spec = "(".repeat(400_000);
    expect(() => parseVersionRange(spec)).toThrow("Invalid version specification");
  });
});

describe("pluginVersionProblem (Connect's plugin.version, recorded from Connect 4.3.1)", () => {
  const notFound = (range: string) =>
    `Plugin X not found that matches the version range ${range}, available versions: [4.3.1, 4.3.1]`;
  test.each([
    ["latest", undefined],
    ["4.3.1", undefined],
    [" 4.3.1 ", undefined],
    ["[ 4.3.1 ]", undefined],
    ["[,]", undefined],
    ["(,)", undefined],
    ["4.3.0", { message: notFound("[4.3.0,4.3.0]"), malformed: false }],
    [" latest ", { message: notFound("[latest,latest]"), malformed: false }],
    ["LATEST", { message: notFound("[LATEST,LATEST]"), malformed: false }],
    ["", { message: notFound("[,]"), malformed: false }],
    ["[]", { message: notFound("[,]"), malformed: false }],
    ["abc[", { message: notFound("[abc[,abc[]"), malformed: false }],
    ["[1.0],[1.1]", { message: notFound("[1.0,1.0],[1.1,1.1]"), malformed: false }],
    ["[1.0", { message: "Unbounded range: [1.0", malformed: true }],
    ["(1.0)", { message: "Single version must be surrounded by []: (1.0)", malformed: true }],
    ["1.0)", { message: "Single version must be surrounded by []: [1.0)", malformed: true }],
    ["[2.0,1.0]", { message: "Range defies version ordering: [2.0,1.0]", malformed: true }],
    [
      "[1.0],2.0",
      { message: "Only fully-qualified sets allowed in multiple set scenario: [1.0],2.0", malformed: true },
    ],
    ["]1.0[", { message: "Only fully-qualified sets allowed in multiple set scenario: []1.0[]", malformed: true }],
    ["[1.0,2.0],[1.5,3.0]", { message: "Ranges overlap: [1.0,2.0],[1.5,3.0]", malformed: true }],
  ])("%j", (spec, problem) => {
    expect(pluginVersionProblem("X", ["4.3.1", "4.3.1"], spec)).toEqual(problem);
  });

  test("no value is no requirement", () => {
    expect(pluginVersionProblem("X", ["4.3.1"], undefined)).toBeUndefined();
    expect(pluginVersionProblem("X", ["4.3.1"], null)).toBeUndefined();
  });
});
