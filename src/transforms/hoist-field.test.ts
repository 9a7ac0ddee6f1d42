import { describe, expect, test } from "bun:test";
import { SchemaBuilder, Schemas, schemaEquals } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError } from "../errors.ts";
import { HoistField } from "./hoist-field.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, sinkRecord } from "./util/test-support.ts";

function hoist(side = KEY_SIDE): HoistField {
  const xform = new HoistField(side);
  xform.configure({ field: "magic" });
  return xform;
}

describe("HoistField", () => {
  test.each<[unknown]>([[42], [null], [{ a: 1 }]])("wraps the schemaless key %p in a map", (key) => {
    const out = hoist().apply(sinkRecord({ key }));
    expect([out.keySchema, out.key]).toEqual([null, { magic: key }]);
  });

  test("wraps a key with a schema in a struct", () => {
    const out = hoist().apply(sinkRecord({ keySchema: Schemas.INT32, key: 42 }));
    const expected = SchemaBuilder.struct().field("magic", Schemas.INT32).build();
    expect(schemaEquals(out.keySchema, expected)).toBe(true);
    expect((out.key as Struct).equals(new Struct(expected).put("magic", 42))).toBe(true);
  });

  test("wraps the value with the $Value variant and keeps the key", () => {
    const out = hoist(VALUE_SIDE).apply(sinkRecord({ key: "k", value: "line" }));
    expect([out.key, out.value]).toEqual(["k", { magic: "line" }]);
  });

  test("builds the struct schema once per input schema", () => {
    const xform = hoist();
    const first = xform.apply(sinkRecord({ keySchema: Schemas.STRING, key: "a" }));
    const second = xform.apply(sinkRecord({ keySchema: Schemas.STRING, key: "b" }));
    expect(second.keySchema).toBe(first.keySchema);
  });

  test("requires the field name", () => {
    expectError(
      () => new HoistField(KEY_SIDE).configure({}),
      ConfigError,
      'Missing required configuration "field" which has no default value.',
    );
  });
});
