import { describe, expect, test } from "bun:test";
import { charsetForName } from "./charset.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("charsetForName", () => {
  test.each([
    ["UTF-8", "aé", bytes(0x61, 0xc3, 0xa9)],
    ["utf8", "\ud800x", bytes(0x3f, 0x78)],
    ["US-ASCII", "aé😀", bytes(0x61, 0x3f, 0x3f)],
    ["ISO-8859-1", "aé€", bytes(0x61, 0xe9, 0x3f)],
    ["latin1", "é", bytes(0xe9)],
    ["UTF-16", "a", bytes(0xfe, 0xff, 0, 0x61)],
    ["UTF-16BE", "a", bytes(0, 0x61)],
    ["UTF-16LE", "a", bytes(0x61, 0)],
  ])("%s encodes %p as Java does", (name, text, expected) => {
    expect(charsetForName(name).encode(text)).toEqual(expected);
  });

  test.each([
    ["UTF-8", bytes(0xef, 0xbb, 0xbf, 0x61, 0xff), "\ufeffa\ufffd"],
    ["US-ASCII", bytes(0x61, 0xe9), "a\ufffd"],
    ["ISO-8859-1", bytes(0x61, 0xe9, 0x80), "aé\u0080"],
    ["UTF-16", bytes(0xff, 0xfe, 0x61, 0), "a"],
    ["UTF-16", bytes(0, 0x61), "a"],
    ["UTF-16LE", bytes(0x61, 0), "a"],
    // JDK 17's answers: a surrogate encoded in UTF-8 is one malformed sequence, not one per byte.
    ["UTF-8", bytes(0xed, 0xa0, 0x80), "\ufffd"],
    ["UTF-8", bytes(0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80), "\ufffd\ufffd"],
    ["UTF-8", bytes(0xed, 0xa0, 0x41), "\ufffdA"],
    ["UTF-8", bytes(0xed, 0xa0), "\ufffd"],
    ["UTF-8", bytes(0xe0, 0x80, 0x80), "\ufffd\ufffd\ufffd"],
    ["UTF-8", bytes(0xed, 0x9f, 0xbf, 0xef, 0xbf, 0xbd), "\ud7ff\ufffd"],
    // A high surrogate and the unit after it, when that is no low surrogate, are one malformed unit.
    ["UTF-16", bytes(0xd8, 0, 0, 0x41), "\ufffd"],
    ["UTF-16", bytes(0xd8, 0, 0xd8, 0, 0xdc, 0), "\ufffd\ufffd"],
    ["UTF-16", bytes(0xd8, 0, 0xdc), "\ufffd"],
    ["UTF-16LE", bytes(0, 0xdc, 0x41, 0), "\ufffdA"],
    ["UTF-16BE", bytes(0, 0x41, 0), "A\ufffd"],
  ])("%s decodes %p as Java does", (name, input, expected) => {
    expect(charsetForName(name).decode(input)).toBe(expected);
  });

  test("names Java's canonical charset whatever alias was used", () => {
    expect(charsetForName("utf8").name).toBe("UTF-8");
    expect(charsetForName("Latin1").name).toBe("ISO-8859-1");
  });

  test("rejects an unknown charset like Kafka's serializers", () => {
    expect(() => charsetForName("EBCDIC-XYZ")).toThrow("Unsupported encoding EBCDIC-XYZ");
  });
});
