import { describe, expect, test } from "bun:test";
import { JsonSpans, pointerTokens } from "./json-spans.ts";

describe("JsonSpans", () => {
  const text =
    ' { "items" : [ {"id": 12345678901234567890, "s": "a \\" ] } , [\\"x\\"]"} , 1.50 ,-0E+1, "t" ,null],\n' +
    '"a/b": {"c~d": true, "e\\u0041": [ ]}, "dup": 1, "dup": {"v" : 2} } ';
  const spans = new JsonSpans(text);

  test.each([
    ["", text.trim()],
    ["/items/0", '{"id": 12345678901234567890, "s": "a \\" ] } , [\\"x\\"]"}'],
    ["/items/0/id", "12345678901234567890"],
    ["/items/1", "1.50"],
    ["/items/2", "-0E+1"],
    ["/items/3", '"t"'],
    ["/items/4", "null"],
    ["/a~1b/c~0d", "true"],
    ["/a~1b/eA", "[ ]"],
    ["/dup", '{"v" : 2}'],
  ])("the value at %p is its exact text", (pointer, expected) => {
    expect(spans.text(pointer)).toBe(expected);
  });

  test("every span parses to the value JSON.parse finds there", () => {
    const doc = JSON.parse(text);
    expect(JSON.parse(spans.text("/items/0")!)).toEqual(doc.items[0]);
    expect(JSON.parse(spans.text("/dup")!)).toEqual(doc.dup);
  });

  test.each(["/items/5", "/nope", "/items/1/x", "/a~1b/c~0d/0"])("%p is not there", (pointer) => {
    expect(spans.span(pointer)).toBeUndefined();
  });

  test("a scalar document is its own span", () => {
    expect(new JsonSpans(" 9007199254740993 ").text("")).toBe("9007199254740993");
  });

  test("pointer tokens unescape ~1 and ~0 in that order", () => {
    expect(pointerTokens("/a~1b/c~01")).toEqual(["a/b", "c~1"]);
    expect(pointerTokens("")).toEqual([]);
  });
});
