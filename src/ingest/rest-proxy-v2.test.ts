/**
 * REST Proxy v2 produce bodies for the binary and json formats: the schema fields
 * (`key_schema`, `key_schema_id`, `value_schema`, `value_schema_id`) are read and ignored, as
 * REST Proxy's ProduceToTopicAction/ProduceToPartitionAction hand binary and json requests to
 * `produceWithoutSchema` (the answer's schema ids are null).
 */
import { describe, expect, test } from "bun:test";
import { parseV2Body } from "./rest-proxy-v2.ts";
import { bytes, post, testSettings } from "./test-support.ts";

const SCHEMAS = '"key_schema":"\\"string\\"","key_schema_id":1,"value_schema":null,"value_schema_id":7';

describe("REST Proxy v2 schema fields with the binary and json formats", () => {
  test("binary: ignored, the records are written", () => {
    const body = `{"records":[{"key":"AQ==","value":"AQI="}],${SCHEMAS}}`;
    const records = parseV2Body(
      testSettings(),
      post(body, "application/vnd.kafka.binary.v2+json"),
      bytes(body),
      0,
      "binary",
      null,
    );
    expect(records).toHaveLength(1);
    expect([...(records[0]!.value as Uint8Array)]).toEqual([1, 2]);
  });

  test("json: ignored, the records are written", () => {
    const body = `{"records":[{"value":{"t":1}},{"value":2}],${SCHEMAS}}`;
    const records = parseV2Body(
      testSettings(),
      post(body, "application/vnd.kafka.json.v2+json"),
      bytes(body),
      0,
      "json",
      null,
    );
    expect(records).toHaveLength(2);
  });
});

describe("REST Proxy v2 bodies of the wrong shape", () => {
  const parse = (body: string) => () =>
    parseV2Body(testSettings(), post(body, "application/vnd.kafka.json.v2+json"), bytes(body), 0, "json", null);

  test("a body without records says the field is missing, not valibot's `received undefined`", () => {
    expect(parse('{"recs":[{"value":1}]}')).toThrow("records: Required field is missing");
  });

  test("records of another type say what was expected and what came", () => {
    expect(parse('{"records":"x"}')).toThrow('records: Invalid type: Expected Array but received "x"');
  });
});
