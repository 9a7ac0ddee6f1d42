import { describe, expect, test } from "bun:test";
import { type Header, Headers } from "../api/data/headers.ts";
import { type Schema, SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import type { SourceRecord } from "../api/record.ts";
import { ConfigError, DataError } from "../errors.ts";
import { HeaderFrom } from "./header-from.ts";
import { KEY_SIDE, type RecordSide, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, srcRecord } from "./util/test-support.ts";

type FieldSpec = [name: string, schema: Schema, value: unknown];
type HeaderSpec = [key: string, schema: Schema, value: unknown];

/** Apache's HeaderFromTest.RecordBuilder: the same fields and headers, with or without schemas. */
function build(side: RecordSide, fields: FieldSpec[], headers: HeaderSpec[], withSchema: boolean): SourceRecord {
  const headerList: Header[] = headers.map(([key, schema, value]) => ({
    key,
    value,
    schema: withSchema ? schema : null,
  }));
  let schema: Schema | null = null;
  let value: unknown;
  if (withSchema) {
    const builder = SchemaBuilder.struct();
    for (const [name, fieldSchema] of fields) builder.field(name, fieldSchema);
    schema = builder.build();
    const struct = new Struct(schema);
    for (const [name, , fieldValue] of fields) struct.put(name, fieldValue);
    value = struct;
  } else {
    value = Object.fromEntries(fields.map(([name, , fieldValue]) => [name, fieldValue]));
  }
  const record = srcRecord({
    sourcePartition: { p: 1 },
    sourceOffset: { o: 2 },
    timestamp: 0,
    headers: Headers.of(headerList),
  });
  return side.with(record, schema, value);
}

const S = Schemas.STRING;
const withDefault = SchemaBuilder.string().defaultValue("default").optional().build();
const nested = SchemaBuilder.struct().field("foo", S).build();
const nestedValue = new Struct(nested).put("foo", "foo-value");
const field1: FieldSpec = ["field1", S, "field1-value"];
const field2: FieldSpec = ["field2", S, "field2-value"];
const existing: HeaderSpec = ["header1", S, "existing-value"];

const cases: [string, FieldSpec[], HeaderSpec[], string, string, string, boolean, FieldSpec[], HeaderSpec[]][] = [
  [
    "basic copy",
    [field1, field2],
    [existing],
    "field1",
    "inserted1",
    "copy",
    true,
    [field1, field2],
    [existing, ["inserted1", S, "field1-value"]],
  ],
  [
    "basic move",
    [field1, field2],
    [existing],
    "field1",
    "inserted1",
    "move",
    true,
    [field2],
    [existing, ["inserted1", S, "field1-value"]],
  ],
  [
    "copy with preexisting header",
    [field1, field2],
    [["inserted1", S, "existing-value"]],
    "field1",
    "inserted1",
    "copy",
    true,
    [field1, field2],
    [
      ["inserted1", S, "existing-value"],
      ["inserted1", S, "field1-value"],
    ],
  ],
  [
    "move with struct value",
    [["field1", nested, nestedValue], field2],
    [existing],
    "field1",
    "inserted1",
    "move",
    true,
    [field2],
    [existing, ["inserted1", nested, nestedValue]],
  ],
  [
    "two headers from same field",
    [field1, field2],
    [existing],
    "field1,field1",
    "inserted1,inserted2",
    "move",
    true,
    [field2],
    [existing, ["inserted1", S, "field1-value"], ["inserted2", S, "field1-value"]],
  ],
  [
    "two fields to same header",
    [field1, field2],
    [existing],
    "field1,field2",
    "inserted1,inserted1",
    "move",
    true,
    [],
    [existing, ["inserted1", S, "field1-value"], ["inserted1", S, "field2-value"]],
  ],
  [
    "copy null field without default",
    [
      ["field1", withDefault, "field1-value"],
      ["field2", withDefault, null],
    ],
    [existing],
    "field1,field2",
    "inserted1,inserted2",
    "copy",
    false,
    [
      ["field1", withDefault, "field1-value"],
      ["field2", withDefault, null],
    ],
    [existing, ["inserted1", withDefault, "field1-value"], ["inserted2", withDefault, null]],
  ],
];

describe("HeaderFrom", () => {
  describe.each([
    ["$Key", KEY_SIDE],
    ["$Value", VALUE_SIDE],
  ])("%s", (_variant, side) => {
    test.each(cases)(
      "%s, with and without schemas",
      (_name, fields, headers, from, to, operation, replace, expectedFields, expectedHeaders) => {
        for (const withSchema of [false, true]) {
          const xform = new HeaderFrom(side);
          xform.configure({ fields: from, headers: to, operation, "replace.null.with.default": String(replace) });
          const out = xform.apply(build(side, fields, headers, withSchema));
          const expected = build(side, expectedFields, expectedHeaders, withSchema);
          expect(out.headers).toEqual(expected.headers);
          expect(side.value(out)).toEqual(side.value(expected));
          if (withSchema) expect(side.schema(out)?.fields.map((f) => f.name)).toEqual(expectedFields.map(([n]) => n));
          expect([out.sourcePartition, out.sourceOffset, out.topic, out.timestamp]).toEqual([
            { p: 1 },
            { o: 2 },
            "test",
            0,
          ]);
        }
      },
    );
  });

  test("copy with a null default-valued field puts the default when replace.null.with.default is true", () => {
    const xform = new HeaderFrom(VALUE_SIDE);
    xform.configure({ fields: "field2", headers: "h", operation: "copy" });
    const out = xform.apply(build(VALUE_SIDE, [["field2", withDefault, null]], [], true));
    expect(out.headers.lastWithName("h")?.value).toBe("default");
  });

  test.each([
    [
      { fields: "foo,bar", headers: "foo", operation: "copy" },
      "'fields' config must have the same number of elements as 'headers' config.",
    ],
    [
      { fields: "foo", headers: "foo,bar", operation: "copy" },
      "'fields' config must have the same number of elements as 'headers' config.",
    ],
    [{ fields: "", headers: "", operation: "copy" }, "Invalid value [] for configuration fields: Empty list"],
    [
      { fields: "a", headers: "b", operation: "rename" },
      "Invalid value rename for configuration operation: String must be one of: move, copy",
    ],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new HeaderFrom(VALUE_SIDE).configure(configs), ConfigError, message);
  });

  test.each<[Schema | null, unknown, string]>([
    [null, 42, "Only Map objects supported in absence of schema for [header copy], found: java.lang.Long"],
    [Schemas.INT32, 42, "Only Struct objects supported for [header copy], found: java.lang.Integer"],
  ])("rejects a value that is not a map or struct", (valueSchema, value, message) => {
    const xform = new HeaderFrom(VALUE_SIDE);
    xform.configure({ fields: "a", headers: "b", operation: "copy" });
    expectError(() => xform.apply(srcRecord({ valueSchema, value })), DataError, message);
  });
});
