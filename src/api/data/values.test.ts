import { describe, expect, spyOn, test } from "bun:test";
import { buildSchema, buildValue, isError, loadValuesFixtures } from "../../converters/golden-fixtures.ts";
import { JavaDouble } from "./java-double.ts";
import { BigDecimal, ConnectDate, ConnectTimestamp, Decimal } from "./logical.ts";
import { SchemaBuilder, Schemas, type SchemaType, schemaEquals, valueEquals } from "./schema.ts";
import { convertTo, convertToString, parseString, parseTokens } from "./values.ts";
import { formatDate } from "./values-format.ts";
import { ValuesTokenizer } from "./values-tokenizer.ts";

const fixtures = await loadValuesFixtures();

describe("Values.parseString against Apache", () => {
  test.each(fixtures.parse.map((c) => [c.input, c] as const))("%p", (input, c) => {
    if (isError(c.result)) throw new Error(`Apache failed on ${input}: ${c.result.error}`);
    const actual = parseString(input);
    const schema = buildSchema(c.result.schema);
    expect(schemaEquals(actual.schema, schema)).toBe(true);
    const expected = buildValue(schema, c.result.value);
    if (!valueEquals(actual.value, expected)) expect(actual.value).toEqual(expected);
    if (c.text !== undefined) expect(convertToString(actual.schema, actual.value)).toBe(c.text);
  });
});

function shape(text: string | null): [SchemaType | null, string | undefined, unknown] {
  const { schema, value } = parseString(text);
  return [schema?.type ?? null, schema?.name, value];
}

/** What the Apache fixtures leave open: a null input, and how INT64 values are held (number or bigint). */
describe("Values.parseString", () => {
  test.each<[string | null, [SchemaType | null, string | undefined, unknown]]>([
    [null, [null, undefined, null]],
    [" FALSE ", ["STRING", undefined, " FALSE "]],
    ["3000000000", ["INT64", undefined, 3000000000]],
    ["9223372036854775807", ["INT64", undefined, 9223372036854775807n]],
    ["[1, null]", ["STRING", undefined, "[1, null]"]],
  ])("parses %p", (text, expected) => {
    expect(shape(text)).toEqual(expected);
  });

  // A ten-byte header once made the parser compute 10^99999999 (38 s of the worker's one thread).
  test("a huge exponent is a Decimal, read without computing the power", () => {
    const { schema, value } = parseString("1e99999999");
    expect([schema?.name, schema?.parameters]).toEqual([Decimal.LOGICAL_NAME, { scale: "-99999999" }]);
    expect(value).toEqual(new BigDecimal(1n, -99999999));
  });

  // Dates before 1970-01-02 print as a time of day only; Java's Date keys are equal by their millis.
  test("map keys of dates before 1970-01-02 stay distinct", () => {
    const { value } = parseString("{1969-12-31:1,1969-12-30:2,1969-12-31:3}");
    expect([...(value as Map<Date, number>)].map(([k, v]) => [k.toISOString(), v])).toEqual([
      ["1969-12-31T00:00:00.000Z", 3],
      ["1969-12-30T00:00:00.000Z", 2],
    ]);
  });

  // The parser rewinds over the same tokens (literals, the look-ahead of times): rescanning them
  // made a 20,000-element header cost several scans of every token.
  test.each([
    ["[1,2,3]", 7],
    ['{2024-01-01:1,2024-01-02:[true,"a"]}', 15],
  ])("%p scans each of its %p tokens once", (text, tokens) => {
    const p = new ValuesTokenizer(text);
    parseTokens(p);
    expect(p.scans).toBe(tokens);
  });

  // Reading a digit string into a bigint costs more than linear time: a float's digits were read
  // twice (the BigDecimal, then the float rounded from the text), doubling a 1 MB header's cost.
  test.each([
    [`0.${"7".repeat(1000)}`, Schemas.FLOAT32, 1],
    [`${"7".repeat(500)}.${"7".repeat(500)}e-480`, Schemas.FLOAT32, 1],
    [`1.0000000596046447753906251${"0".repeat(1000)}`, Schemas.FLOAT32, 2],
  ])(
    "the digits of a long decimal are read into a bigint once (%#), twice at a float's halfway point",
    (text, schema, reads) => {
      const bigInt = spyOn(globalThis, "BigInt");
      try {
        expect(parseString(text).schema).toBe(schema);
        expect(bigInt.mock.calls.filter(([arg]) => typeof arg === "string" && arg.length > 900)).toHaveLength(reads);
      } finally {
        bigInt.mockRestore();
      }
    },
  );
});

describe("Values.convertToString against Apache", () => {
  test.each(fixtures.format.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const schema = buildSchema(c.schema);
    expect(convertToString(schema, buildValue(schema, c.value))).toBe(c.text ?? null);
  });
});

describe("Values.convertToString", () => {
  test.each([
    ["a schemaless whole number", null, 5, "5"],
    ["a schemaless fraction", null, 0.5, "0.5"],
    ["a bigint", Schemas.INT64, 2n ** 62n, "4611686018427387904"],
    ["a plain object", null, { a: [1, "x"] }, '{"a":[1,"x"]}'],
    ["a time before the epoch", null, new Date(-1), "23:59:59.999Z"],
  ])("writes %s", (_what, schema, value, text) => {
    expect(convertToString(schema, value)).toBe(text);
  });

  test("rejects a value Connect has no text for", () => {
    expect(() => convertToString(null, Symbol.iterator)).toThrow("Failed to serialize unexpected value type");
  });
});

describe("formatDate", () => {
  test.each<[number, string]>([
    [3_600_000, "01:00:00.000Z"],
    [86_400_000, "1970-01-02"],
    [86_400_001, "1970-01-02T00:00:00.001Z"],
    // Values.dateFormatFor: any instant before 1970-01-02 is written as a time of day.
    [-62_135_769_600_000, "00:00:00.000Z"],
  ])("formatDate(%p) writes %p", (ms, expected) => {
    const date = new Date(ms);
    expect(formatDate(date)).toBe(expected);
  });
});

describe("Values.parseString of a date before the Gregorian cutover of 1582", () => {
  test.each<[string, number]>([
    ["0001-01-01", -62_135_769_600_000],
    ["1582-10-10", -12_218_860_800_000],
    ["1500-02-29", -14_825_894_400_000],
    ["0001-01-01T00:00:00.000Z", -62_135_769_600_000],
  ])("Values.parseString(%p) reads the date as Java's lenient GregorianCalendar (%p)", (text, ms) => {
    expect((parseString(text).value as Date).getTime()).toBe(ms);
  });
});

describe("Values.convertTo", () => {
  test.each([
    ["a long to INT8 wraps", Schemas.INT8, null, 300, 44],
    ["a fraction to INT32 truncates", Schemas.INT32, null, -3.9, -3],
    ["a numeric string to INT64", Schemas.INT64, null, "12345678901234567890", -6101065172474983726n],
    ["a string to BOOLEAN", Schemas.BOOLEAN, null, "true", true],
    ["a number to BOOLEAN", Schemas.BOOLEAN, null, 0, false],
    ["a number to FLOAT32", Schemas.FLOAT32, null, 0.1, Math.fround(0.1)],
    [
      "a timestamp to a date",
      ConnectDate.schema(),
      ConnectTimestamp.schema(),
      new Date(86_400_000 + 5),
      new Date(86_400_000),
    ],
    [
      "a date to a timestamp",
      ConnectTimestamp.schema(),
      ConnectDate.schema(),
      new Date(86_400_000),
      new Date(86_400_000),
    ],
    ["a string to an array", SchemaBuilder.array(Schemas.INT8).build(), null, "[1,2]", [1, 2]],
  ])("converts %s", (_what, to, from, value, expected) => {
    expect(convertTo(to, from, value)).toEqual(expected);
  });

  test.each([
    [Schemas.INT8, null, "Unable to convert a null value to a schema that requires a value"],
    [Schemas.INT32, "abc", "Unable to convert abc (class java.lang.String) to a number"],
    // The value as Java prints it: a schemaless map or list, a Double (1.0E-7, 3.0).
    [Schemas.INT32, { a: new JavaDouble(2) }, "Unable to convert {a=2.0} (class java.util.HashMap) to a number"],
    [
      Schemas.INT64,
      [new JavaDouble(1), 1e-7],
      "Unable to convert [1.0, 1.0E-7] (class java.util.ArrayList) to a number",
    ],
    [Schemas.OPTIONAL_STRING, null, null],
    // Review runhunt2: beyond a JavaScript Date's ±8.64e15 ms (Java's Date takes any long).
    [
      ConnectTimestamp.schema(),
      9223372036854775807n,
      "Timestamp value 9223372036854775807 is out of the range of dates supported here",
    ],
    [ConnectDate.schema(), 2147483647, "Date value 2147483647 (days) is out of the range of dates supported here"],
  ])("to %s of %p", (to, value, message) => {
    if (message === null) expect(convertTo(to, null, value)).toBeNull();
    else expect(() => convertTo(to, null, value)).toThrow(message);
  });
});
