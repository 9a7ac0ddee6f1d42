/**
 * JSON bodies in UTF-8, UTF-16 and UTF-32 read as Jackson reads them (REST Proxy's bodies). The
 * answers were recorded from jackson-core 2.21.7 / jackson-databind 2.21.2
 * (`new ObjectMapper().readTree(bytes)`), for `{"a":"é"}` in each encoding with and without a byte
 * order mark, the UCS-4 byte orders Jackson refuses, and short bodies.
 */
import { describe, expect, test } from "bun:test";
import { jacksonBodyText, jsonBodyText } from "./json-body-text.ts";

const refuse = (encoding: string) => new Error(`not ${encoding}`);
const hex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const DOC = '{"a":"é"}';
const LE16 = Buffer.from(DOC, "utf16le").toString("hex");
const BE16 = Buffer.from(Buffer.from(DOC, "utf16le").swap16()).toString("hex");
const LE32 = [...DOC].map((c) => Buffer.from([c.charCodeAt(0), 0, 0, 0]).toString("hex")).join("");
const BE32 = [...DOC].map((c) => Buffer.from([0, 0, 0, c.charCodeAt(0)]).toString("hex")).join("");

/** Jackson's answers: the parsed document, or its refusal. */
const RECORDED: [string, string, string | "refused"][] = [
  ["UTF-16LE", LE16, DOC],
  ["UTF-16LE with a byte order mark", `fffe${LE16}`, DOC],
  ["UTF-16BE", BE16, DOC],
  ["UTF-16BE with a byte order mark", `feff${BE16}`, DOC],
  ["UTF-32LE", LE32, DOC],
  ["UTF-32LE with a byte order mark", `fffe0000${LE32}`, DOC],
  ["UTF-32BE", BE32, DOC],
  ["UTF-32BE with a byte order mark", `0000feff${BE32}`, DOC],
  ["UTF-8 with a byte order mark", "efbbbf7b7d", "{}"],
  ["UCS-4 2143 byte order mark", "0000fffe7b7d", "refused"],
  ["UCS-4 3412", "007b0000", "refused"],
  ["UCS-4 2143", "00007b00", "refused"],
  ["two bytes, UTF-16LE", "3100", "1"],
  ["two bytes, UTF-16BE", "0031", "1"],
  ["one byte", "31", "1"],
  ["a lone surrogate in UTF-16LE", "7b0022d8", "refused"],
];

describe("jacksonBodyText", () => {
  test.each(RECORDED)("%s: as Jackson", (_what, body, jackson) => {
    let text: string | "refused";
    try {
      text = jacksonBodyText(hex(body), refuse).text;
    } catch {
      text = "refused";
    }
    expect(text).toBe(jackson);
  });

  test("only a UTF-8 body without a byte order mark is its own text's bytes", () => {
    expect(jacksonBodyText(Buffer.from(DOC), refuse).utf8).toBe(true);
    for (const body of [`efbbbf${Buffer.from(DOC).toString("hex")}`, LE16, BE32])
      expect(jacksonBodyText(hex(body), refuse).utf8).toBe(false);
  });

  test("UTF-32 that is no Unicode text (above U+10FFFF, a surrogate, a cut unit) is refused", () => {
    for (const body of ["0000007b00110000", "0000007b0000d800", "0000007b000000"])
      expect(() => jacksonBodyText(hex(body), refuse)).toThrow("not UTF-32BE");
  });
});

describe("jsonBodyText (the connector's own path)", () => {
  test("a charset parameter wins over the bytes; none: as Jackson", () => {
    expect(jsonBodyText(Buffer.from(DOC, "latin1"), "ISO-8859-1", refuse)).toEqual({ text: DOC, utf8: false });
    expect(jsonBodyText(hex(`fffe${LE16}`), "UTF-16", refuse).text).toBe(DOC);
    expect(jsonBodyText(hex(LE32), "utf-32le", refuse).text).toBe(DOC);
    expect(jsonBodyText(hex(`0000feff${BE32}`), "UTF-32", refuse).text).toBe(DOC);
    expect(jsonBodyText(hex(LE16), null, refuse).text).toBe(DOC);
  });

  test("charset=utf-8 keeps the body's bytes; a byte order mark is dropped; bytes not in the charset are refused", () => {
    expect(jsonBodyText(Buffer.from(DOC), "utf-8", refuse)).toEqual({ text: DOC, utf8: true });
    expect(jsonBodyText(hex("efbbbf7b7d"), "UTF-8", refuse)).toEqual({ text: "{}", utf8: false });
    expect(() => jsonBodyText(hex(LE16), "UTF-8", refuse)).toThrow("not UTF-8");
    expect(() => jsonBodyText(hex("7b00"), "utf-32le", refuse)).toThrow("not UTF-32LE");
  });
});
