import { expect, test } from "bun:test";
import { JsonText } from "../api/data/json-text.ts";
import { JsonConverter } from "../converters/json-converter.ts";
import { nativeKey, represent } from "./record-builder.ts";
import { post, testSettings } from "./test-support.ts";

test("a JSON object a device sent reaches JsonConverter as sent, in its order, nested objects too (not a HashMap's order)", () => {
  const converter = new JsonConverter();
  converter.configure({ "schemas.enable": "false" }, false);
  // "n" and "t" (and "b" and "a") iterate the other way round in a Java HashMap.
  const value = represent({ kind: "json", value: { n: 1, t: { b: 1, a: 2 } } }, "json");
  const bytes = converter.fromConnectData("t", null, null, value);
  expect(new TextDecoder().decode(bytes!)).toBe('{"n":1,"t":{"b":1,"a":2}}');
});

test("an ingest.key.field object keeps the order sent, integer-like names too, whatever its number spelling (explore12 F2, F3)", () => {
  const keyField = { "ingest.key.source": "field", "ingest.key.field": "$.loc" };
  const key = (body: string, converter?: string) => {
    const value = JSON.parse(body);
    const found = nativeKey(testSettings(keyField, { key: converter }), post(body, "application/json"), {
      kind: "json",
      value,
      text: body,
    });
    return found instanceof JsonText ? found.text : found;
  };
  const STRING = "org.apache.kafka.connect.storage.StringConverter";
  expect(key('{"loc":{"b":1,"a":2,"10":3},"v":1}', STRING)).toBe('{"b":1,"a":2,"10":3}');
  expect(key('{"loc":[{"b":1,"10":2}],"v":1}', STRING)).toBe('[{"b":1,"10":2}]');
  expect(key('{"loc":{"b":1.50,"a":2},"v":1}', STRING)).toBe('{"b":1.50,"a":2}');
  expect(key('{"loc":{"b":1,"a":2,"10":3},"v":1}')).toBe('{"b":1,"a":2,"10":3}');
  // Read under a transformation or an envelope: LinkedHashMaps, as the same key spelled `1.5` is.
  const exact = nativeKey(testSettings(keyField), post("", "application/json"), {
    kind: "json",
    value: { loc: { b: 1.5, a: 2 } },
    text: '{"loc":{"b":1.50,"a":2}}',
  }) as JsonText;
  const converter = new JsonConverter();
  converter.configure({ "schemas.enable": "true" }, true);
  expect(new TextDecoder().decode(converter.fromConnectData("t", null, null, exact)!)).toBe(
    '{"schema":null,"payload":{"b":1.5,"a":2}}',
  );
});

// ingestp3: neither listener keeps a header's repetitions apart (the plain one's Bun.serve keeps no
// list of header lines; the https one appends each line to a Fetch Headers), so the key is both
// values joined, as the README says.
test("a key header sent twice is one key, both values joined with ', '", () => {
  const settings = testSettings(
    { "ingest.key.source": "header" },
    { key: "org.apache.kafka.connect.storage.StringConverter" },
  );
  const headers = new Headers();
  headers.append("X-Kafka-Key", "a");
  headers.append("x-kafka-key", "b");
  const request = new Request("http://gateway/ingest/t", { method: "POST", body: "{}", headers });
  expect(nativeKey(settings, request, { kind: "json", value: {} })).toBe("a, b");
});
