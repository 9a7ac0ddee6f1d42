/**
 * REST Proxy JSON data reaches Kafka as sent (ingest fuzz, seed 20261202, turned into plain cases):
 * an integer beyond 2^53 in a v2 `json` record or a v3 `JSON` key or value was rounded by
 * JSON.parse (12345678901234567890 → 12345678901234567000: another key, another partition).
 */
import { describe, expect, test } from "bun:test";
import { JsonText } from "../api/data/json-text.ts";
import { exactReading } from "./exact-json-data.ts";
import { parseV2Body } from "./rest-proxy-v2.ts";
import { parseV3Batch, parseV3Records } from "./rest-proxy-v3.ts";
import { bytes, post, testSettings } from "./test-support.ts";

const T = 1_700_000_000_000;
const STRING = "org.apache.kafka.connect.storage.StringConverter";
const BIG = "12345678901234567890";
/** A key or value as the converter writes it: JsonText's text, a string as is. */
const reading = (text: string) => exactReading(text, JSON.parse(text));
const written = (v: unknown) => (v instanceof JsonText ? v.text : v);

describe("REST Proxy JSON data with numbers JSON.parse would change", () => {
  test("v2 json: keys and values keep every digit (JsonConverter and StringConverter routes)", () => {
    const body = bytes(`{"records":[{"key":${BIG},"value":{"ts":${BIG},"t":1.50,"e":1E3}},{"value":{"a":1}}]}`);
    for (const converters of [{}, { value: STRING, key: STRING }]) {
      const settings = testSettings({}, converters);
      const records = parseV2Body(settings, post(body, "application/vnd.kafka.json.v2+json"), body, T, "json", null);
      expect(records.map((r) => [written(r.key), written(r.value)])).toEqual([
        [BIG, `{"ts":${BIG},"t":1.50,"e":1E3}`],
        [null, '{"a":1}'],
      ]);
    }
  });

  test("v3 JSON keys and values, streamed and batched, keep every digit", () => {
    const settings = testSettings();
    const one = `{"key":{"type":"JSON","data":${BIG}},"value":{"type":"JSON","data":[${BIG},-${BIG}]}}`;
    const streamed = parseV3Records(settings, post(one, "application/json"), bytes(`${one}${one}`), T);
    expect(streamed.records.map((r) => [written(r.key), written(r.value)])).toEqual([
      [BIG, `[${BIG},-${BIG}]`],
      [BIG, `[${BIG},-${BIG}]`],
    ]);
    const batch = bytes(
      `{"entries":[{"id":"1","value":{"type":"STRING","data":"s"}},{"id":"2","value":{"type":"JSON","data":{"n":${BIG}}}}]}`,
    );
    const batched = parseV3Batch(settings, post(batch, "application/json"), batch, T);
    expect(batched.records.map((r) => written(r.value))).toEqual(["s", `{"n":${BIG}}`]);
  });

  test("a body without such numbers is read once, its data as parsed", () => {
    const body = bytes('{"records":[{"value":{"a":1,"s":"x"}}]}');
    const [record] = parseV2Body(
      testSettings(),
      post(body, "application/vnd.kafka.json.v2+json"),
      body,
      T,
      "json",
      null,
    );
    expect(record!.value).toEqual({ a: 1, s: "x" });
  });
});

describe("REST Proxy JSON data in the order sent (explore12 F2, F3)", () => {
  const v2 = (settings: ReturnType<typeof testSettings>, body: string) =>
    parseV2Body(settings, post(body, "application/vnd.kafka.json.v2+json"), bytes(body), T, "json", null);

  test("integer-like member names stay where sent, for JsonConverter and StringConverter routes", () => {
    const body = '{"records":[{"key":{"b":1,"10":2},"value":{"site":"s1","r":{"2":20.5,"1":21,"10":3}}}]}';
    for (const converters of [{}, { value: STRING, key: STRING }]) {
      const [record] = v2(testSettings({}, converters), body);
      expect([written(record!.key), written(record!.value)]).toEqual([
        '{"b":1,"10":2}',
        '{"site":"s1","r":{"2":20.5,"1":21,"10":3}}',
      ]);
    }
  });

  test("data with a number to keep is JsonConverter's bytes of the same data spelled plainly (Jackson's escapes)", () => {
    const [exact, plain] = ["1.50", "1.5"].map(
      (n) => v2(testSettings(), `{"records":[{"value":{"s":"😀","n":${n}}}]}`)[0]!,
    );
    expect(written(exact!.value)).toBe('{"s":"\\uD83D\\uDE00","n":1.50}');
    expect(plain!.value).toEqual({ s: "😀", n: 1.5 });
  });
});

describe("which bodies are read a second time", () => {
  test("only those with a digit run of 16, an exponent or a fraction ending in 0", () => {
    for (const lossy of ["1234567890123456", "1e3", "2E-1", "1.50", "2.0", "0.10"])
      expect(reading(`{"v":${lossy}}`)).toBeDefined();
    for (const plain of ["21.5", "1.05", "-3", "123456789012345"]) expect(reading(`{"v":${plain}}`)).toBeUndefined();
  });

  // Review 2026-12-02: digits split by the dot and tiny fractions were changed (read once), while
  // a UUID or an ISO time in a string (most device payloads) cost a second reading (2-3 µs a record).
  test("16 significant digits split by the dot, or a fraction below 1e-6, are read exactly", () => {
    for (const lossy of ["90071992.54740993", "12345678.9012345678", "1234567.0000000001", "0.0000001"]) {
      expect(reading(`{"v":[1, ${lossy} ]}`)).toBeDefined();
      const body = bytes(`{"value":{"type":"JSON","data":{"v":${lossy}}}}`);
      const parsed = parseV3Records(testSettings(), post(body, "application/json"), body, T);
      expect(written(parsed.records[0]!.value)).toBe(`{"v":${lossy}}`);
    }
  });

  test("those with an integer-like member name (JSON.parse enumerates it first)", () => {
    for (const text of ['{"a":1,"10":2}', '{"a":{"2024" : 1}}', '{"a":[{"2024"\n:1}]}', '{"\\u0031":1}'])
      expect(reading(text)).toBeDefined();
    // Only names JavaScript enumerates first: digits in values or strings, "01", "1a" or "" are read once.
    for (const text of ['{"a":"10","n":10,"t":"10:30"}', '["10"]', '{"a":"\\u0030"}', '{"01":1,"1a":2,"":3}'])
      expect(reading(text)).toBeUndefined();
  });

  test("what only looks so inside a string (a UUID's 0e, an ISO time's .120) is read once", () => {
    for (const plain of [
      "550e8400-e29b-41d4-a716-446655440000",
      "2026-12-02T10:00:00.120Z",
      "v1.0",
      "1e3x",
      "0.0000001s",
    ])
      expect(reading(`{"id":"${plain}","t":21.5}`)).toBeUndefined();
    expect(reading('{"id":"550e8400","t":1.50}')).toBeDefined();
    expect(reading("1.50")).toBeDefined();
  });
});
