import { describe, expect, test } from "bun:test";
import { JsonText } from "../../api/data/json-text.ts";
import { parseJsonBody, selectAll, selectRecords } from "./records.ts";

const body = (text: string) => parseJsonBody(new TextEncoder().encode(text));
const texts = (records: { value: unknown }[]) =>
  records.map((r) => (r.value instanceof JsonText ? `json:${r.value.text}` : r.value));

describe("selectRecords", () => {
  test("a recursive descent over a number that needs the exact reading selects the number, not its inside", () => {
    const doc = body('{"a":0.12345678901234567890,"b":{"c":"x","d":1.50}}');
    expect(texts(selectRecords(doc, "$..*"))).toEqual([
      "json:0.12345678901234567890",
      'json:{"c":"x","d":1.50}',
      "x",
      "json:1.50",
    ]);
    expect(selectAll(doc.json, "$..source")).toEqual([]);
  });

  test("a field really named source is still selected", () => {
    const doc = body('{"items":[{"source":"sensor-1","v":1.50}]}');
    expect(texts(selectRecords(doc, "$..source"))).toEqual(["sensor-1"]);
    expect(texts(selectRecords(doc, "$.items[*]"))).toEqual(['json:{"source":"sensor-1","v":1.50}']);
  });
});
