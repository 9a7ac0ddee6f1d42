import { describe, expect, test } from "bun:test";
import { commonConnectorConfig } from "./connector-config.ts";
import { validatedNames } from "./validated-names.ts";

describe("validatedNames", () => {
  // Connect 4.3.1 on Java 25 (hashmap-copy-recordings.json, hc-validate-unloadable-null-keys): a
  // connector it cannot load lists the null-valued keys no basic key defines in this order.
  test("null-valued keys take their place in the HashMap of the defined keys", () => {
    const config = { "connector.class": "FileStreamSink", topics: "t", "x.null": null, "y.null": null, "z.null": null };
    const names = validatedNames(
      commonConnectorConfig.keys.map((k) => k.name),
      config,
    );
    expect(names.filter((n) => n.endsWith(".null"))).toEqual(["y.null", "z.null", "x.null"]);
    expect(new Set(names)).toEqual(
      new Set([...commonConnectorConfig.keys.map((k) => k.name), "x.null", "y.null", "z.null"]),
    );
  });

  test("keys with a value are not added; computed names come in before the null-valued keys", () => {
    expect(validatedNames(["a"], { b: "1" })).toEqual(["a"]);
    // "Aa" and "BB" share a bucket: computeIfAbsent puts the later one first.
    expect(validatedNames([], { BB: null }, ["Aa"])).toEqual(["BB", "Aa"]);
  });
});
