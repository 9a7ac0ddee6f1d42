import { describe, expect, test } from "bun:test";
import { DataError, type JavaException } from "../../errors.ts";
import { thrownBy, traceHeadlines } from "../../errors-test-support.ts";
import { bigDecimalFormatError } from "./big-decimal-text.ts";
import { asLong } from "./values-numbers.ts";

function causeOf(text: string): { javaClass: string; message: string } | undefined {
  try {
    asLong(text, null);
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe(`Unable to convert ${text} (class java.lang.String) to a number`);
    const cause = (error as DataError).cause as JavaException | undefined;
    return cause && { javaClass: cause.javaClass, message: cause.message };
  }
  throw new Error(`asLong(${text}) did not throw`);
}

describe("asLong of a string that is no number", () => {
  // Recorded on Apache Kafka Connect 4.3.1: MaskField's replacements "**" and "1.2.3" for a number
  // (test/fixtures/runtime, cases hunt-mask and hunt-mask-dots) fail with these causes.
  test.each([
    ["**", 'Character * is neither a decimal digit number, decimal point, nor "e" notation exponential mark.'],
    ["-1x", 'Character x is neither a decimal digit number, decimal point, nor "e" notation exponential mark.'],
    ["1.2.3", "Character array contains more than one decimal point."],
  ])("%p carries Java's NumberFormatException as its cause", (text, message) => {
    expect(causeOf(text)).toEqual({ javaClass: "java.lang.NumberFormatException", message });
  });

  // Each message of new BigDecimal(text) is compared with Java's for every input of the number-error
  // category in src/api/data/values-java.test.ts; these name one of each.
  test.each([
    ["", ""],
    ["-", "No digits found."],
    ["1ex", "Not a digit."],
    ["1e99999999999", "Too many nonzero exponent digits."],
    ["1e-2147483648", "Exponent overflow."],
    ["😀", 'Character \uD83D is neither a decimal digit number, decimal point, nor "e" notation exponential mark.'],
    ["1234567890123456789 ", 'Character array is missing "e" notation exponential mark.'],
    // 18 UTF-16 units after the sign, an emoji counting 2 (checked on Java 25), and one more.
    [
      "1234567890123456😀",
      'Character \uD83D is neither a decimal digit number, decimal point, nor "e" notation exponential mark.',
    ],
    ["12345678901234567😀", 'Character array is missing "e" notation exponential mark.'],
    ["e2147483648", "No digits found."],
  ])("%p carries the NumberFormatException %p", (text, message) => {
    expect(causeOf(text)).toEqual({ javaClass: "java.lang.NumberFormatException", message });
  });

  test.each(["1", "-1.5e3", "١٢٣", "1e2147483648", "1234567890123456789e-5"])(
    "%p is a number to BigDecimal",
    (text) => {
      expect(bigDecimalFormatError(text)).toBeUndefined();
    },
  );

  test("a text read past its end shows Java's index error under a NumberFormatException without a message", () => {
    expect(traceHeadlines(thrownBy(() => asLong("1e+", null)))).toEqual([
      "org.apache.kafka.connect.errors.DataException: Unable to convert 1e+ (class java.lang.String) to a number",
      "Caused by: java.lang.NumberFormatException",
      "Caused by: java.lang.ArrayIndexOutOfBoundsException: Index 3 out of bounds for length 3",
    ]);
  });

  test("a number parses", () => {
    expect(asLong("-12.9", null)).toBe(-12n);
  });
});
