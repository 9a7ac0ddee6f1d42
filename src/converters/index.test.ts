import { describe, expect, test } from "bun:test";
import type { Converter, HeaderConverter } from "../api/converter.ts";
import { PluginRegistry } from "../plugin/registry.ts";
import { CONNECT_VERSION } from "../version.ts";
import { converterPlugins } from "./index.ts";

const BOTH_ROLES = [
  "org.apache.kafka.connect.converters.BooleanConverter",
  "org.apache.kafka.connect.converters.ByteArrayConverter",
  "org.apache.kafka.connect.converters.DoubleConverter",
  "org.apache.kafka.connect.converters.FloatConverter",
  "org.apache.kafka.connect.converters.IntegerConverter",
  "org.apache.kafka.connect.converters.LongConverter",
  "org.apache.kafka.connect.converters.ShortConverter",
  "org.apache.kafka.connect.json.JsonConverter",
  "org.apache.kafka.connect.storage.StringConverter",
];

const names = (type: string) =>
  converterPlugins
    .filter((p) => p.type === type)
    .map((p) => p.className)
    .sort();

describe("converterPlugins", () => {
  test("lists Apache's converters, and its header converters", () => {
    expect(names("converter")).toEqual(BOTH_ROLES);
    expect(names("header_converter")).toEqual(
      [...BOTH_ROLES, "org.apache.kafka.connect.storage.SimpleHeaderConverter"].sort(),
    );
  });

  test.each(converterPlugins.map((p) => [p.type, p.className, p] as const))(
    "%s %s is described, documented and creates a configurable instance",
    (type, _className, plugin) => {
      expect(plugin.version).toBe(CONNECT_VERSION);
      expect(plugin.summary.length).toBeGreaterThan(10);
      for (const key of plugin.config.keys) expect(key.doc.length).toBeGreaterThan(10);
      const instance = plugin.create();
      if (type === "converter") {
        (instance as Converter).configure({}, false);
        expect(typeof (instance as Converter).fromConnectData).toBe("function");
      } else {
        (instance as HeaderConverter).configure({});
        expect(typeof (instance as HeaderConverter).toConnectHeader).toBe("function");
      }
    },
  );

  test.each(converterPlugins.map((p) => [p.type, p.className, p] as const))(
    "%s %s requires exactly what Apache requires",
    (_type, className, plugin) => {
      const required = [...plugin.config.validate({})].filter(([, v]) => v.errors.length > 0).map(([name]) => name);
      expect(required).toEqual(className.endsWith("SimpleHeaderConverter") ? [] : ["converter.type"]);
    },
  );

  test("resolves Connect's aliases in a registry", () => {
    const registry = new PluginRegistry(converterPlugins);
    expect(registry.find(["converter"], "JsonConverter")?.className).toBe(
      "org.apache.kafka.connect.json.JsonConverter",
    );
    expect(registry.find(["header_converter"], "SimpleHeaderConverter")?.type).toBe("header_converter");
  });
});
