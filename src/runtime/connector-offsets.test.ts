import { describe, expect, test } from "bun:test";
import { parseSinkOffsets } from "./connector-offsets.ts";

describe("parseSinkOffsets", () => {
  test("prints a map it cannot parse in the body's order (Jackson binds it to a LinkedHashMap)", () => {
    const partition = { kafka_topic: "t", kafka_partition: { b: 1, a: 2, name: "x", id: 3 } };
    expect(() => parseSinkOffsets([{ partition, offset: { kafka_offset: 1 } }])).toThrow(
      "Failed to parse the following Kafka partition value in the provided offsets: '{b=1, a=2, name=x, id=3}'. Partition values for sink connectors need to be integers.",
    );
  });
});
