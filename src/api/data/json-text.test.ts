import { describe, expect, test } from "bun:test";
import { sourceRecord } from "../record.ts";
import { JavaDouble } from "./java-double.ts";
import { JsonText, materialized, withParsedJson } from "./json-text.ts";

describe("JsonText", () => {
  const text =
    '{ "ts" : 1700000000123456789, "n": 9007199254740993, "d": 1.50, "e": 1e3, "s": "12345678901234567890" }';

  test("bytes are the text's UTF-8, exactly (white space and number spelling kept)", () => {
    const value = new JsonText(`{"ä":"😀", "x" : 1.0}`);
    expect(new TextDecoder().decode(value.bytes())).toBe(`{"ä":"😀", "x" : 1.0}`);
    expect(value.bytes()).toBe(value.bytes());
    const given = new TextEncoder().encode("[1]");
    expect(new JsonText("[1]", given).bytes()).toBe(given);
  });

  test("value() reads exactly, as JsonConverter's schemaless reading does, once", () => {
    const value = new JsonText(text);
    expect(value.value()).toEqual({
      ts: 1700000000123456789n,
      n: 9007199254740993n,
      d: 1.5,
      e: new JavaDouble(1000),
      s: "12345678901234567890",
    });
    expect(value.value()).toBe(value.value());
    // Longs wrap to 64 bits as Connect's INT64 inference does; safe ones stay numbers.
    expect(new JsonText("[18446744073709551617, 42, -9223372036854775808]").value()).toEqual([
      1,
      42,
      -9223372036854775808n,
    ]);
    // A fraction with a long digit run (the reviver path) is a number.
    expect(new JsonText('{"x": 0.12345678901234567890}').value()).toEqual({ x: 0.12345678901234568 });
  });

  test("number-like text inside strings stays text, around numbers that need nothing or a Double", () => {
    const text =
      '{"s":"a 3.0 \\" 1e3 12345678901234567.5","n":1.05,"m":2e-3,"d":2.0,"t":"x\\"2.0","b":12345678901234567890}';
    expect(new JsonText(text).value()).toEqual({
      s: 'a 3.0 " 1e3 12345678901234567.5',
      n: 1.05,
      m: 0.002,
      d: new JavaDouble(2),
      t: 'x"2.0',
      b: -6101065172474983726n,
    });
    expect(new JsonText('["1.0", 1.05, "-0.0"]').value()).toEqual(["1.0", 1.05, "-0.0"]);
    // A fraction starting with 0 is an integral Double only when a double cannot hold its digits.
    expect(new JsonText("[20.05, -1.0001, 100000000000.0000001, 1.0e0, 3.00]").value()).toEqual([
      20.05,
      -1.0001,
      new JavaDouble(100000000000),
      new JavaDouble(1),
      new JavaDouble(3),
    ]);
  });

  test("a __proto__ key stays an own property", () => {
    const value = new JsonText('{"__proto__": {"a": 12345678901234567890}}').value() as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, "__proto__")).toBe(true);
  });

  test("as a string and as JSON it is its text", () => {
    const value = new JsonText('{"a": 12345678901234567890}');
    expect(String(value)).toBe('{"a": 12345678901234567890}');
    expect(JSON.stringify({ v: value })).toBe('{"v":{"a":12345678901234567890}}');
    expect(JSON.stringify([new JsonText(" 1.50 ")])).toBe("[1.50]");
  });

  test("withParsedJson replaces a JsonText key and value, and leaves other records alone", () => {
    const plain = sourceRecord({ topic: "t", value: { a: 1 } });
    expect(withParsedJson(plain)).toBe(plain);
    const record = sourceRecord({ topic: "t", key: new JsonText('"k"'), value: new JsonText('{"a":1}') });
    const parsed = withParsedJson(record);
    expect(parsed.key).toBe("k");
    expect(parsed.value).toEqual({ a: 1 });
    expect(parsed.topic).toBe("t");
    expect(materialized("x")).toBe("x");
  });
});

describe("JsonText nested deeper than the runtime reads (P1.2)", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

  test("value() of 100,000 levels is a DataError, not a stack overflow", () => {
    const deep = new JsonText(nested(100_000));
    expect(() => deep.value()).toThrow(
      expect.objectContaining({
        name: "DataError",
        message: "The JSON value nests arrays and objects more than 1000 levels deep",
      }),
    );
    // In a log or error report it is its text.
    expect(JSON.stringify({ v: deep })).toBe(JSON.stringify({ v: nested(100_000) }));
  });

  test("1000 levels (Jackson's default limit) are read", () => {
    let value = new JsonText(nested(1000)).value();
    let depth = 0;
    while (Array.isArray(value)) {
      value = value[0];
      depth++;
    }
    expect({ depth, value }).toEqual({ depth: 1000, value: 1 });
  });
});
