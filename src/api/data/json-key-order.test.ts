import { describe, expect, test } from "bun:test";
import { objectEntries } from "./java-map-order.ts";
import { readJsonText } from "./json-reader.ts";

const keys = (value: unknown) => objectEntries(value as Record<string, unknown>).map(([k]) => k);

describe("the text's key order of objects with integer-like keys (JSON.parse puts them first)", () => {
  test("top level, nested in objects and arrays, pretty-printed", () => {
    const value = readJsonText('{ "b" : 1 , "10" : [ { "x" : 1, "2" : 2 } ], "a\\"1" : { "z": 0, "1": 1 } }') as {
      "10": [Record<string, unknown>];
      'a"1': Record<string, unknown>;
    };
    expect(keys(value)).toEqual(["b", "10", 'a"1']);
    expect(keys(value["10"][0])).toEqual(["x", "2"]);
    expect(keys(value['a"1'])).toEqual(["z", "1"]);
  });

  test("a duplicated key keeps its first place and its last value's order", () => {
    const value = readJsonText('{"a":{"1":1,"b":2},"3":0,"a":{"c":1,"2":2}}') as { a: Record<string, unknown> };
    expect(keys(value)).toEqual(["a", "3"]);
    expect(keys(value.a)).toEqual(["c", "2"]);
  });

  test("an integer-like key written with escapes (JSON.parse reads it as the digits)", () => {
    expect(keys(readJsonText('{"a":1,"\\u0031":2}'))).toEqual(["a", "1"]);
    const nested = readJsonText('[{"x":{"b":0,"\\u0032\\u0030":1}}]') as [{ x: Record<string, unknown> }];
    expect(keys(nested[0].x)).toEqual(["b", "20"]);
  });
});
