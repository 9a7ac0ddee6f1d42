import { describe, expect, test } from "bun:test";
import { jsonPathProblem } from "./json-path-problem.ts";

describe("jsonPathProblem (review P3.9)", () => {
  test.each([
    "$",
    "$[*]",
    "$.data[*]",
    "$..*",
    "$.a.b",
    "$[0,1]",
    "$.a[-1:]",
    "$['a(b)']",
    "$.items[*].meta",
    "$['a,(b)']",
    "$['x','(y']",
    `$["it's"]`,
    "$.a['b','c']",
  ])("%s is accepted", (path) => {
    expect(jsonPathProblem(path)).toBeUndefined();
  });

  test.each([
    ["$.data[?(@.a==1)]", "?(@.a==1)"],
    ["$.data[(@.length-1)]", "(@.length-1)"],
    ["$.next[?(@)]", "?(@)"],
    ["$..[?(@.x)]", "?(@.x)"],
    ["$.data[ ?(@.a)]", "?(@.a)"],
    ["$.a[0,(@.length-1)]", "(@.length-1)"],
    // A quoted first member: jsonpath-plus's segment has lost its opening quote (b',(@.c)).
    ["$.a['b',(@.c)]", "(@.c)"],
    ['$.a["b",(@.c)]', "(@.c)"],
    [`$.a["it's",(@.c)]`, "(@.c)"],
    ["$.a['b', ?(@.c)]", "?(@.c)"],
  ])("%s is refused, naming the segment", (path, segment) => {
    expect(jsonPathProblem(path)).toBe(
      `Filter and script expressions such as [${segment}] are not evaluated (no expression in a config runs code); select with names, indexes, slices, * or .. only`,
    );
  });

  test.each([
    // A backslash escapes the quote after it: the name is `a'b`, and its `,(@.x)` is the name's.
    [String.raw`$['a\'b']`, undefined],
    [String.raw`$['a\',(@.x)']`, undefined],
    [String.raw`$['a\'',(@.x)]`, "script"],
    // A `]` before its `[` is unbalanced even when the counts match.
    ["$][", "unbalanced"],
    ["$.a][b", "unbalanced"],
  ])("quotes and brackets of %s are read as jsonpath-plus reads them (%p)", (path, problem) => {
    const found = jsonPathProblem(path);
    if (problem === undefined) expect(found).toBeUndefined();
    else if (problem === "unbalanced") expect(found).toBe("Unbalanced brackets in the JSONPath expression");
    else expect(found).toStartWith("Filter and script expressions such as [(@.x)]");
  });
});

describe("jsonPathProblem: text jsonpath-plus reads as no segment (review grammar P3-1)", () => {
  test.each(["$[(@.x)]1", "$[0][(@.x)]1"])("%s is refused with a message naming the problem", (path) => {
    expect(jsonPathProblem(path)).toBe("Invalid JSONPath expression: a segment could not be read");
  });
});
