import { describe, expect, test } from "bun:test";
import { javaToString } from "./java-text.ts";

describe("javaToString of a Date (FileStreamSink's line, a Struct's toString)", () => {
  // What a real Connect 4.3.1 FileStreamSink wrote for these values (test/fixtures/runtime, "dates").
  test.each([
    [new Date(1_700_000_000_123), "Tue Nov 14 22:13:20 UTC 2023"],
    [new Date(-62_135_769_600_000), "Sat Jan 01 00:00:00 UTC 1"],
    [[new Date(-12_219_292_800_001)], "[Thu Oct 04 23:59:59 UTC 1582]"],
  ])("prints %p as java.util.Date.toString() does", (value, expected) => {
    expect(javaToString(value)).toBe(expected);
  });
});
