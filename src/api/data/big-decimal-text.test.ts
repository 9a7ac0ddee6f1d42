import { describe, expect, test } from "bun:test";
import type { RecordedCase } from "../../../test/fixtures/java-values/compare.ts";
import { DataError } from "../../errors.ts";
import { bigDecimalFormatError, isBigDecimalText } from "./big-decimal-text.ts";
import { BigDecimal } from "./logical.ts";

const corpus = (
  (await Bun.file(
    new URL("../../../test/fixtures/java-values/fixtures.json", import.meta.url),
  ).json()) as RecordedCase[]
).flatMap((c) => (c.in === undefined ? [] : [c.in, c.in.trim()]));

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

  test.each([...new Set([...edges, ...corpus])])(
    "%p: BigDecimal.parse refuses it exactly when bigDecimalFormatError names an exception",
    (text) => {
      const refused = bigDecimalFormatError(text) !== undefined;
      expect(isBigDecimalText(text)).toBe(!refused);
      if (refused) expect(parsed(text)).toBe("refused");
      else expect(parsed(text)).toMatch(/^-?\d+e-?\d+$/);
    },
  );

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
