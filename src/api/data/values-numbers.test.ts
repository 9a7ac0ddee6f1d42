import { describe, expect, test } from "bun:test";
import { DataError, type JavaException } from "../../errors.ts";
import { asLong, bigDecimalFormatError } from "./values-numbers.ts";

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

  test.each(["", "-", "1e", "1ex", "😀"])("%p has no cause modelled", (text) => {
    expect(causeOf(text)).toBeUndefined();
    expect(bigDecimalFormatError(text)).toBeUndefined();
  });

  test("a number parses", () => {
    expect(asLong("-12.9", null)).toBe(-12n);
  });
});
