import { describe, expect, test } from "bun:test";
import { Headers } from "../api/data/headers.ts";
import { Schemas } from "../api/data/schema.ts";
import { ConfigError } from "../errors.ts";
import { InsertHeader } from "./insert-header.ts";
import { expectError, srcRecord } from "./util/test-support.ts";

function insertHeader(header: string, literal: string): InsertHeader {
  const xform = new InsertHeader();
  xform.configure({ header, "value.literal": literal });
  return xform;
}

const existing = Headers.EMPTY.add("existing", "existing-value", Schemas.STRING);

describe("InsertHeader", () => {
  test.each([
    ["inserted", "inserted-value", Schemas.STRING, "inserted-value"],
    ["existing", "inserted-value", Schemas.STRING, "inserted-value"],
    ["inserted", "1", Schemas.INT8, 1],
    ["inserted", "true", Schemas.BOOLEAN, true],
  ])("adds the header %p = %p after the existing ones", (header, literal, schema, value) => {
    const record = srcRecord({
      sourcePartition: { foo: "bar" },
      sourceOffset: { baz: "quxx" },
      key: "key",
      value: "value",
      timestamp: 0,
      headers: existing,
    });
    const out = insertHeader(header, literal).apply(record);
    expect(out).toEqual({ ...record, headers: existing.add(header, value, schema) });
  });

  test.each([
    [{ "value.literal": "1" }, 'Missing required configuration "header" which has no default value.'],
    [{ header: "inserted" }, 'Missing required configuration "value.literal" which has no default value.'],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new InsertHeader().configure(configs), ConfigError, message);
  });
});
