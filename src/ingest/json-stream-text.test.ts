import { describe, expect, test } from "bun:test";
import { jacksonBodyText } from "./json-body-text.ts";
import { JsonStreamText, StreamNotText } from "./json-stream-text.ts";

function utf32(text: string, littleEndian: boolean, bom: boolean): Uint8Array {
  const points = [...(bom ? "\ufeff" : ""), ...text].map((c) => c.codePointAt(0)!);
  const out = new Uint8Array(points.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < points.length; i++) view.setUint32(i * 4, points[i]!, littleEndian);
  return out;
}

function utf16(text: string, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) view.setUint16(i * 2, text.charCodeAt(i), littleEndian);
  return out;
}

/** `body` pushed in pieces of `size` bytes, then ended: the text read. */
function streamed(body: Uint8Array, size: number): string {
  const reader = new JsonStreamText();
  let text = "";
  for (let at = 0; at < body.length; at += size) text += reader.push(body.subarray(at, at + size));
  return text + reader.end();
}

const notText = (encoding: string) => new Error(encoding);
const TEXT = '{"value":{"type":"STRING","data":"é😀"}}';

describe("JsonStreamText", () => {
  const bodies: [string, Uint8Array][] = [
    ["UTF-8", new TextEncoder().encode(TEXT)],
    ["UTF-8 with a byte order mark", new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(TEXT)])],
    ["UTF-16LE", utf16(TEXT, true)],
    ["UTF-16BE with a byte order mark", new Uint8Array([0xfe, 0xff, ...utf16(TEXT, false)])],
    ["UTF-32LE", utf32(TEXT, true, false)],
    ["UTF-32BE with a byte order mark", utf32(TEXT, false, true)],
  ];
  test.each(bodies.flatMap(([name, body]) => [1, 3, 5, body.length].map((size) => [name, body, size] as const)))(
    "reads %s in pieces of %p bytes as the whole-body read does",
    (_name, body, size) => {
      expect(streamed(body, size)).toBe(jacksonBodyText(body, notText).text);
      expect(streamed(body, size)).toBe(TEXT);
    },
  );

  test("bytes that are not text in the body's encoding are refused, naming it", () => {
    const reader = new JsonStreamText();
    expect(reader.push(new TextEncoder().encode('{"a":'))).toBe('{"a":');
    expect(() => reader.push(new Uint8Array([0xff, 0xfe, 0x22]))).toThrow(new StreamNotText("UTF-8"));
  });

  test("a character cut off at the end is refused", () => {
    const reader = new JsonStreamText();
    reader.push(new TextEncoder().encode('{"a":"é').subarray(0, 7));
    expect(() => reader.end()).toThrow(StreamNotText);
  });

  test("a body shorter than the detection's four bytes is read at its end", () => {
    const reader = new JsonStreamText();
    expect(reader.push(new TextEncoder().encode("12"))).toBe("");
    expect(reader.end()).toBe("12");
  });
});
