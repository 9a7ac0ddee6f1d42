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
});
