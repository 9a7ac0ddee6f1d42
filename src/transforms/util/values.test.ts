import { describe, expect, test } from "bun:test";
import { BigDecimal, DATE_NAME, DECIMAL_NAME, TIME_NAME, TIMESTAMP_NAME } from "../../api/data/logical.ts";
import type { SchemaType } from "../../api/data/schema.ts";
import { DataError } from "../../errors.ts";
import { expectError } from "./test-support.ts";
import { asDouble, asLong, dateFormatFor, parseString } from "./values.ts";

function shape(text: string | null): [SchemaType | null, string | undefined, unknown] {
  const { schema, value } = parseString(text);
  return [schema?.type ?? null, schema?.name, value];
}

describe("Values.parseString", () => {
  test.each<[string | null, [SchemaType | null, string | undefined, unknown]]>([
    [null, [null, undefined, null]],
    ["", ["STRING", undefined, ""]],
    ["null", [null, undefined, null]],
    ["true", ["BOOLEAN", undefined, true]],
    [" FALSE ", ["STRING", undefined, " FALSE "]],
    ["false", ["BOOLEAN", undefined, false]],
    ["1", ["INT8", undefined, 1]],
    ["-300", ["INT16", undefined, -300]],
    ["70000", ["INT32", undefined, 70000]],
    ["3000000000", ["INT64", undefined, 3000000000]],
    ["9223372036854775807", ["INT64", undefined, 9223372036854775807n]],
    ["1.5", ["FLOAT32", undefined, 1.5]],
    ["1e300", ["FLOAT64", undefined, 1e300]],
    ["hello", ["STRING", undefined, "hello"]],
    ["inserted-value", ["STRING", undefined, "inserted-value"]],
    ["1 apple", ["STRING", undefined, "1 apple"]],
    ["true:1", ["STRING", undefined, "true:1"]],
    ["[1, 2, 3]", ["ARRAY", undefined, [1, 2, 3]]],
    ["[1, 2.5]", ["ARRAY", undefined, [1, 2.5]]],
    ['["a", "b"]', ["ARRAY", undefined, ["a", "b"]]],
    ["[]", ["ARRAY", undefined, []]],
    ["[1, null]", ["STRING", undefined, "[1, null]"]],
    ["[1, 2", ["STRING", undefined, "[1, 2"]],
    [
      '{"a": 1, "b": 2}',
      [
        "MAP",
        undefined,
        new Map([
          ["a", 1],
          ["b", 2],
        ]),
      ],
    ],
    ["2024-03-05", ["INT32", DATE_NAME, new Date(Date.UTC(2024, 2, 5))]],
    ["14:07:09.045Z", ["INT32", TIME_NAME, new Date(Date.UTC(1970, 0, 1, 14, 7, 9, 45))]],
    ["2024-03-05T14:07:09.045Z", ["INT64", TIMESTAMP_NAME, new Date(Date.UTC(2024, 2, 5, 14, 7, 9, 45))]],
  ])("parses %p", (text, expected) => {
    expect(shape(text)).toEqual(expected);
  });

  test("keeps an integer beyond a long as a Decimal", () => {
    const { schema, value } = parseString("12345678901234567890");
    expect(schema?.name).toBe(DECIMAL_NAME);
    expect(value).toEqual(BigDecimal.parse("12345678901234567890"));
  });

  test("types array elements with their common schema", () => {
    expect(parseString("[1, 2.5]").schema?.valueSchema?.type).toBe("FLOAT32");
    expect(parseString("[1, 300]").schema?.valueSchema?.type).toBe("INT16");
  });
});

describe("Values conversions", () => {
  test.each<[unknown, number | bigint]>([
    ["42", 42],
    ["12.7", 12],
    [-3.9, -3],
    [9223372036854775807n, 9223372036854775807n],
  ])("asLong(%p) is %p", (input, expected) => {
    expect(asLong(input)).toBe(expected);
  });

  test("asLong rejects text that is not a number", () => {
    expectError(() => asLong("foo"), DataError, "Unable to convert foo (class java.lang.String) to a number");
  });

  test("asDouble reads decimals", () => {
    expect(asDouble("123.5")).toBe(123.5);
  });

  test.each<[number, string]>([
    [3_600_000, "01:00:00.000Z"],
    [86_400_000, "1970-01-02"],
    [86_400_001, "1970-01-02T00:00:00.001Z"],
  ])("dateFormatFor(%p) writes %p", (ms, expected) => {
    const date = new Date(ms);
    expect(dateFormatFor(date).format(date)).toBe(expected);
  });
});
