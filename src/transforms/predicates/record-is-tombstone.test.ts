import { describe, expect, test } from "bun:test";
import { Schemas } from "../../api/data/schema.ts";
import { sinkRecord, srcRecord } from "../util/test-support.ts";
import { RecordIsTombstone } from "./record-is-tombstone.ts";

describe("RecordIsTombstone", () => {
  test.each([
    ["a null value", srcRecord({ key: "k", value: null }), true],
    ["a null value with a schema", sinkRecord({ valueSchema: Schemas.OPTIONAL_STRING, value: null }), true],
    ["a value", srcRecord({ value: "v" }), false],
    ["an empty string", srcRecord({ value: "" }), false],
  ])("tests %s", (_what, record, expected) => {
    const predicate = new RecordIsTombstone();
    predicate.configure({});
    expect(predicate.test(record)).toBe(expected);
  });
});
