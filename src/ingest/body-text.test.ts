/**
 * Bytes a request sent reach Kafka as sent, or the request is refused (fuzz of the ingest listener,
 * seed 20261202, turned into plain cases): a raw body for a StringConverter route is read in its
 * Content-Type's charset, and bytes that are not text there are a 4xx, never written with U+FFFD
 * in their place; REST Proxy v2 JSON bodies that are not UTF-8 are 400; binary v2/v3 data for a
 * text converter that is not UTF-8 is refused; a UTF-8 request header (key, allow-listed header)
 * is written once encoded, not twice (Bun reads header bytes as ISO-8859-1 characters).
 */
import { describe, expect, test } from "bun:test";
import { bytesText, charsetOf, headerText, NotText, UnsupportedCharset } from "./body-text.ts";
import { IngestError } from "./ingest-error.ts";
import { parseNativeBody } from "./native-body.ts";
import { parseV2Body } from "./rest-proxy-v2.ts";
import { parseV3Records } from "./rest-proxy-v3.ts";
import { bytes, post, testSettings } from "./test-support.ts";

const T = 1_700_000_000_000;
const STRING = "org.apache.kafka.connect.storage.StringConverter";
const BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter";
/** A header value as Bun's server hands it over: each byte one ISO-8859-1 character. */
const onTheWire = (text: string) => Buffer.from(text, "utf8").toString("latin1");

function refusal(run: () => unknown): { status: number; message: string } | "accepted" {
  try {
    run();
    return "accepted";
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    return { status: error.status, message: error.message };
  }
}

describe("body text", () => {
  test("charset parameters, quoted or not, any case; none when absent", () => {
    expect(charsetOf("text/plain")).toBeNull();
    expect(charsetOf(null)).toBeNull();
    expect(charsetOf("text/plain; charset=ISO-8859-1")).toBe("ISO-8859-1");
    expect(charsetOf('text/plain;format=flowed; Charset="utf-16le"')).toBe("utf-16le");
    expect(charsetOf("text/plain; charset")).toBeNull();
  });

  test("strict reads: UTF-8 by default, Java's charsets by name, unknown ones refused", () => {
    expect(bytesText(Buffer.from("café"))).toBe("café");
    expect(() => bytesText(new Uint8Array([0x63, 0xe9]))).toThrow(NotText);
    expect(bytesText(new Uint8Array([0x63, 0xe9, 0x80]), "latin1")).toBe("cé\u0080");
    expect(() => bytesText(new Uint8Array([0x63, 0xe9]), "US-ASCII")).toThrow(NotText);
    expect(bytesText(Buffer.from("\ufeffhé", "utf16le"), "UTF-16")).toBe("hé");
    expect(bytesText(Buffer.from([0x00, 0x68]), "UTF-16")).toBe("h");
    expect(() => bytesText(new Uint8Array([0x00]), "UTF-16BE")).toThrow(NotText);
    expect(() => bytesText(bytes("x"), "koi8-r")).toThrow(UnsupportedCharset);
  });

  test("header text: UTF-8 bytes read as UTF-8, others as ISO-8859-1, ASCII as is", () => {
    expect(headerText("dev-1")).toBe("dev-1");
    expect(headerText(onTheWire("dév-€"))).toBe("dév-€");
    expect(headerText("d\u00e9v")).toBe("dév");
  });
});

describe("raw bodies for a StringConverter route", () => {
  const parse = (body: Uint8Array, type: string | null, value = STRING) =>
    parseNativeBody(testSettings({}, { value }), post(body, type), body, T);

  test("are read in their Content-Type's charset (was: ISO-8859-1 'café' written as 'caf\\uFFFD')", () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    expect(parse(latin1, "text/plain; charset=iso-8859-1")[0]!.value).toBe("café");
    expect(parse(Buffer.from("café"), "text/plain")[0]!.value).toBe("café");
    expect(parse(Buffer.from("\ufeffcafé", "utf16le"), "text/plain; charset=UTF-16")[0]!.value).toBe("café");
  });

  test("that are not text in that charset are 400, an unknown charset 415: nothing written altered", () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    expect(refusal(() => parse(latin1, "text/plain"))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/not valid UTF-8 text/),
    });
    expect(refusal(() => parse(new Uint8Array([0xff, 0xd8, 0xff]), "image/jpeg"))).toMatchObject({ status: 400 });
    expect(refusal(() => parse(latin1, null))).toMatchObject({ status: 400 });
    expect(refusal(() => parse(bytes("x"), "text/plain; charset=x-bogus"))).toMatchObject({
      status: 415,
      message: expect.stringMatching(/charset x-bogus is not supported/),
    });
  });

  test("ByteArrayConverter routes keep any bytes, whatever the charset says", () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff]);
    expect(parse(jpeg, "image/jpeg; charset=x-bogus", BYTES)[0]!.value).toEqual(jpeg);
  });
});

describe("REST Proxy bodies", () => {
  test("v2: a JSON body that is not UTF-8 is 400 (was written with U+FFFD for the byte)", () => {
    const body = Buffer.concat([Buffer.from('{"records":[{"value":"a'), Buffer.from([0xff]), Buffer.from('b"}]}')]);
    const settings = testSettings({}, { value: STRING });
    const request = post(body, "application/vnd.kafka.json.v2+json");
    expect(refusal(() => parseV2Body(settings, request, body, T, "json", null))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/not valid UTF-8/),
    });
  });

  test("v2 binary data for a text converter that is not UTF-8 is 422; UTF-8 data is its text", () => {
    const settings = testSettings({}, { value: STRING });
    const send = (data: string) => {
      const body = bytes(`{"records":[{"value":"${data}"}]}`);
      return parseV2Body(settings, post(body, "application/vnd.kafka.binary.v2+json"), body, T, "binary", null);
    };
    expect(refusal(() => send(Buffer.from([0x61, 0xff, 0x62]).toString("base64")))).toMatchObject({
      status: 422,
      message: expect.stringMatching(/records\[0\]\.value: the data is not valid UTF-8 text/),
    });
    expect(send(Buffer.from("dév").toString("base64"))[0]!.value).toBe("dév");
  });

  test("v3 BINARY data for a text converter that is not UTF-8 fails its record alone", () => {
    const settings = testSettings({}, { value: STRING });
    const body = bytes(
      `{"value":{"type":"BINARY","data":"${Buffer.from([0xff]).toString("base64")}"}}{"value":{"type":"STRING","data":"ok"}}`,
    );
    const parsed = parseV3Records(settings, post(body, "application/json"), body, T);
    expect(parsed.items[0]).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringMatching(/value data is not valid UTF-8 text/),
    });
    expect(parsed.records.map((r) => r.value)).toEqual(["ok"]);
  });
});

describe("request headers carried into records", () => {
  const parse = (config: Record<string, string>, headers: Record<string, string>, key?: string) =>
    parseNativeBody(
      testSettings(config, { value: BYTES, ...(key ? { key } : {}) }),
      post("x", "text/plain", headers),
      bytes("x"),
      T,
    )[0]!;

  test("a UTF-8 key header is the key sent (was 'dÃ©v': encoded twice)", () => {
    const header = { "ingest.key.source": "header" };
    expect(parse(header, { "X-Kafka-Key": onTheWire("dév") }, STRING).key).toBe("dév");
    expect(parse(header, { "X-Kafka-Key": onTheWire("dév") }, BYTES).key).toEqual(Buffer.from("dév"));
    // ISO-8859-1 bytes (not UTF-8): the key as sent for bytes, its ISO-8859-1 reading for text.
    expect(parse(header, { "X-Kafka-Key": "d\u00e9v" }, BYTES).key).toEqual(Buffer.from([0x64, 0xe9, 0x76]));
    expect(parse(header, { "X-Kafka-Key": "d\u00e9v" }, STRING).key).toBe("dév");
  });

  test("an allow-listed header: its UTF-8 text, or its ISO-8859-1 reading when it is not UTF-8", () => {
    const config = { "ingest.headers.allowlist": "X-Site:site" };
    expect(parse(config, { "X-Site": onTheWire("Zürich €") }).headers).toContainEqual(["site", "Zürich €"]);
    expect(parse(config, { "X-Site": "Z\u00fcrich" }).headers).toContainEqual(["site", "Zürich"]);
    expect(parse(config, { "X-Site": "plain" }).headers).toContainEqual(["site", "plain"]);
  });
});
