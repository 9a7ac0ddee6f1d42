import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../api/data/java-double.ts";
import { connectOffsetMap, connectOffsetsOrder } from "./source-offsets-order.ts";

// Partitions in the order first written; the expected orders are what Connect 4.3.1's chain
// (KafkaOffsetBackingStore's HashSet, OffsetStorageReaderImpl's and ConnectorOffsetBackingStore's
// HashMaps, JsonConverter's key bytes) gives, run in jshell against the connect-runtime jars (on
// Java 25; Java 17 sizes ConnectorOffsetBackingStore's copy otherwise: 12 partitions list
// [8, 11, 2, 3, 10, 4, 1, 5, 6, 7, 0, 9] there).
const WRITTEN = [
  { filename: "a.txt" },
  { filename: "ü\u0000" },
  { f: new JavaDouble(1.5), g: true },
  { f: [1, "x", null], n: { k: 2 } },
  { filename: 5 },
  { d: new JavaDouble(2) },
  { filename: "b.txt" },
  { filename: "c.txt" },
  { filename: "d.txt" },
  { filename: "e.txt" },
];

const shown = (connector: string, partitions: readonly Record<string, unknown>[]) =>
  connectOffsetsOrder(
    connector,
    partitions.map((partition) => ({ partition })),
  ).map((e) => WRITTEN.indexOf(e.partition as (typeof WRITTEN)[number]));

describe("the order Connect lists source offsets in", () => {
  test.each(["c-1", "orders-source"])("ten partitions of %s", (connector) => {
    expect(shown(connector, WRITTEN)).toEqual([9, 8, 5, 3, 4, 2, 1, 6, 0, 7]);
  });

  test("four partitions", () => {
    expect(shown("h6o", WRITTEN.slice(0, 4))).toEqual([0, 3, 2, 1]);
  });

  test("partitions in one bucket of the result keep the order of the keys' bytes, which names the connector", () => {
    const d = "/tmp/r6-RqLjRS/h6s.txt";
    const partitions = [{ filename: 5 }, { filename: d, x: 1 }, { filename: d }];
    const order = (connector: string) =>
      connectOffsetsOrder(
        connector,
        partitions.map((partition) => ({ partition })),
      ).map((e) => partitions.indexOf(e.partition));
    expect(order("h6s-pmx88xsvv")).toEqual([1, 2, 0]);
    expect(order("h6s-pmx88xsvvg")).toEqual([1, 0, 2]);
  });
});

// Expected from the same chain run against the 4.3.1 jars (JsonConverter, Jackson), as above.
describe("fractions and nested maps (Double.toString in the key bytes, HashMaps all the way down)", () => {
  test("a fraction is keyed by the text Jackson writes for its Double (1.23456785E7, not 12345678.5)", () => {
    const written = [
      { x: 1e-5 },
      { x: 12345678.5 },
      { x: 1.5 },
      { x: 0.0001 },
      { x: 908143645.25 },
      { x: 942056545.25 },
      { x: 1 },
      { x: 894302096.25 },
      { x: 648607429.25 },
      { x: 776790690.25 },
      { x: 791819308.25 },
      { x: 48532983.25 },
    ];
    const order = connectOffsetsOrder(
      "conn-x",
      written.map((partition) => ({ partition })),
    ).map((e) => written.indexOf(e.partition));
    expect(order).toEqual([11, 2, 8, 3, 10, 4, 5, 1, 6, 7, 0, 9]);
  });

  test("a listed map is written as Connect writes it: nested maps in HashMap order, fractions as Doubles", () => {
    const listed = [
      { n: { b: 5, a: 7, zz: 1 }, k: "v15" },
      { x: 648607429.25, l: [0.0001, 2, { b: 1, a: 1.5 }] },
    ].map((m) => JSON.stringify(connectOffsetMap(m)));
    expect(listed).toEqual([
      '{"k":"v15","n":{"zz":1,"a":7,"b":5}}',
      '{"x":6.4860742925E8,"l":[1.0E-4,2,{"a":1.5,"b":1}]}',
    ]);
  });
});
