/**
 * Bodies as Jackson's ByteSourceJsonBootstrapper reads them (explore9 F5): a control character where
 * white space may be, UTF-32 detected by its zero bytes, and the columns of a UTF-16/32 body counted
 * in characters. The whole requests Connect 4.3.1 answered are in
 * test/fixtures/connect-rest/explore9-recordings.json; the malformed UTF-32 and UCS-4 answers are
 * jackson-core 2.21.7's (`new ObjectMapper().readValue(new ByteArrayInputStream(bytes), Object.class)`
 * with FAIL_ON_TRAILING_TOKENS, JDK 17).
 */
import { describe, expect, spyOn, test } from "bun:test";
import { bindStringMap } from "./bind.ts";
import { bindBody } from "./bind-body.ts";
import * as encoding from "./json-encoding.ts";

const AT = (column: number, line = 1) =>
  `\n at [Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: ${line}, column: ${column}]`;
const ILLEGAL = (code: number) =>
  `Illegal character ((CTRL-CHAR, code ${code})): only regular white space (\\r, \\n, \\t) is allowed between tokens`;

function bound(bytes: Uint8Array): string {
  try {
    return JSON.stringify(bindBody(bytes, bindStringMap, "java.util.Map"));
  } catch (error) {
    return (error as Error).message;
  }
}
const utf8 = (s: string) => new TextEncoder().encode(s);

function utf32(text: string, bigEndian: boolean): Uint8Array {
  const points = [...text].map((c) => c.codePointAt(0)!);
  const out = new DataView(new ArrayBuffer(points.length * 4));
  for (const [i, p] of points.entries()) out.setUint32(i * 4, p, !bigEndian);
  return new Uint8Array(out.buffer);
}

const hex = (s: string) => new Uint8Array(Buffer.from(s.replaceAll(" ", ""), "hex"));
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const INVALID_UNIT = hex("00110000");
const TRUNCATED = hex("0000");
/** `{"a":"b"`, `spaces` spaces and a `]` (Jackson's close-marker error, at column spaces + 9), a space, then `tail`, in UTF-32BE. */
const closeMarkerThen = (spaces: number, tail: Uint8Array) =>
  concat(utf32(`{"a":"b"${" ".repeat(spaces)}] `, true), tail);
const CLOSE_MARKER = (column: number) =>
  `Unexpected close marker ']': expected '}' (for Object starting at [Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: 1, column: 1])${AT(column)}`;
const TRUNCATED_AT = (chars: number, bytes: number) =>
  `Unexpected EOF in the middle of a 4-byte UTF-32 char: got 2, needed 4, at char #${chars}, byte #${bytes})`;

describe("bodies read as Jackson reads them", () => {
  test.each([
    ["\x1f{}", `${ILLEGAL(31)}${AT(2)}`],
    [" \x01", `${ILLEGAL(1)}${AT(3)}`],
    ["\n\x1f", `${ILLEGAL(31)}${AT(2, 2)}`],
    ['{"a":\x1f"b"}', `${ILLEGAL(31)}${AT(7)}`],
    ['{"a":"b"\x0b}', `${ILLEGAL(11)}${AT(10)}`],
  ])("a control character where white space may be: %j", (body, message) => {
    expect(bound(utf8(body))).toBe(message);
  });

  test("UTF-32 with and without a BOM, both byte orders", () => {
    for (const bigEndian of [true, false]) {
      const body = utf32('{"a":"ü😀"}', bigEndian);
      expect(bound(body)).toBe('{"a":"ü😀"}');
      expect(bound(new Uint8Array([...utf32("\ufeff", bigEndian), ...body]))).toBe('{"a":"ü😀"}');
    }
  });

  test("three zero bytes then a brace is UTF-32: the object is not closed", () => {
    expect(bound(new Uint8Array([0, 0, 0, 0x7b]))).toBe(
      `Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: 1, column: 1])${AT(2)}`,
    );
  });

  test("a UTF-16 body's columns count characters: U+FFFD for an odd last byte, two units for U+1F600", () => {
    expect(bound(new Uint8Array([0, 0x7b, 0x7d]))).toBe(
      `Unexpected character ('\ufffd' (code 65533 / 0xfffd)): was expecting double-quote to start field name${AT(2)}`,
    );
    const body = new Uint8Array(Buffer.from('{"a":"😀",x}', "utf16le"));
    expect(bound(body)).toBe(
      `Unexpected character ('x' (code 120)): was expecting double-quote to start field name${AT(11)}`,
    );
    // The same body in UTF-8: columns count bytes.
    expect(bound(utf8('{"a":"😀",x}'))).toBe(
      `Unexpected character ('x' (code 120)): was expecting double-quote to start field name${AT(13)}`,
    );
  });

  describe("UTF-32 that Jackson's UTF32Reader refuses (regression: review of connectfix P2)", () => {
    test.each([
      ["a value above U+10FFFF, minus 0x10000 as Jackson prints it", hex("0000007b 00110000"), "0x100000", 1, 7],
      ["0xffffffff, printed unsigned", hex("0000007b ffffffff"), "0xfffeffff", 1, 7],
      ["after a BOM, whose bytes count", hex("0000feff 0000007b 00110000"), "0x100000", 1, 11],
      ["little-endian", hex("7b000000 00001100"), "0x100000", 1, 7],
      [
        "a string with a bad escape before it, in the same read buffer",
        concat(utf32('{"a":"\\q"}', true), INVALID_UNIT),
        "0x100000",
        10,
        43,
      ],
      ["a close marker before it, in the same read buffer", closeMarkerThen(100, INVALID_UNIT), "0x100000", 110, 443],
      [
        "a close marker before it, both in the second read buffer",
        closeMarkerThen(3000, INVALID_UNIT),
        "0x100000",
        3010,
        12043,
      ],
    ])("%s", (_, body, value, chars, bytes) => {
      expect(bound(body)).toBe(
        `Invalid UTF-32 character ${value} (above 0x0010ffff) at char #${chars}, byte #${bytes})`,
      );
    });

    test.each([
      [
        "a close marker in the read buffer before the invalid value's",
        closeMarkerThen(1990, INVALID_UNIT),
        CLOSE_MARKER(1999),
      ],
      [
        "a close marker before a truncated last unit",
        hex("0000005d 0000"),
        `Unexpected close marker ']': no open Array to close${AT(1)}`,
      ],
      ["a control character as the last whole unit", concat(utf32("{\x01", true), TRUNCATED), `${ILLEGAL(1)}${AT(3)}`],
      [
        "a bad escape as the last whole unit",
        concat(utf32('{"a":"\\q', true), TRUNCATED),
        `Unrecognized character escape 'q' (code 113)${AT(8)}`,
      ],
      [
        "an object, then a truncated unit where a trailing token may be",
        hex("0000007b 0000007d 0000"),
        TRUNCATED_AT(2, 10),
      ],
      ["a number that may go on", concat(utf32('{"a":1', true), TRUNCATED), TRUNCATED_AT(6, 26)],
      ["a word that may go on", concat(utf32("tru", true), TRUNCATED), TRUNCATED_AT(3, 14)],
      ["an escape that may go on", concat(utf32('{"a":"\\u004', true), TRUNCATED), TRUNCATED_AT(11, 46)],
      ["a plus sign", concat(utf32("+", true), TRUNCATED), TRUNCATED_AT(1, 6)],
      ["an open object, little-endian", hex("7b000000 0000"), TRUNCATED_AT(1, 6)],
    ])("what the parser reads before the reader's error is parsed first: %s", (_, body, message) => {
      expect(bound(body)).toBe(message);
    });
  });

  test.each([
    ["00 7b 00 00", "3412"],
    ["00 00 7b 00", "2143"],
    ["00 00 ff fe 00 00 00 7b", "2143"],
    ["fe ff 00 00 00 00 00 7b", "3412"],
  ])("the odd UCS-4 byte orders are refused: %s", (bytes, order) => {
    expect(bound(hex(bytes))).toBe(`Unsupported UCS-4 endianness (${order}) detected`);
  });

  test.each([
    ["big-endian", "feff feff 007b 007d"],
    ["little-endian", "fffe fffe 7b00 7d00"],
  ])("a second UTF-16 BOM is a character, which no value starts with (%s)", (_, bytes) => {
    expect(bound(hex(bytes))).toBe(
      `Unexpected character ('\ufeff' (code 65279 / 0xfeff)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')${AT(1)}`,
    );
  });

  test.each([
    [
      "éa",
      `Unrecognized token 'éa': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')${AT(1)}`,
    ],
    ['{"a":"b"é}', `Unexpected character ('é' (code 233)): was expecting comma to separate Object entries${AT(9)}`],
  ])(
    "a UTF-16 body's non-ASCII character is named as Jackson's char parser reads it, not by its UTF-8 lead byte: %j",
    (text, message) => {
      expect(bound(new Uint8Array(Buffer.from(text, "utf16le")))).toBe(message);
    },
  );

  test("a one-line UTF-16 body counts character columns only for a message, so parsing stays linear (regression: review of connectfix P1)", () => {
    const entries = Object.fromEntries(Array.from({ length: 32_000 }, (_, i) => [`k${i}`, "v"]));
    const text = JSON.stringify(entries);
    const columns = spyOn(encoding, "charColumn");
    try {
      expect(bound(new Uint8Array(Buffer.from(text, "utf16le")))).toBe(text);
      expect(columns).not.toHaveBeenCalled();
      const broken = `${text.slice(0, -1)},x}`;
      expect(bound(new Uint8Array(Buffer.from(broken, "utf16le")))).toBe(
        `Unexpected character ('x' (code 120)): was expecting double-quote to start field name${AT(broken.length - 1)}`,
      );
      expect(columns).toHaveBeenCalledTimes(1);
    } finally {
      columns.mockRestore();
    }
  });
});
