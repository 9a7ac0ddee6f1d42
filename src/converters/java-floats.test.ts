/**
 * Java Float (and Byte, Short, Integer) values against Apache Kafka's own classes:
 * test/fixtures/java-floats holds what JsonConverter, StringConverter, SimpleHeaderConverter,
 * connect-transforms (Cast, HeaderFrom, InsertField, ReplaceField) and String.valueOf
 * (FileStreamSink's line) made of one record per case. A Float is written as Float.toString writes
 * it (`0.1`, the shortest decimal that reads back as the float, not the double `0.10000000149011612`),
 * with a schema (FLOAT32) or without one (Cast to float32 of a schemaless value), as a value and as
 * a key (ValueToKey, ExtractField$Key: JsonConverter and StringConverter as key converters).
 */
import { describe, expect, test } from "bun:test";
import { expectedOf, type RecordedJsonCase, runRecordedCase } from "./recorded-json-cases.ts";

const cases = (await Bun.file(
  new URL("../../test/fixtures/java-floats/fixtures.json", import.meta.url),
).json()) as RecordedJsonCase[];

describe("Java floats and narrow integers against Apache Kafka's converters, transformations and sink", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s (toConnectData)", (_name, c) => {
    expect(runRecordedCase(c, "toConnectData")).toEqual(expectedOf(c));
  });

  const jsonText = cases.filter((c) => !c.schemas && c.steps.length > 0);
  test.each(jsonText.map((c) => [c.name, c] as const))("%s (JsonText)", (_name, c) => {
    expect(runRecordedCase(c, "JsonText")).toEqual(expectedOf(c));
  });
});
