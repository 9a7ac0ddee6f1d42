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

describe("which bodies are read a second time", () => {
  test("only those with a digit run of 16, an exponent or a fraction ending in 0", () => {
    for (const lossy of ["1234567890123456", "1e3", "2E-1", "1.50", "2.0", "0.10"])
      expect(exactReading(`{"v":${lossy}}`)).toBeDefined();
    for (const plain of ["21.5", "1.05", "-3", "123456789012345"])
      expect(exactReading(`{"v":${plain}}`)).toBeUndefined();
  });
});
