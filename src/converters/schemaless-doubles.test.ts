/**
 * JSON numbers as Java types, against Apache Kafka's own classes: test/fixtures/schemaless-doubles
 * holds what JsonConverter (schemas.enable=false reads `3.0`, `1e20` as Doubles and `3` as a Long),
 * connect-transforms, SimpleHeaderConverter and String.valueOf (FileStreamSink's line) made of one
 * record per case. Each case runs here through our converter, our transformations of the same class
 * names, our header converter and FileStreamSink's rendering; a schemaless input runs twice: read
 * by JsonConverter.toConnectData, and as the JsonText a source hands over (parsed where a
 * transformation first needs it).
 */
import { describe, expect, test } from "bun:test";
import { expectedOf, type RecordedJsonCase, runRecordedCase } from "./recorded-json-cases.ts";

const cases = (await Bun.file(
  new URL("../../test/fixtures/schemaless-doubles/fixtures.json", import.meta.url),
).json()) as RecordedJsonCase[];

describe("JSON doubles and longs against Apache Kafka's JsonConverter, transformations and sink", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s (toConnectData)", (_name, c) => {
    expect(runRecordedCase(c, "toConnectData")).toEqual(expectedOf(c));
  });

  // Without a transformation a JsonText is written as its bytes (the passthrough), not re-encoded.
  const jsonText = cases.filter((c) => !c.schemas && c.steps.length > 0);
  test.each(jsonText.map((c) => [c.name, c] as const))("%s (JsonText)", (_name, c) => {
    expect(runRecordedCase(c, "JsonText")).toEqual(expectedOf(c));
  });
});
