import { describe, expect, test } from "bun:test";
import { javaDigit } from "./java-digit.ts";

/** Every run of consecutive Nd units of the BMP, as [first unit, length]. */
function ndRuns(): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let code = 0; code <= 0x10000; code++) {
    const nd = code < 0x10000 && /\p{Nd}/u.test(String.fromCharCode(code));
    if (nd && start < 0) start = code;
    if (!nd && start >= 0) {
      runs.push([start, code - start]);
      start = -1;
    }
  }
  return runs;
}

describe("javaDigit", () => {
  // Checked equal, unit by unit over the BMP, to the regex walk it replaced (values-numbers.ts's
  // isJavaDigit and logical.ts's asciiDigits, at 250 ns a unit).
  test("every BMP decimal digit reads as its place in its 0-9 block; every other unit, a surrogate too, is -1", () => {
    const runs = ndRuns();
    expect(runs.every(([, length]) => length === 10)).toBe(true);
    const expected = new Array<number>(0x10000).fill(-1);
    for (const [first] of runs) for (let d = 0; d < 10; d++) expected[first + d] = d;
    const actual = Array.from({ length: 0x10000 }, (_, code) => javaDigit(code));
    expect(actual).toEqual(expected);
    // Asked again, from the table.
    expect([javaDigit(0x0660), javaDigit(0x0669), javaDigit(0xff15), javaDigit(0xd835)]).toEqual([0, 9, 5, -1]);
  });

  // Character.digit(int codePoint, 10) is another method: a char is one unit, so anything else is no digit.
  test.each([Number.NaN, -1, 0x10000, 0x1d7cf, 0x10ffff, 0x110000])("%p is no UTF-16 unit: -1", (code) => {
    expect(javaDigit(code)).toBe(-1);
  });
});
