import { describe, expect, test } from "bun:test";
import { describeConfig } from "../plugin/describe-config.ts";
import { CONNECT_VERSION } from "../version.ts";
import { predicatePlugins, transformationPlugins } from "./index.ts";

const APACHE_TRANSFORMS = [
  "Cast$Key",
  "Cast$Value",
  "DropHeaders",
  "ExtractField$Key",
  "ExtractField$Value",
  "Filter",
  "Flatten$Key",
  "Flatten$Value",
  "HeaderFrom$Key",
  "HeaderFrom$Value",
  "HoistField$Key",
  "HoistField$Value",
  "InsertField$Key",
  "InsertField$Value",
  "InsertHeader",
  "MaskField$Key",
  "MaskField$Value",
  "RegexRouter",
  "ReplaceField$Key",
  "ReplaceField$Value",
  "SetSchemaMetadata$Key",
  "SetSchemaMetadata$Value",
  "TimestampConverter$Key",
  "TimestampConverter$Value",
  "TimestampRouter",
  "ValueToKey",
];

/** The keys each plugin requires, and a config that satisfies it. */
const REQUIRED: Record<string, [string[], Record<string, string>]> = {
  Cast: [["spec"], { spec: "int8" }],
  DropHeaders: [["headers"], { headers: "h" }],
  ExtractField: [["field"], { field: "f" }],
  HeaderFrom: [["fields", "headers", "operation"], { fields: "f", headers: "h", operation: "copy" }],
  HoistField: [["field"], { field: "f" }],
  InsertField: [[], { "topic.field": "t" }],
  InsertHeader: [["header", "value.literal"], { header: "h", "value.literal": "v" }],
  MaskField: [["fields"], { fields: "f" }],
  RegexRouter: [["regex", "replacement"], { regex: "(.*)", replacement: "$1" }],
  SetSchemaMetadata: [[], { "schema.name": "n" }],
  TimestampConverter: [["target.type"], { "target.type": "unix" }],
  ValueToKey: [["fields"], { fields: "f" }],
  HasHeaderKey: [["name"], { name: "h" }],
  TopicNameMatches: [["pattern"], { pattern: ".*" }],
};

function simpleName(className: string): string {
  return className.slice(className.lastIndexOf(".") + 1).replace(/\$(Key|Value)$/, "");
}

describe("transform plugins", () => {
  test("are every transformation Apache Kafka registers, under Apache's names", () => {
    expect(transformationPlugins.map((p) => p.className)).toEqual(
      APACHE_TRANSFORMS.map((n) => `org.apache.kafka.connect.transforms.${n}`),
    );
    expect(predicatePlugins.map((p) => p.className)).toEqual(
      ["HasHeaderKey", "RecordIsTombstone", "TopicNameMatches"].map(
        (n) => `org.apache.kafka.connect.transforms.predicates.${n}`,
      ),
    );
  });

  describe.each([...transformationPlugins, ...predicatePlugins].map((p) => [p.className, p] as const))(
    "%s",
    (_name, plugin) => {
      const [required, minimal] = REQUIRED[simpleName(plugin.className)] ?? [[], {}];

      test("reports Connect's version, a summary and a documented config", () => {
        expect(plugin.version).toBe(CONNECT_VERSION);
        expect(plugin.summary.length).toBeGreaterThan(10);
        for (const info of describeConfig(plugin.config)) expect(info.documentation.length).toBeGreaterThan(5);
      });

      test("reports exactly its required keys when validating {}", () => {
        const failing = [...plugin.config.validate({})].filter(([, r]) => r.errors.length > 0).map(([name]) => name);
        expect(failing).toEqual(required);
      });

      test("creates an instance that configures from a minimal config", () => {
        if (plugin.type !== "transformation" && plugin.type !== "predicate") throw new Error(`${plugin.type} listed`);
        const instance = plugin.create();
        expect(() => instance.configure(minimal)).not.toThrow();
        instance.close?.();
        instance.close?.();
      });
    },
  );
});
