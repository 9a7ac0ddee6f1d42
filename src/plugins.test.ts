/**
 * The plugin contract, for every built-in plugin: the declaration describes every key with
 * documentation, defaults parse, validating `{}` reports exactly the required keys, class names and
 * aliases resolve, and connectors start and stop idempotently.
 */
import { describe, expect, test } from "bun:test";
import type { ConfigDef } from "./plugin/config-def.ts";
import { describeConfig } from "./plugin/describe-config.ts";
import { builtInPlugins, builtInRegistry } from "./plugins.ts";

const registry = builtInRegistry();
const cases = builtInPlugins.map((p) => [`${p.type} ${p.className}`, p] as const);

describe("plugin contract", () => {
  test.each(cases)("%s declares and documents every key", (_name, plugin) => {
    const def = plugin.config as ConfigDef<unknown>;
    expect(plugin.summary.length).toBeGreaterThan(20);
    expect(plugin.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const info of describeConfig(def)) {
      expect(info.documentation.length, `${info.name} has documentation`).toBeGreaterThan(0);
    }
  });

  test.each(cases)("%s: validating {} reports exactly the required keys, defaults parse", (_name, plugin) => {
    const def = plugin.config as ConfigDef<unknown>;
    const required = describeConfig(def)
      .filter((k) => k.required)
      .map((k) => k.name);
    const withErrors = [...def.validate({})].filter(([, r]) => r.errors.length > 0).map(([n]) => n);
    expect(withErrors).toEqual(required);
    const optionalOnly = Object.fromEntries(required.map((k) => [k, "x"]));
    for (const [name, result] of def.validate(optionalOnly)) {
      if (!required.includes(name)) expect(result.errors, name).toEqual([]);
    }
  });

  test.each(cases)("%s resolves by class name", (_name, plugin) => {
    expect(registry.find([plugin.type], plugin.className)).toBe(plugin);
  });

  test.each(
    builtInPlugins.filter((p) => p.type === "source" || p.type === "sink").map((p) => [p.className, p] as const),
  )("%s starts and stops idempotently", async (_name, plugin) => {
    const connector = plugin.create();
    const config: Record<string, string> =
      SAMPLE_CONFIGS[plugin.className] ??
      (plugin.type === "source" ? { topic: "t", file: "/dev/null" } : { topics: "t", file: "/dev/null" });
    await connector.start(config);
    expect((await connector.taskConfigs(1)).length).toBe(1);
    await connector.stop();
    await connector.stop();
  });

  // Secrets rule: a config value quoted in a validation error has a URL's credentials hidden, also
  // where the reason quotes the value again (`Unknown time zone <v>`, `cannot read <v>`).
  test.each(cases)("%s: no key's validation error shows a URL's credentials", (_name, plugin) => {
    const def = plugin.config as ConfigDef<unknown>;
    for (const info of describeConfig(def)) {
      for (const value of CREDENTIAL_URLS) {
        const errors = [...def.validate({ [info.name]: value })].flatMap(([, r]) => r.errors);
        expect(
          errors.filter((e) => /s3cret|t0ken/.test(e)),
          `${info.name}=${value}`,
        ).toEqual([]);
      }
    }
  });
});

const CREDENTIAL_URLS = [
  "ftp://user:s3cret@127.0.0.1/x?token=t0ken",
  "http://user:s3cret@h:99999999999",
  "[ftp://user:s3cret@h/?page=1&api_key=t0ken",
  "$.a?token=t0ken",
];

/** A valid config for connectors whose required keys the FileStream sample does not satisfy. */
const SAMPLE_CONFIGS: Record<string, Record<string, string>> = {
  "io.edgegateway.connect.http.HttpSinkConnector": { topics: "t", url: "http://127.0.0.1:9/in" },
  "io.confluent.connect.http.HttpSourceConnector": { "http.url": "http://127.0.0.1:9/events", "kafka.topic": "t" },
  "io.edgegateway.connect.http.HttpIngestSourceConnector": {
    name: "c",
    "ingest.path": "/ingest/t",
    "kafka.topic": "t",
  },
};

describe("PluginRegistry aliases (PluginUtils.computeAliases)", () => {
  test.each([
    ["FileStreamSource", "org.apache.kafka.connect.file.FileStreamSourceConnector"],
    ["FileStreamSourceConnector", "org.apache.kafka.connect.file.FileStreamSourceConnector"],
    ["HttpSink", "io.edgegateway.connect.http.HttpSinkConnector"],
    ["HttpSinkConnector", "io.edgegateway.connect.http.HttpSinkConnector"],
    ["HttpIngestSource", "io.edgegateway.connect.http.HttpIngestSourceConnector"],
    ["HttpIngestSourceConnector", "io.edgegateway.connect.http.HttpIngestSourceConnector"],
    ["HttpIngest", "io.edgegateway.connect.http.HttpIngestSourceConnector"],
    ["JsonConverter", "org.apache.kafka.connect.json.JsonConverter"],
    ["Json", "org.apache.kafka.connect.json.JsonConverter"],
    ["SimpleHeaderConverter", "org.apache.kafka.connect.storage.SimpleHeaderConverter"],
    ["RegexRouter", "org.apache.kafka.connect.transforms.RegexRouter"],
    ["HasHeaderKey", "org.apache.kafka.connect.transforms.predicates.HasHeaderKey"],
    ["HttpSource", "io.confluent.connect.http.HttpSourceConnector"],
    ["HttpSourceConnector", "io.confluent.connect.http.HttpSourceConnector"],
    ["io.edgegateway.connect.http.HttpSourceConnector", "io.confluent.connect.http.HttpSourceConnector"],
  ])("%s → %s", (alias, full) => {
    expect(registry.fullName(alias)).toBe(full);
  });

  test("nested classes have no alias: Java's simple name of InsertField$Value is the ambiguous 'Value'", () => {
    expect(registry.fullName("Value")).toBe("Value");
    expect(registry.find(["transformation"], "Value")).toBeUndefined();
    expect(registry.find(["transformation"], "org.apache.kafka.connect.transforms.InsertField$Value")?.type).toBe(
      "transformation",
    );
  });

  test("a class with two roles is one class for aliasing and listed once per role", () => {
    expect(registry.find(["converter"], "StringConverter")?.type).toBe("converter");
    expect(registry.find(["header_converter"], "StringConverter")?.type).toBe("header_converter");
  });
});
