import { describe, expect, test } from "bun:test";
import { type Schema, SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError, DataError } from "../errors.ts";
import { ExtractField } from "./extract-field.ts";
import { IllegalArgumentError } from "./util/errors.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, sinkRecord } from "./util/test-support.ts";

function extract(configs: Record<string, string>, side = KEY_SIDE): ExtractField {
  const xform = new ExtractField(side);
  xform.configure(configs);
  return xform;
}

const magic = SchemaBuilder.struct().field("magic", Schemas.INT32).build();
const nested = SchemaBuilder.struct().field("inner", magic).build();
const V2 = { "field.syntax.version": "V2" };

describe("ExtractField", () => {
  test.each<[Record<string, string>, unknown, unknown]>([
    [{ field: "magic" }, { magic: 42 }, 42],
    [{ field: "magic" }, new Map([["magic", 42]]), 42],
    [{ field: "inner.magic", ...V2 }, { inner: { magic: 42 } }, 42],
    [{ field: "inner.magic" }, { "inner.magic": 42, inner: { magic: 1 } }, 42],
    [{ field: "`inner.magic`", ...V2 }, { "inner.magic": 42 }, 42],
    [{ field: "nonexistent" }, { magic: 42 }, null],
    [{ field: "magic.nonexistent", ...V2 }, { magic: { foo: 42 } }, null],
    [{ field: "magic" }, null, null],
  ])("extracts %p from the schemaless key %p", (configs, key, expected) => {
    const out = extract(configs).apply(sinkRecord({ key }));
    expect(out.keySchema).toBeNull();
    expect(out.key).toEqual(expected);
  });

  test("extracts from a struct with its field schema", () => {
    const out = extract({ field: "magic" }).apply(
      sinkRecord({ keySchema: magic, key: new Struct(magic).put("magic", 42) }),
    );
    expect([out.keySchema, out.key]).toEqual([Schemas.INT32, 42]);
  });

  test("extracts a nested struct field with V2 paths", () => {
    const key = new Struct(nested).put("inner", new Struct(magic).put("magic", 42));
    const out = extract({ field: "inner.magic", ...V2 }).apply(sinkRecord({ keySchema: nested, key }));
    expect([out.keySchema, out.key]).toEqual([Schemas.INT32, 42]);
  });

  test("keeps a null struct null but takes the field schema", () => {
    const optional = SchemaBuilder.struct().optional().field("magic", Schemas.INT32).build();
    const out = extract({ field: "magic" }).apply(sinkRecord({ keySchema: optional, key: null }));
    expect([out.keySchema, out.key]).toEqual([Schemas.INT32, null]);
  });

  test.each<[string, Schema]>([
    ["nonexistent", magic],
    ["inner.nonexistent", nested],
  ])("fails on the unknown field %p with a schema", (field, schema) => {
    const key = new Struct(schema);
    expectError(
      () => extract({ field, ...V2 }).apply(sinkRecord({ keySchema: schema, key })),
      IllegalArgumentError,
      `Unknown field: ${field}`,
    );
  });

  test.each([
    ["true", "default"],
    ["false", null],
  ])("with replace.null.with.default=%p extracts %p from a null field with a default", (flag, expected) => {
    const schema = SchemaBuilder.struct()
      .field("a", SchemaBuilder.string().optional().defaultValue("default").build())
      .build();
    const out = extract({ field: "a", "replace.null.with.default": flag }, VALUE_SIDE).apply(
      sinkRecord({ valueSchema: schema, value: new Struct(schema) }),
    );
    expect(out.value).toBe(expected);
  });

  test("works on the value with the $Value variant", () => {
    const out = extract({ field: "magic" }, VALUE_SIDE).apply(sinkRecord({ key: "k", value: { magic: 42 } }));
    expect([out.key, out.value]).toEqual(["k", 42]);
  });

  test.each<[unknown, string]>([
    [42, "Only Map objects supported in absence of schema for [field extraction], found: java.lang.Long"],
    ["text", "Only Map objects supported in absence of schema for [field extraction], found: java.lang.String"],
  ])("rejects the schemaless key %p", (key, message) => {
    expectError(() => extract({ field: "magic" }).apply(sinkRecord({ key })), DataError, message);
  });

  test.each([
    [{}, 'Missing required configuration "field" which has no default value.'],
    [
      { field: "a", "field.syntax.version": "v3" },
      "Invalid value v3 for configuration field.syntax.version: String must be one of (case insensitive): V1, V2",
    ],
    [
      { field: "`a", ...V2 },
      "Incomplete backtick pair in path: [`a], consider adding a backslash before backtick at position 0 to escape it",
    ],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new ExtractField(KEY_SIDE).configure(configs), ConfigError, message);
  });
});
