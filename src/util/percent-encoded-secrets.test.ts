import { describe, expect, test } from "bun:test";
import { percentEncodedHiddenRanges, withRangesHidden } from "./percent-encoded-secrets.ts";

// A stand-in rule: hides each run of `s3…` up to `@`, `&` or the end, as `***`.
const rule = (decoded: string) => decoded.replace(/s3[^@&]*/g, () => "***");
const shown = (value: string) => withRangesHidden(value, percentEncodedHiddenRanges(value, rule));

describe("percentEncodedHiddenRanges", () => {
  test.each([
    ["https%3A%2F%2Fu%3As3cret%40h%2Fx", "https%3A%2F%2Fu%3A***%40h%2Fx"],
    ["a%26b%3Ds3%20cret%26c%3Ds3x", "a%26b%3D***%26c%3D***"],
    // Lower-case escapes; unencoded characters mapped one to one beside encoded ones.
    ["x%3as3cret%40y@z", "x%3a***%40y@z"],
    // `*` in the value is a character like any other, not a hidden part's mark.
    ["%2A%2A%3Ds3cret%26%2A", "%2A%2A%3D***%26%2A"],
  ])("%s → %s", (value, expected) => expect(shown(value)).toBe(expected));

  test.each(["plain-s3cret", "caf%C3%A9", "%00s3", "a%3Db"])(
    "%s: nothing hidden (no ASCII escape, or nothing in its decoding)",
    (value) => expect(percentEncodedHiddenRanges(value, rule)).toEqual([]),
  );

  test("an empty hidden part is marked where it was", () => {
    const empty = (decoded: string) => decoded.replace(/token=/g, () => "token=***");
    expect(withRangesHidden("a%3Ftoken%3D", percentEncodedHiddenRanges("a%3Ftoken%3D", empty))).toBe("a%3Ftoken%3D***");
  });

  test("a rule whose answer is no hiding of the decoding hides the whole value", () => {
    expect(percentEncodedHiddenRanges("a%3Db", () => "other")).toEqual([[0, 5]]);
  });
});
