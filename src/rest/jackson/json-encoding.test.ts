/**
 * Bodies as Jackson's ByteSourceJsonBootstrapper reads them (explore9 F5): a control character where
 * white space may be, UTF-32 detected by its zero bytes, and the columns of a UTF-16/32 body counted
 * in characters. The whole requests Connect 4.3.1 answered are in
 * test/fixtures/connect-rest/explore9-recordings.json.
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
