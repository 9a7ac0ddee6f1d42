import { describe, expect, test } from "bun:test";
import { builtInRegistry } from "./plugins.ts";
import { loadWorkerConfig } from "./worker-config.ts";
import { checkWorkerConverters } from "./worker-converters.ts";

const registry = builtInRegistry();
const check = (worker: Record<string, string>) => () => checkWorkerConverters(loadWorkerConfig(worker), registry);

describe("checkWorkerConverters", () => {
  test.each([
    [{}],
    [
      {
        "key.converter": "StringConverter",
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
      },
    ],
    // JsonConverter is a HeaderConverter too, as in Connect.
    [{ "header.converter": "org.apache.kafka.connect.json.JsonConverter" }],
  ])("accepts converters the gateway has: %p", (worker) => {
    expect(check(worker)).not.toThrow();
  });

  test.each([
    [
      { "key.converter": "NoSuchConverter" },
      "Invalid value NoSuchConverter for configuration key.converter: Class NoSuchConverter could not be found.",
    ],
    [{ "value.converter": "" }, "Invalid value  for configuration value.converter: Class  could not be found."],
    [
      { "value.converter": "FileStreamSource" },
      "Invalid value class org.apache.kafka.connect.file.FileStreamSourceConnector for configuration value.converter: Not a Converter",
    ],
    [
      { "header.converter": "org.apache.kafka.connect.json.JsonConverterX" },
      "Invalid value org.apache.kafka.connect.json.JsonConverterX for configuration header.converter: Class org.apache.kafka.connect.json.JsonConverterX could not be found.",
    ],
  ])("refuses %p with Connect's WorkerConfig message", (worker, message) => {
    expect(check(worker)).toThrow(message);
  });
});
