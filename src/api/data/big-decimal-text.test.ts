import { describe, expect, test } from "bun:test";
import type { RecordedCase } from "../../../test/fixtures/java-values/compare.ts";
import { DataError } from "../../errors.ts";
import { bigDecimalFormatError, isBigDecimalText } from "./big-decimal-text.ts";
import { BigDecimal } from "./logical.ts";

const recorded = (await Bun.file(
  new URL("../../../test/fixtures/java-values/fixtures.json", import.meta.url),
).json()) as RecordedCase[];
const corpus = recorded.flatMap((c) => (c.in === undefined ? [] : [c.in, c.in.trim()]));

/**
 * What Java's `new BigDecimal(text)` made of each recorded text: `long` is Values.convertToLong of
 * the text, that BigDecimal's longValue() or the DataException its NumberFormatException caused; where
 * Values.parseString of the text gave a Decimal, `parse` holds that BigDecimal's unscaled value and scale.
 */
const javaReadings = recorded.flatMap((c) => {
  if (c.in === undefined) return [];
  if (typeof c.long !== "string") return [{ text: c.in, long: "refused", decimal: undefined }];
  const value = (c.parse as { value?: unknown }).value;
  const decimal = typeof value === "string" && value.startsWith("dec:") ? value : undefined;
  return [{ text: c.in, long: c.long, decimal }];
});

/** What BigDecimal.parse makes of `text`: its value's parts, or the class of what it threw. */
function parsed(text: string): string {
  try {
    const d = BigDecimal.parse(text);
    return `${d.unscaled}e${-d.scale}`;
  } catch (error) {
    return error instanceof DataError ? "refused" : String(error);
  }
}

describe("BigDecimal's text", () => {
  const edges = [
    ...[".", "5.", ".5", "+.5e+0", "-0", "1e0000000000005", "1e00000000000", "١e٣", "１２.５", "e5", "1e", "1e+"],
    ...["1e2147483647", "1e-2147483647", "0.1e-2147483647", "1e-2147483648", "1e99999999999", "𝟏", "1\uD800", "1 "],
  ];

  // BigDecimal.parse splits an accepted text with its own pattern: each must match it.
  test.each([...new Set([...edges, ...corpus])])(
    "%p: every text bigDecimalFormatError accepts reaches BigDecimal.parse's pattern and gives a value",
    (text) => {
      if (bigDecimalFormatError(text) === undefined) expect(parsed(text)).toMatch(/^-?\d+e-?\d+$/);
      else expect(parsed(text)).toBe("refused");
    },
  );

  test.each(javaReadings)("$text: read as Java's new BigDecimal read it (longValue: $long)", (java) => {
    let long = "refused";
    let decimal: string | undefined;
    try {
      const d = BigDecimal.parse(java.text);
      long = `i64:${d.longValue()}`;
      decimal = `dec:${d.unscaled}/${d.scale}`;
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
    }
    expect(long).toBe(java.long);
    if (java.decimal !== undefined) expect(decimal).toBe(java.decimal);
    expect(isBigDecimalText(java.text)).toBe(java.long !== "refused");
  });

  test.each([
    ["١e٣", "1e3"],
    ["１２.５", "125e-1"],
    ["+.5e+0", "5e-1"],
    ["-0", "0e0"],
    ["1e0000000000005", "1e5"],
  ])("%p reads as %p", (text, value) => {
    expect(parsed(text)).toBe(value);
  });
});
