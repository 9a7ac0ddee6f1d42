import { describe, expect, test } from "bun:test";
import { Filter, filter } from "./filter.ts";
import { sinkRecord, srcRecord } from "./util/test-support.ts";

describe("Filter", () => {
  test.each([
    ["a source record", srcRecord({ value: "v" })],
    ["a sink record", sinkRecord({ value: "v" })],
    ["a tombstone", srcRecord({ value: null })],
  ])("drops %s", (_what, record) => {
    const xform = new Filter();
    xform.configure({});
    expect(xform.apply(record)).toBeNull();
  });

  test("has no config keys", () => {
    expect(filter.config.keys).toEqual([]);
    expect(filter.className).toBe("org.apache.kafka.connect.transforms.Filter");
  });
});
