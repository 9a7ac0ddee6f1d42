import { describe, expect, test } from "bun:test";
import { httpSourceConfig } from "./config.ts";
import { jsonPathProblem } from "./config-checks.ts";
import { httpSource } from "./index.ts";

const base = { "http.url": "https://api.example.com/events", "kafka.topic": "t" };

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

describe("validating an HTTP source config with a filter expression", () => {
  test("reports it on the key at fault: records path, cursor path, offset field, key field", () => {
    const records = httpSourceConfig.validate({ ...base, "http.response.records.path": "$.data[?(@.a==1)]" });
    const errors = records.get("http.response.records.path")!.errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toEndWith(jsonPathProblem("$.data[?(@.a==1)]")!);
    const crossKey = httpSource.validate!({
      ...base,
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.path": "$.next[?(@)]",
      "http.offset.mode": "CURSOR",
      "http.offset.field": "$.items[(@.length-1)].id",
      "http.record.key.field": "$.ids[?(@)]",
    });
    expect(crossKey).toEqual([
      { key: "http.pagination.cursor.path", message: jsonPathProblem("$.next[?(@)]")! },
      { key: "http.offset.field", message: jsonPathProblem("$.items[(@.length-1)].id")! },
      { key: "http.record.key.field", message: jsonPathProblem("$.ids[?(@)]")! },
    ]);
  });
});
