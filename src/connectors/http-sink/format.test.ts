import { describe, expect, test } from "bun:test";
import { httpSinkConfig } from "./config.ts";
import { formatConverters } from "./format.ts";
import { connectorStartLines } from "./test-support.ts";

const base = { "connector.class": "HttpSink", topics: "orders", url: "http://127.0.0.1:9/in" };

// Seed 002 (Flink's HTTP sink): `connector` and `format` were ignored, so a ported config sent
// whatever the worker's converter wrote.
describe("format", () => {
  test.each([
    [{}, {}],
    [
      { format: "json" },
      {
        "value.converter": {
          className: "org.apache.kafka.connect.json.JsonConverter",
          settings: { "schemas.enable": "false" },
        },
      },
    ],
    [
      { format: "JSON" },
      {
        "value.converter": {
          className: "org.apache.kafka.connect.json.JsonConverter",
          settings: { "schemas.enable": "false" },
        },
      },
    ],
    [
      { "flink.connector.http.format": "raw" },
      { "value.converter": { className: "org.apache.kafka.connect.converters.ByteArrayConverter", settings: {} } },
    ],
  ])("%p implies the value converter %p", (config, expected) => {
    expect(formatConverters({ ...base, ...config })).toEqual(expected);
  });

  test("connector and format accept Flink's values and name others", () => {
    expect(httpSinkConfig.validate({ ...base, connector: "http-sink", format: "json" }).get("format")?.errors).toEqual(
      [],
    );
    expect(httpSinkConfig.validate({ ...base, connector: "http-sink" }).get("connector")?.errors).toEqual([]);
    expect(httpSinkConfig.validate({ ...base, connector: "kafka" }).get("connector")?.errors).toEqual([
      "Invalid value kafka for configuration connector: String must be one of: http-sink",
    ]);
    expect(httpSinkConfig.validate({ ...base, format: "avro" }).get("format")?.errors).toEqual([
      "Invalid value avro for configuration format: String must be one of (case insensitive): RAW, JSON",
    ]);
  });

  test("an explicit value.converter wins, with a warning at start", () => {
    const lines = connectorStartLines({
      ...base,
      format: "raw",
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    });
    expect(lines.join("\n")).toContain(
      "format=raw does not choose the value converter: value.converter=org.apache.kafka.connect.storage.StringConverter is set explicitly and wins",
    );
  });
});
