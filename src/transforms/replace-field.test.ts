import { describe, expect, test } from "bun:test";
import { SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError } from "../errors.ts";
import { ReplaceField, replaceFieldValue } from "./replace-field.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, sinkRecord } from "./util/test-support.ts";

function replace(configs: Record<string, string>, side = VALUE_SIDE): ReplaceField {
  const xform = new ReplaceField(side);
  xform.configure(configs);
  return xform;
}

const VALUE = { dont: "whatever", abc: 42, foo: true, etc: "etc" };

describe("ReplaceField", () => {
  test.each<[Record<string, string>, Record<string, unknown>]>([
    [
      { exclude: "dont", renames: "abc:xyz,foo:bar" },
      { xyz: 42, bar: true, etc: "etc" },
    ],
    [
      { include: "abc,foo", renames: "abc:xyz,foo:bar" },
      { xyz: 42, bar: true },
    ],
    [{ include: "abc,dont", exclude: "dont" }, { abc: 42 }],
    [
      { blacklist: "dont", renames: "abc:xyz,foo:bar" },
      { xyz: 42, bar: true, etc: "etc" },
    ],
    [{ whitelist: "abc,foo" }, { abc: 42, foo: true }],
    [{ whitelist: "abc", include: "foo" }, { foo: true }],
    [{}, VALUE],
  ])("applies %p to a schemaless map", (configs, expected) => {
    expect(replace(configs).apply(sinkRecord({ value: VALUE })).value).toEqual(expected);
  });

  test("filters and renames struct fields, keeping schema metadata", () => {
    const schema = SchemaBuilder.struct()
      .name("n")
      .version(3)
      .field("dont", Schemas.STRING)
      .field("abc", Schemas.INT32)
      .field("foo", Schemas.BOOLEAN)
      .field("etc", Schemas.STRING)
      .build();
    const value = new Struct(schema).put("dont", "whatever").put("abc", 42).put("foo", true).put("etc", "etc");
    const xform = replace({ include: "abc,foo", renames: "abc:xyz,foo:bar" });
    const out = xform.apply(sinkRecord({ valueSchema: schema, value }));
    expect(out.valueSchema?.fields.map((f) => [f.name, f.schema])).toEqual([
      ["xyz", Schemas.INT32],
      ["bar", Schemas.BOOLEAN],
    ]);
    expect([out.valueSchema?.name, out.valueSchema?.version]).toEqual(["n", 3]);
    expect([(out.value as Struct).get("xyz"), (out.value as Struct).get("bar")]).toEqual([42, true]);
    expect(xform.apply(sinkRecord({ valueSchema: schema, value })).valueSchema).toBe(out.valueSchema!);
  });

  test.each([
    ["true", "default"],
    ["false", null],
  ])("with replace.null.with.default=%p copies %p for a null field with a default", (flag, expected) => {
    const schema = SchemaBuilder.struct()
      .field("a", SchemaBuilder.string().optional().defaultValue("default").build())
      .build();
    const out = replace({ renames: "a:b", "replace.null.with.default": flag }).apply(
      sinkRecord({ valueSchema: schema, value: new Struct(schema) }),
    );
    expect((out.value as Struct).getWithoutDefault("b")).toBe(expected);
  });

  test.each([
    ["without a schema", sinkRecord({ value: null })],
    ["with a schema", sinkRecord({ valueSchema: SchemaBuilder.struct().optional().build(), value: null })],
  ])("passes a tombstone %s through", (_what, record) => {
    expect(replace({ include: "abc,foo", renames: "abc:xyz" }).apply(record)).toBe(record);
  });

  test("works on the key with the $Key variant", () => {
    const out = replace({ exclude: "a" }, KEY_SIDE).apply(
      sinkRecord({
        key: new Map([
          ["a", 1],
          ["b", 2],
        ]),
        value: "v",
      }),
    );
    expect([out.key, out.value]).toEqual([new Map([["b", 2]]), "v"]);
  });

  test.each([
    [{ renames: "abc" }, "Invalid value [abc] for configuration renames: Invalid rename mapping: abc"],
    [{ renames: "a:b:c" }, "Invalid value [a:b:c] for configuration renames: Invalid rename mapping: a:b:c"],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new ReplaceField(VALUE_SIDE).configure(configs), ConfigError, message);
  });

  test("declares Connect 4.3.1's keys only: the deprecated aliases are translated, not declared", () => {
    expect(replaceFieldValue.config.keys.map((k) => [k.name, k.meta.type, k.meta.default, k.meta.importance])).toEqual([
      ["exclude", "LIST", "", "MEDIUM"],
      ["include", "LIST", "", "MEDIUM"],
      ["renames", "LIST", "", "MEDIUM"],
      ["replace.null.with.default", "BOOLEAN", "true", "MEDIUM"],
    ]);
  });
});
