/**
 * REST Proxy's Integer body fields read as its Jackson reads them (review finding: a v2
 * `"value_schema_id":"7"` was refused; Jackson coerces a string holding an int). Each case is
 * replayed from test/fixtures/jackson-integer/integers.json, recorded with jackson-databind 2.21.2
 * (generate.sh), then through the v2 and v3 produce bodies.
 */
import { describe, expect, test } from "bun:test";
import fixture from "../../test/fixtures/jackson-integer/integers.json";
import { IngestError } from "./ingest-error.ts";
import { jacksonInteger } from "./jackson-integer.ts";
import { parseV2Body } from "./rest-proxy-v2.ts";
import { parseV3Records } from "./rest-proxy-v3.ts";
import { bytes, post, testSettings } from "./test-support.ts";

interface Case {
  readonly input: string;
  readonly value?: number | null;
  readonly error?: string;
}
const cases = (fixture as { cases: Case[] }).cases;

/** Jackson shows a number beyond int range as written; JSON.parse left only its value (1E400: Infinity). */
const asPrinted = (c: Case) => c.error!.replace(`(${c.input})`, `(${JSON.parse(c.input)})`);

describe("a JSON value bound to a java.lang.Integer, as Jackson 2.21.2 reads it", () => {
  test.each(cases.map((c) => [c.input, c] as const))("%s", (input, c) => {
    const read = jacksonInteger(JSON.parse(input));
    if (c.error === undefined) expect(read).toBe(c.value!);
    else expect(read).toBe(/^-?\d/.test(input) ? asPrinted(c) : c.error);
  });
});

function v2(body: string) {
  return parseV2Body(testSettings(), post(body, "application/json"), bytes(body), 0, "json", null);
}

function v2Refusal(body: string): [number, string] {
  try {
    v2(body);
  } catch (error) {
    if (error instanceof IngestError) return [error.status, error.message];
    throw error;
  }
  throw new Error("accepted");
}

describe("REST Proxy v2 and v3 bodies", () => {
  test("v2: schema ids given as strings are read (and ignored), as REST Proxy's Jackson coerces them", () => {
    expect(v2('{"records":[{"value":1}],"value_schema_id":"7","key_schema_id":" 3 "}')).toHaveLength(1);
    expect(v2('{"records":[{"value":1}],"value_schema_id":7.5,"key_schema_id":""}')).toHaveLength(1);
  });

  test("v2: a record's partition as a string or a float is that int", () => {
    const records = v2(
      '{"records":[{"value":1,"partition":"2"},{"value":2,"partition":1.9},{"value":3,"partition":""}]}',
    );
    expect(records.map((r) => r.partition)).toEqual([2, 1, null]);
  });

  test("v2: what Jackson refuses is a 422 with its message", () => {
    expect(v2Refusal('{"records":[{"value":1}],"value_schema_id":"x"}')).toEqual([
      422,
      'value_schema_id: Cannot deserialize value of type `java.lang.Integer` from String "x": not a valid `java.lang.Integer` value',
    ]);
    expect(v2Refusal('{"records":[{"value":1,"partition":true}]}')).toEqual([
      422,
      "records[0].partition: Cannot deserialize value of type `java.lang.Integer` from Boolean value (token `JsonToken.VALUE_TRUE`)",
    ]);
    expect(v2Refusal('{"records":[{"value":1,"partition":"7.0"}]}')[1]).toContain('from String "7.0"');
    expect(v2Refusal('{"records":[{"value":1,"partition":"-1"}]}')).toEqual([
      422,
      "records[0].partition: Invalid value: Expected >=0 but received -1",
    ]);
  });

  test("v3: partition_id as a string is that int; a schema_id as a string is a schema (refused without a registry)", () => {
    const body =
      '{"partition_id":"1","value":{"type":"STRING","data":"a"}} {"value":{"type":"STRING","data":"b","schema_id":"7"}} {"partition_id":"x","value":{"type":"STRING","data":"c"}}';
    const parsed = parseV3Records(testSettings(), post(body, "application/json"), bytes(body), 0);
    expect(parsed.records.map((r) => r.partition)).toEqual([1]);
    expect(parsed.items.map((i) => (i.ok ? "ok" : i.message))).toEqual([
      "ok",
      "Bad Request: value schemas need a schema registry, which this gateway does not use",
      'Bad Request: partition_id: Cannot deserialize value of type `java.lang.Integer` from String "x": not a valid `java.lang.Integer` value',
    ]);
  });
});
