import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../api/data/java-double.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "../api/data/logical.ts";
import { SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError, DataError } from "../errors.ts";
import { thrownBy, traceHeadlines } from "../errors-test-support.ts";
import { MaskField } from "./mask-field.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, sinkRecord } from "./util/test-support.ts";

const SCHEMA = SchemaBuilder.struct()
  .field("magic", Schemas.INT32)
  .field("bool", Schemas.BOOLEAN)
  .field("byte", Schemas.INT8)
  .field("short", Schemas.INT16)
  .field("int", Schemas.INT32)
  .field("long", Schemas.INT64)
  .field("float", Schemas.FLOAT32)
  .field("double", Schemas.FLOAT64)
  .field("string", Schemas.STRING)
  .field("date", ConnectDate.schema())
  .field("time", ConnectTime.schema())
  .field("timestamp", ConnectTimestamp.schema())
  .field("decimal", Decimal.schema(0))
  .field("array", SchemaBuilder.array(Schemas.INT32).build())
  .field("map", SchemaBuilder.map(Schemas.STRING, Schemas.STRING).build())
  .field("withDefault", SchemaBuilder.string().optional().defaultValue("default").build())
  .field("bytes", Schemas.OPTIONAL_BYTES)
  .build();

function struct(): Struct {
  return new Struct(SCHEMA)
    .put("magic", 42)
    .put("bool", true)
    .put("byte", 42)
    .put("short", 42)
    .put("int", 42)
    .put("long", 42)
    .put("float", 42)
    .put("double", 42)
    .put("string", "hmm")
    .put("date", new Date(86_400_000))
    .put("time", new Date(1000))
    .put("timestamp", new Date(123456))
    .put("decimal", new BigDecimal(42n, 0))
    .put("array", [1, 2, 3])
    .put("map", new Map([["what", "what"]]))
    .put("withDefault", null);
}

const VALUES = {
  magic: 42,
  bool: true,
  int: 42,
  double: 42.5,
  string: "55.121.20.20",
  date: new Date(123),
  bigdec: BigDecimal.parse("42.0"),
  big: 2n ** 60n,
  list: [42],
  map: { key: "value" },
};

function mask(fields: string, replacement?: string, side = VALUE_SIDE): MaskField {
  const xform = new MaskField(side);
  xform.configure({
    fields,
    "replace.null.with.default": "false",
    ...(replacement === undefined ? {} : { replacement }),
  });
  return xform;
}

describe("MaskField", () => {
  test("masks schemaless fields with the empty value of their type", () => {
    const fields = Object.keys(VALUES).filter((k) => k !== "magic");
    const out = mask(fields.join(",")).apply(sinkRecord({ value: VALUES })).value;
    expect(out).toEqual({
      magic: 42,
      bool: false,
      int: 0,
      double: new JavaDouble(0), // a Double's mask, 0.0
      string: "",
      date: new Date(0),
      bigdec: new BigDecimal(0n, 0),
      big: 0,
      list: [],
      map: {},
    });
  });

  test("masks struct fields with the empty value of their schema type", () => {
    const fields = SCHEMA.fields.map((f) => f.name).filter((n) => n !== "magic" && n !== "bytes");
    const out = mask(fields.join(",")).apply(sinkRecord({ valueSchema: SCHEMA, value: struct() }));
    const value = out.value as Struct;
    expect(out.valueSchema).toBe(SCHEMA);
    expect(SCHEMA.fields.map((f) => value.getWithoutDefault(f.name))).toEqual([
      42,
      false,
      0,
      0,
      0,
      0,
      0,
      0,
      "",
      new Date(0),
      new Date(0),
      new Date(0),
      new BigDecimal(0n, 0),
      [],
      new Map(),
      null,
      null,
    ]);
  });

  test.each<[string, unknown]>([
    ["byte", 123],
    ["short", 123],
    ["int", 123],
    ["long", 123],
    ["float", 123],
    ["double", 123],
    ["string", "123"],
    ["decimal", BigDecimal.parse("123.0")],
  ])("replaces the struct field %p with the replacement", (field, expected) => {
    const replacement = expected instanceof BigDecimal ? "123.0" : "123";
    const out = mask(field, replacement).apply(sinkRecord({ valueSchema: SCHEMA, value: struct() }));
    expect((out.value as Struct).get(field)).toEqual(expected);
  });

  test.each<[string, string, unknown]>([
    ["int", "123", 123],
    ["int", "12.7", 12],
    ["double", "123.5", 123.5],
    ["string", "123", "123"],
    ["bigdec", "123.0", BigDecimal.parse("123.0")],
    ["big", "123", 123],
  ])("replaces the schemaless field %p with %p", (field, replacement, expected) => {
    const out = mask(field, replacement).apply(sinkRecord({ value: VALUES })).value as Record<string, unknown>;
    expect(out[field]).toEqual(expected);
  });

  test.each<[string, string]>([
    ["date", "Cannot mask value of type class java.util.Date with custom replacement."],
    ["bool", "Cannot mask value of type class java.lang.Boolean with custom replacement."],
    ["list", "Cannot mask value of type class java.util.ArrayList with custom replacement."],
    ["map", "Cannot mask value of type class java.util.HashMap with custom replacement."],
  ])("cannot replace the schemaless field %p", (field, message) => {
    expectError(() => mask(field, "123").apply(sinkRecord({ value: VALUES })), DataError, message);
  });

  test.each<[string, string]>([
    ["time", "Cannot mask value of type class java.util.Date with custom replacement."],
    ["array", "Cannot mask value of type class java.util.ArrayList with custom replacement."],
  ])("cannot replace the struct field %p", (field, message) => {
    expectError(
      () => mask(field, "123").apply(sinkRecord({ valueSchema: SCHEMA, value: struct() })),
      DataError,
      message,
    );
  });

  test.each<[string, string]>([
    ["int", "Unable to convert foo (class java.lang.String) to a number"],
    ["double", "Unable to convert foo (class java.lang.String) to a number"],
    ["bigdec", "Unable to convert foo (class java.lang.String) to number"],
  ])("fails to convert the replacement for %p", (field, message) => {
    expectError(() => mask(field, "foo").apply(sinkRecord({ value: VALUES })), DataError, message);
  });

  test("a Decimal's replacement BigDecimal refuses carries its NumberFormatException, as Connect wraps it", () => {
    const error = thrownBy(() => mask("bigdec", "1.2.3").apply(sinkRecord({ value: VALUES })));
    expect(traceHeadlines(error)).toEqual([
      "org.apache.kafka.connect.errors.DataException: Unable to convert 1.2.3 (class java.lang.String) to number",
      "Caused by: java.lang.NumberFormatException: Character array contains more than one decimal point.",
    ]);
  });

  test("cannot mask bytes", () => {
    const value = struct().put("bytes", new Uint8Array([1]));
    expectError(
      () => mask("bytes").apply(sinkRecord({ valueSchema: SCHEMA, value })),
      DataError,
      "Cannot mask value of type: class [B",
    );
  });

  test("keeps the default of an unmasked null field when replace.null.with.default is true", () => {
    const xform = new MaskField(VALUE_SIDE);
    xform.configure({ fields: "magic" });
    const out = xform.apply(sinkRecord({ valueSchema: SCHEMA, value: struct() }));
    expect((out.value as Struct).getWithoutDefault("withDefault")).toBe("default");
  });

  test("masks the key with the $Key variant", () => {
    const out = mask("secret", undefined, KEY_SIDE).apply(
      sinkRecord({ key: new Map([["secret", "s3cr3t"]]), value: "v" }),
    );
    expect([out.key, out.value]).toEqual([new Map([["secret", ""]]), "v"]);
  });

  test.each([
    [{ fields: "a", replacement: "" }, "Invalid value  for configuration replacement: String must be non-empty"],
    [{ fields: "" }, "Configuration 'fields' must not be empty. Valid values include: any non-empty value"],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new MaskField(VALUE_SIDE).configure(configs), ConfigError, message);
  });

  test("requires a map without a schema", () => {
    expectError(
      () => mask("a").apply(sinkRecord({ value: null })),
      DataError,
      "Only Map objects supported in absence of schema for [mask fields], found: null",
    );
  });
});
