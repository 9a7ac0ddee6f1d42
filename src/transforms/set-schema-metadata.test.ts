import { describe, expect, test } from "bun:test";
import { SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError, DataError } from "../errors.ts";
import { SetSchemaMetadata } from "./set-schema-metadata.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, sinkRecord } from "./util/test-support.ts";

function setMetadata(configs: Record<string, string>, side = VALUE_SIDE): SetSchemaMetadata {
  const xform = new SetSchemaMetadata(side);
  xform.configure(configs);
  return xform;
}

describe("SetSchemaMetadata", () => {
  test.each<[Record<string, string>, string | undefined, number | undefined]>([
    [{ "schema.name": "foo" }, "foo", undefined],
    [{ "schema.version": "42" }, undefined, 42],
    [{ "schema.name": "foo", "schema.version": "42" }, "foo", 42],
  ])("applies %p to a struct schema", (configs, name, version) => {
    const out = setMetadata(configs).apply(sinkRecord({ valueSchema: SchemaBuilder.struct().build(), value: null }));
    expect([out.valueSchema?.name, out.valueSchema?.version]).toEqual([name, version]);
  });

  test("rebuilds the struct on the new schema", () => {
    const schema = SchemaBuilder.struct()
      .name("my.orig.SchemaDefn")
      .field("f1", Schemas.STRING)
      .field("f2", Schemas.INT32)
      .build();
    const value = new Struct(schema).put("f1", "value1").put("f2", 1);
    const out = setMetadata({ "schema.name": "foo", "schema.version": "42" }).apply(
      sinkRecord({ valueSchema: schema, value }),
    );
    const struct = out.value as Struct;
    expect(struct.schema).toBe(out.valueSchema!);
    expect(struct.schema.fields.map((f) => [f.name, f.index, f.schema])).toEqual(
      schema.fields.map((f) => [f.name, f.index, f.schema]),
    );
    expect([struct.get("f1"), struct.get("f2")]).toEqual(["value1", 1]);
  });

  test.each([
    ["true", "default"],
    ["false", null],
  ])("with replace.null.with.default=%p keeps %p for a null field with a default", (flag, expected) => {
    const schema = SchemaBuilder.struct()
      .field("f1", SchemaBuilder.string().defaultValue("default").optional().build())
      .field("f2", Schemas.INT32)
      .build();
    const value = new Struct(schema).put("f1", null).put("f2", 1);
    const out = setMetadata({ "schema.name": "foo", "replace.null.with.default": flag }).apply(
      sinkRecord({ valueSchema: schema, value }),
    );
    expect((out.value as Struct).getWithoutDefault("f1")).toBe(expected);
  });

  test("renames a primitive and a map schema", () => {
    const map = SchemaBuilder.map(Schemas.STRING, Schemas.INT32).build();
    const out = setMetadata({ "schema.name": "k" }, KEY_SIDE).apply(
      sinkRecord({ keySchema: map, key: new Map([["a", 1]]) }),
    );
    expect([out.keySchema?.name, out.keySchema?.keySchema, out.keySchema?.valueSchema]).toEqual([
      "k",
      Schemas.STRING,
      Schemas.INT32,
    ]);
    expect(out.key).toEqual(new Map([["a", 1]]));
    const str = setMetadata({ "schema.version": "2" }).apply(sinkRecord({ valueSchema: Schemas.STRING, value: "x" }));
    expect([str.valueSchema?.type, str.valueSchema?.version, str.value]).toEqual(["STRING", 2, "x"]);
  });

  test("requires a schema for a value", () => {
    expectError(
      () => setMetadata({ "schema.name": "foo" }).apply(sinkRecord({ value: 42 })),
      DataError,
      "Schema required for [updating schema metadata]",
    );
  });

  test("ignores a record with neither schema nor value", () => {
    const record = sinkRecord({});
    expect(setMetadata({ "schema.name": "foo" }).apply(record)).toBe(record);
  });

  test("keeps values that carry no schema", () => {
    const xform = setMetadata({ "schema.name": "foo" });
    expect(xform.updateSchemaIn(1, Schemas.INT32)).toBe(1);
    expect(xform.updateSchemaIn(null, Schemas.INT32)).toBeNull();
  });

  test.each([
    [{}, "Neither schema name nor version configured"],
    [{ "schema.version": "x" }, "Invalid value x for configuration schema.version: Not a number of type INT"],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new SetSchemaMetadata(VALUE_SIDE).configure(configs), ConfigError, message);
  });
});
