import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../api/data/java-double.ts";
import { connectOffsetsOrder } from "./source-offsets-order.ts";

// Partitions in the order first written; the expected orders are what Connect 4.3.1's chain
// (KafkaOffsetBackingStore's HashSet, OffsetStorageReaderImpl's and ConnectorOffsetBackingStore's
// HashMaps, JsonConverter's key bytes) gives, run in jshell against the connect-runtime jars.
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
