import { describe, expect, test } from "bun:test";
import { SchemaBuilder, Schemas, schemaEquals } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError, DataError } from "../errors.ts";
import { expectError, sinkRecord } from "./util/test-support.ts";
import { ValueToKey } from "./value-to-key.ts";

function valueToKey(configs: Record<string, string>): ValueToKey {
  const xform = new ValueToKey();
  xform.configure(configs);
  return xform;
}

const schema = SchemaBuilder.struct()
  .field("a", Schemas.INT32)
  .field("b", Schemas.INT32)
  .field("c", Schemas.INT32)
  .field("d", SchemaBuilder.int32().optional().defaultValue(7).build())
  .build();

describe("ValueToKey", () => {
  test.each<[unknown, unknown]>([
    [
      { a: 1, b: 2, c: 3 },
      { a: 1, b: 2 },
    ],
    [
      new Map([
        ["a", 1],
        ["c", 3],
      ]),
      new Map<string, unknown>([
        ["a", 1],
        ["b", null],
      ]),
    ],
  ])("builds a schemaless key from %p", (value, expected) => {
    const out = valueToKey({ fields: "a,b" }).apply(sinkRecord({ key: "old", value }));
    expect([out.keySchema, out.key, out.value]).toEqual([null, expected, value]);
  });

  test("builds a struct key from the value's fields", () => {
    const value = new Struct(schema).put("a", 1).put("b", 2).put("c", 3);
    const xform = valueToKey({ fields: "a,b" });
    const out = xform.apply(sinkRecord({ valueSchema: schema, value }));
    const keySchema = SchemaBuilder.struct().field("a", Schemas.INT32).field("b", Schemas.INT32).build();
    expect(schemaEquals(out.keySchema, keySchema)).toBe(true);
    expect((out.key as Struct).equals(new Struct(keySchema).put("a", 1).put("b", 2))).toBe(true);
    expect(out.value).toBe(value);
    expect(xform.apply(sinkRecord({ valueSchema: schema, value })).keySchema).toBe(out.keySchema!);
  });

  test.each([
    ["true", 7],
    ["false", null],
  ])("with replace.null.with.default=%p copies %p for a null field with a default", (flag, expected) => {
    const value = new Struct(schema).put("a", 1).put("b", 2).put("c", 3);
    const out = valueToKey({ fields: "d", "replace.null.with.default": flag }).apply(
      sinkRecord({ valueSchema: schema, value }),
    );
    expect((out.key as Struct).getWithoutDefault("d")).toBe(expected);
  });

  test("fails on a field the value schema does not have", () => {
    const value = new Struct(schema).put("a", 1).put("b", 2).put("c", 3);
    expectError(
      () => valueToKey({ fields: "not_exist" }).apply(sinkRecord({ valueSchema: schema, value })),
      DataError,
      "Field does not exist: not_exist",
    );
  });

  test.each<[unknown, string]>([
    [
      42,
      "Only Map objects supported in absence of schema for [copying fields from value to key], found: java.lang.Long",
    ],
    [null, "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"],
  ])("requires a map value without a schema (%p)", (value, message) => {
    expectError(() => valueToKey({ fields: "a" }).apply(sinkRecord({ value })), DataError, message);
  });

  test("rejects an empty field list", () => {
    expectError(
      () => new ValueToKey().configure({ fields: "" }),
      ConfigError,
      "Configuration 'fields' must not be empty. Valid values include: any non-empty value",
    );
  });
});
