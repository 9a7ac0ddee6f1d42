import { describe, expect, test } from "bun:test";
import { type Schema, SchemaBuilder, Schemas, schemaEquals } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { DataError } from "../errors.ts";
import { Flatten } from "./flatten.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, srcRecord } from "./util/test-support.ts";

function flatten(configs: Record<string, string> = {}, side = VALUE_SIDE): Flatten {
  const xform = new Flatten(side);
  xform.configure(configs);
  return xform;
}

const primitives = SchemaBuilder.struct()
  .field("int8", Schemas.INT8)
  .field("int16", Schemas.INT16)
  .field("int32", Schemas.INT32)
  .field("int64", Schemas.INT64)
  .field("float32", Schemas.FLOAT32)
  .field("float64", Schemas.FLOAT64)
  .field("boolean", Schemas.BOOLEAN)
  .field("string", Schemas.STRING)
  .field("bytes", Schemas.BYTES)
  .build();
const bytes = new TextEncoder().encode("bytes");
const primitiveValues: Record<string, unknown> = {
  int8: 8,
  int16: 16,
  int32: 32,
  int64: 64,
  float32: 32,
  float64: 64,
  boolean: true,
  string: "stringy",
  bytes,
};

describe("Flatten", () => {
  test("flattens nested structs with the default delimiter", () => {
    const b = SchemaBuilder.struct().field("B", primitives).build();
    const a = SchemaBuilder.struct().field("A", b).build();
    const inner = new Struct(primitives);
    for (const [k, v] of Object.entries(primitiveValues)) inner.put(k, v);
    const value = new Struct(a).put("A", new Struct(b).put("B", inner));
    const out = flatten().apply(srcRecord({ valueSchema: a, value }));
    const struct = out.value as Struct;
    expect(out.valueSchema?.fields.map((f) => f.name)).toEqual(Object.keys(primitiveValues).map((k) => `A.B.${k}`));
    expect(Object.keys(primitiveValues).map((k) => struct.get(`A.B.${k}`))).toEqual(Object.values(primitiveValues));
  });

  test("flattens nested maps with a custom delimiter", () => {
    const value = { A: { B: { ...primitiveValues } }, top: "level" };
    const out = flatten({ delimiter: "#" }).apply(srcRecord({ value }));
    expect(out.value).toEqual({
      ...Object.fromEntries(Object.entries(primitiveValues).map(([k, v]) => [`A#B#${k}`, v])),
      top: "level",
    });
  });

  test("flattens a nested JS Map into a Map", () => {
    const out = flatten().apply(srcRecord({ value: new Map([["A", new Map([["B", 12]])]]) }));
    expect(out.value).toEqual(new Map([["A.B", 12]]));
  });

  test("flattens the key with the $Key variant", () => {
    const out = flatten({}, KEY_SIDE).apply(srcRecord({ key: { A: { B: 12 } }, value: "v" }));
    expect([out.keySchema, out.key, out.value]).toEqual([null, { "A.B": 12 }, "v"]);
  });

  test.each<[string, Schema | null, unknown, string]>([
    [
      "a struct",
      SchemaBuilder.struct().build(),
      42,
      "Only Struct objects supported for [flattening], found: java.lang.Long",
    ],
    ["a map", null, 42, "Only Map objects supported in absence of schema for [flattening], found: java.lang.Long"],
  ])("requires %s", (_what, valueSchema, value, message) => {
    expectError(() => flatten().apply(srcRecord({ valueSchema, value })), DataError, message);
  });

  test("keeps arrays, schemaless and with a schema", () => {
    const value = { foo: ["bar", { baz: { lfg: "lfg" } }] };
    expect(flatten().apply(srcRecord({ value })).value).toEqual(value);
    const nested = SchemaBuilder.struct().field("lfg", Schemas.STRING).build();
    const inner = SchemaBuilder.struct().field("baz", nested).build();
    const schema = SchemaBuilder.struct().field("foo", SchemaBuilder.array(inner).doc("durk").build()).build();
    const struct = new Struct(schema).put("foo", [new Struct(inner).put("baz", new Struct(nested).put("lfg", "lfg"))]);
    const out = flatten().apply(srcRecord({ valueSchema: schema, value: struct }));
    expect(schemaEquals(out.valueSchema, schema)).toBe(true);
    expect((out.value as Struct).equals(struct)).toBe(true);
  });

  test("makes fields optional under an optional struct and takes the parent's defaults", () => {
    const fields = () =>
      SchemaBuilder.struct()
        .optional()
        .field("req_field", Schemas.STRING)
        .field("opt_field", SchemaBuilder.string().optional().defaultValue("child_default").build());
    const childDefault = new Struct(fields().build()).put("req_field", "req_default");
    const schema = fields().defaultValue(childDefault).build();
    const out = flatten().apply(srcRecord({ valueSchema: schema, value: new Struct(schema) }));
    const req = SchemaBuilder.string().optional().defaultValue("req_default").build();
    const opt = SchemaBuilder.string().optional().defaultValue("child_default").build();
    expect(schemaEquals(out.valueSchema?.field("req_field")?.schema, req)).toBe(true);
    expect(schemaEquals(out.valueSchema?.field("opt_field")?.schema, opt)).toBe(true);
  });

  test("makes every field under an optional nested struct optional", () => {
    const inner = SchemaBuilder.struct().optional().field("x", Schemas.INT32).build();
    const schema = SchemaBuilder.struct().field("in", inner).build();
    const out = flatten().apply(srcRecord({ valueSchema: schema, value: new Struct(schema) }));
    expect(out.valueSchema?.field("in.x")?.schema.optional).toBe(true);
    expect((out.value as Struct).get("in.x")).toBeNull();
  });

  test.each([
    ["without a schema", srcRecord({ value: null })],
    ["with a schema", srcRecord({ valueSchema: SchemaBuilder.struct().optional().build(), value: null })],
  ])("passes a tombstone %s through", (_what, record) => {
    expect(flatten().apply(record)).toBe(record);
  });

  test("keeps null map entries", () => {
    expect(flatten().apply(srcRecord({ value: { a: null, b: { c: null } } })).value).toEqual({ a: null, "b.c": null });
  });

  test.each<[Schema, string]>([
    [
      SchemaBuilder.struct().field("m", SchemaBuilder.map(Schemas.STRING, Schemas.STRING).build()).build(),
      "Flatten transformation does not support MAP for record with schemas (for field m).",
    ],
  ])("rejects a MAP field with a schema", (schema, message) => {
    expectError(
      () => flatten().apply(srcRecord({ valueSchema: schema, value: new Struct(schema) })),
      DataError,
      message,
    );
  });

  test.each<[unknown, string]>([
    [
      new Date(0),
      "Flatten transformation was passed a value of type class java.util.Date which is not supported by Connect's data API",
    ],
    [
      new Struct(SchemaBuilder.struct().build()),
      "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for record without schemas (for field a).",
    ],
  ])("rejects %p inside a schemaless map", (inner, message) => {
    expectError(() => flatten().apply(srcRecord({ value: { a: inner } })), DataError, message);
  });

  test("builds the flattened schema once per input schema", () => {
    const xform = flatten();
    const schema = SchemaBuilder.struct().field("a", SchemaBuilder.struct().field("b", Schemas.INT32).build()).build();
    const record = () => srcRecord({ valueSchema: schema, value: new Struct(schema) });
    expect(xform.apply(record()).valueSchema).toBe(xform.apply(record()).valueSchema);
  });
});
