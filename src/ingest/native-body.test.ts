import { describe, expect, spyOn, test } from "bun:test";
import { JavaDouble } from "../api/data/java-double.ts";
import { JsonText } from "../api/data/json-text.ts";
import { JsonConverter } from "../converters/json-converter.ts";
import { parseNativeBody } from "./native-body.ts";
import { bytes, post, testSettings } from "./test-support.ts";

const T = 1_700_000_000_000;
const keyConverter = new JsonConverter();
keyConverter.configure({ "schemas.enable": "false" }, true);

function parse(config: Record<string, string>, body: string, type: string | null, headers = {}, converters = {}) {
  const request = post(body, type, headers);
  return parseNativeBody(testSettings(config, converters), request, bytes(body), T);
}

describe("parseNativeBody", () => {
  test.each([
    ["auto", '{"t":1}', "application/json", [{ t: 1 }]],
    ["auto", '[{"t":1},{"t":2}]', "application/json", [{ t: 1 }, { t: 2 }]],
    ["single", '[{"t":1},{"t":2}]', "application/json", [[{ t: 1 }, { t: 2 }]]],
    ["batch", '[{"t":1},2]', "application/json; charset=utf-8", [{ t: 1 }, 2]],
    ["auto", '{"t":1}\n\n{"t":2}\r\n', "application/x-ndjson", [{ t: 1 }, { t: 2 }]],
    ["batch", '{"t":1}\n{"t":2}', "application/x-ndjson", [{ t: 1 }, { t: 2 }]],
  ] as const)("mode %s: %s as %s", (mode, body, type, values) => {
    const records = parse({ "ingest.mode": mode }, body, type);
    expect(records.every((r) => r.value instanceof JsonText)).toBe(true);
    expect(records.map((r) => (r.value as JsonText).value())).toEqual([...values] as unknown[]);
    expect(records.every((r) => r.timestamp === T && r.key === null && r.partition === null)).toBe(true);
  });

  test("JsonConverter routes get each element's exact text (no white space around it); a JSON null stays null", () => {
    const texts = (body: string, type: string) =>
      parse({}, body, type).map((r) => (r.value instanceof JsonText ? r.value.text : r.value));
    const long = '{"ts": 1700000000123456789, "v":[1.50, 1e3]}';
    expect(texts(` \n${long}\n`, "application/json")).toEqual([long]);
    expect(texts(`[ ${long} ,null, 12345678901234567890123 ]`, "application/json")).toEqual([
      long,
      null,
      "12345678901234567890123",
    ]);
    expect(texts(`  ${long}  \r\nnull\n`, "application/x-ndjson")).toEqual([long, null]);
    const [record] = parse({}, long, "application/json");
    expect((record!.value as JsonText).value()).toEqual({ ts: 1700000000123456789n, v: [1.5, new JavaDouble(1000)] });
  });

  test("a non-JSON body is one raw record carrying its content type", () => {
    const [record, ...rest] = parse({}, "hello", "text/plain; charset=utf-8");
    expect(rest).toEqual([]);
    expect(record!.value).toEqual(bytes("hello"));
    expect(record!.headers).toEqual([["content-type", "text/plain; charset=utf-8"]]);
  });

  test("String and ByteArray converters get each element's own text, no JSON round trip", () => {
    const body = '[ {"b":1.0,"a":2} , "x" ]';
    const asString = parse(
      {},
      body,
      "application/json",
      {},
      { value: "org.apache.kafka.connect.storage.StringConverter" },
    );
    expect(asString.map((r) => r.value)).toEqual(['{"b":1.0,"a":2}', '"x"']);
    const asBytes = parse({}, body, "application/json", {}, { value: "ByteArrayConverter" });
    expect(asBytes.map((r) => r.value)).toEqual([bytes('{"b":1.0,"a":2}'), bytes('"x"')]);
  });

  test("keys from a header or a JSONPath field; headers from the allow-list, static ones, content type and receive time", () => {
    const config = {
      "ingest.key.source": "field",
      "ingest.key.field": "$.device.id",
      "ingest.headers.allowlist": "X-Site,X-Fw:firmware",
      "ingest.headers.static": "source=gw1",
      "ingest.headers.content.type": "ct",
      "ingest.headers.receive.timestamp": "received",
    };
    const records = parse(config, '[{"device":{"id":"d1"}},{"device":{}}]', "application/json", {
      "X-Site": "s1",
      "X-Fw": "1.2",
      "X-Other": "no",
    });
    expect(records.map((r) => r.key)).toEqual(["d1", null]);
    expect(records[0]!.headers).toEqual([
      ["X-Site", "s1"],
      ["firmware", "1.2"],
      ["source", "gw1"],
      ["ct", "application/json"],
      ["received", String(T)],
    ]);
    const byHeader = parse({ "ingest.key.source": "header" }, "{}", "application/json", { "X-Kafka-Key": "k9" });
    expect(byHeader[0]!.key).toBe("k9");
  });

  test("a JSONPath key is the one sent: an id beyond 2^53 stays exact (was rounded: 1234567890123456789 → …6800, keys of two devices could meet)", () => {
    const body =
      '[{"id":1234567890123456789},{"id":1234567890123456790},{"id":{"a":98765432109876543210,"b":1.50}},{"id":1.50},{"id":7}]';
    const field = { "ingest.key.source": "field", "ingest.key.field": "$.id" };
    // JsonConverter: the key's exact text (written as is, as an untouched value); read exactly.
    const json = parse(field, body, "application/json").map((r) => r.key);
    expect(json.map((k) => (k instanceof JsonText ? k.text : k))).toEqual([
      "1234567890123456789",
      "1234567890123456790",
      '{"a":98765432109876543210,"b":1.50}',
      "1.50",
      7,
    ]);
    expect((json[0] as JsonText).value()).toBe(1234567890123456789n);
    const asString = parse(field, body, "application/json", {}, { key: "StringConverter" });
    expect(asString.map((r) => r.key)).toEqual([
      "1234567890123456789",
      "1234567890123456790",
      '{"a":98765432109876543210,"b":1.50}',
      "1.50",
      "7",
    ]);
  });

  test("a JSONPath key written with a fraction or exponent but a whole value stays a Double as sent (`3.0`, as JsonConverter and ValueToKey write it; was `3`)", () => {
    const body = '[{"id":3.0,"t":21.5},{"id":1e3},{"id":-0.0},{"id":3,"t":3.0},{"id":4,"t":2.5}]';
    const field = { "ingest.key.source": "field", "ingest.key.field": "$.id" };
    const json = parse(field, body, "application/json").map((r) => r.key);
    expect(json.map((k) => (k instanceof JsonText ? k.text : k))).toEqual(["3.0", "1e3", "-0.0", "3", 4]);
    expect((json[0] as JsonText).value()).toEqual(new JavaDouble(3));
    expect(json.map((k) => new TextDecoder().decode(keyConverter.fromConnectData("t", null, null, k)!))).toEqual([
      "3.0",
      "1e3",
      "-0.0",
      "3",
      "4",
    ]);
    const asString = parse(field, body, "application/json", {}, { key: "StringConverter" });
    expect(asString.map((r) => r.key)).toEqual(["3.0", "1e3", "-0.0", "3", "4"]);
  });

  test("an integer key is not looked for among a record's fractions (each read as a number per record before), a whole value of 16 digits around a point is", () => {
    const measurements = Array.from({ length: 50 }, (_, i) => `"m${i}":${i}.25`).join(",");
    const body = `[${Array.from({ length: 200 }, (_, i) => `{"id":${i},${measurements}}`).join(",")},{"id":9007199254740991.4}]`;
    const field = { "ingest.key.source": "field", "ingest.key.field": "$.id" };
    const exec = spyOn(RegExp.prototype, "exec");
    let keys: unknown[];
    try {
      keys = parse(field, body, "application/json").map((r) => r.key);
      // Before: a match per measurement of every record (10,000); now a few per record.
      expect(exec.mock.calls.length).toBeLessThan(1_000);
    } finally {
      exec.mockRestore();
    }
    expect(keys.slice(0, 3)).toEqual([0, 1, 2]);
    expect((keys[200] as JsonText).text).toBe("9007199254740991.4");
  });

  test.each([
    [{}, "{bad", "application/json", 400, "Malformed JSON in the request body"],
    [{}, "", "application/json", 400, "The request body is empty"],
    [{ "ingest.mode": "batch" }, "hi", "text/plain", 415, "This route takes batches"],
    [{ "ingest.mode": "batch" }, '{"a":1}', "application/json", 422, "the body must be a JSON array"],
    [{ "ingest.mode": "single" }, "{}\n{}", "application/x-ndjson", 415, "one document per request"],
    [{}, "[]", "application/json", 422, "holds no records"],
    [{}, '{"a":1}\nnope', "application/x-ndjson", 400, "Malformed JSON on NDJSON line 2"],
    [{ "ingest.max.records": "2" }, "[1,2,3]", "application/json", 422, "more than 2 records"],
    [{ "ingest.max.record.bytes": "5" }, '[1,"123456"]', "application/json", 413, "Record 1 is 8 bytes"],
  ] as const)("%p %s (%s) → %i", (config, body, type, status, message) => {
    try {
      parse(config, body, type);
      throw new Error("accepted");
    } catch (error) {
      expect(error).toMatchObject({ status });
      expect((error as Error).message).toContain(message);
    }
  });
});

describe("ingest.max.record.bytes of a single JSON document (auditingest F10)", () => {
  // Under a JSON converter the white space around the document is not written: it does not count,
  // as it does not around an array element or an NDJSON line. A raw converter writes the body as sent.
  test.each([
    [{}, "{}"],
    [{ "ingest.key.source": "field", "ingest.key.field": "$.k" }, "{}"],
  ])("%p: a document of the limit with white space around it is taken, its size the document's", (config) => {
    const doc = '{"k":"12345"}';
    const [record] = parse(
      { ...config, "ingest.max.record.bytes": String(doc.length) },
      `  ${doc}\n\n`,
      "application/json",
    );
    expect((record!.value as JsonText).text).toBe(doc);
    expect(record!.bytes).toBe(doc.length);
    expect(() =>
      parse({ ...config, "ingest.max.record.bytes": String(doc.length - 1) }, doc, "application/json"),
    ).toThrow(`Record 0 is ${doc.length} bytes`);
  });

  test("a ByteArrayConverter route writes, and counts, the body as sent", () => {
    const body = ' {"k":1} ';
    const config = { "ingest.max.record.bytes": String(body.length - 1) };
    expect(() => parse(config, body, "application/json", {}, { value: "ByteArrayConverter" })).toThrow(
      `Record 0 is ${body.length} bytes`,
    );
  });
});

describe("NDJSON blank lines (P3.12)", () => {
  test("are skipped in one pass, with no string made per blank line; line numbers count them", () => {
    const blanks = "\n \r\n\t\n".repeat(50_000);
    const trim = spyOn(String.prototype, "trim");
    const replace = spyOn(String.prototype, "replace");
    const split = spyOn(String.prototype, "split");
    try {
      const records = parse({}, `${blanks}{"a":1}\r\n${blanks} {"b":2} `, "application/x-ndjson");
      expect(records.map((r) => (r.value as JsonText).text)).toEqual(['{"a":1}', '{"b":2}']);
      // Before: a trim and a replace for each of the 300,000 lines, after a split into them all. Now
      // only the content type and the two records' texts are looked at.
      expect(trim.mock.calls.length).toBeLessThan(10);
      expect(split.mock.calls.length).toBeLessThan(10);
      expect(replace.mock.calls.length).toBe(0);
    } finally {
      trim.mockRestore();
      replace.mockRestore();
      split.mockRestore();
    }
    expect(() => parse({}, '\n\r\n{"a":1}\n  \n{bad\n', "application/x-ndjson")).toThrow(
      /^Malformed JSON on NDJSON line 5: /,
    );
    expect(() => parse({}, "\n \r\n\t\n", "application/x-ndjson")).toThrow("The NDJSON body holds no records");
  });
});
