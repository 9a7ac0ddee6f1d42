import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../api/data/java-double.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "../api/data/logical.ts";
import { type Schema, SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { ConfigError, DataError, traceOf } from "../errors.ts";
import { Cast, castKey, castValue } from "./cast.ts";
import { KEY_SIDE, VALUE_SIDE } from "./util/record-side.ts";
import { expectError, srcRecord } from "./util/test-support.ts";

/** The exception lines of the trace `run` throws, without frames. */
function thrownTrace(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    return traceOf(error)
      .split("\n")
      .filter((l) => !l.startsWith("\tat "));
  }
  throw new Error("did not throw");
}

const MS_PER_DAY = 86_400_000;

function cast(spec: string, side = VALUE_SIDE, extra: Record<string, string> = {}): Cast {
  const xform = new Cast(side);
  xform.configure({ spec, ...extra });
  return xform;
}

describe("Cast", () => {
  describe("when the config is invalid", () => {
    test.each([
      [{}, 'Missing required configuration "spec" which has no default value.'],
      [{ spec: "" }, "Must specify at least one field to cast."],
      [
        { spec: "foo:faketype" },
        "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.FAKETYPE for configuration Invalid type found in casting spec: faketype",
      ],
      [
        { spec: "foo:array" },
        "Cast transformation does not support casting to ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
      ],
      [
        { spec: "a:int8:extra" },
        "Invalid value [a:int8:extra] for configuration renames: Invalid rename mapping: a:int8:extra",
      ],
      [
        { spec: "int8,int32" },
        "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec",
      ],
      [
        { spec: "int8", "replace.null.with.default": "maybe" },
        "Invalid value maybe for configuration replace.null.with.default: Expected value to be either true or false",
      ],
    ])("rejects %p", (configs, message) => {
      expectError(() => new Cast(VALUE_SIDE).configure(configs as Record<string, string>), ConfigError, message);
    });

    test("reports the bad spec through validation", () => {
      expect(castValue.config.validate({ spec: "foo:bytes" }).get("spec")?.errors).toEqual([
        "Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
      ]);
    });
  });

  describe("when casting the whole value with a schema", () => {
    test.each<[string, Schema, unknown, string, unknown]>([
      ["int8", Schemas.INT32, 42, "INT8", 42],
      ["int16", Schemas.INT32, 42, "INT16", 42],
      ["int32", Schemas.INT32, 42, "INT32", 42],
      ["int64", Schemas.INT32, 42, "INT64", 42],
      ["float32", Schemas.INT32, 42, "FLOAT32", 42],
      ["float64", Schemas.INT32, 42, "FLOAT64", 42],
      ["boolean", Schemas.INT32, 42, "BOOLEAN", true],
      ["boolean", Schemas.INT32, 0, "BOOLEAN", false],
      ["string", Schemas.INT32, 42, "STRING", "42"],
      ["string", Schemas.FLOAT64, 42, "STRING", "42.0"],
      ["string", Schemas.FLOAT32, Math.fround(0.1), "STRING", "0.1"],
      ["int8", Schemas.INT64, 300, "INT8", 44],
      ["int32", Schemas.FLOAT64, 3.9e9, "INT32", 2147483647],
      ["int64", Schemas.STRING, "9223372036854775807", "INT64", 9223372036854775807n],
      ["float64", Schemas.STRING, "1.5", "FLOAT64", 1.5],
      ["float64", Schemas.STRING, " 0x1.8p1 ", "FLOAT64", 3],
      ["boolean", Schemas.STRING, "TRUE", "BOOLEAN", true],
      ["string", Decimal.schema(0), new BigDecimal(42n, 0), "STRING", "42"],
      ["string", ConnectTimestamp.schema(), new Date(MS_PER_DAY + 1), "STRING", "1970-01-02T00:00:00.001Z"],
      [
        "string",
        Schemas.BYTES,
        new Uint8Array([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10]),
        "STRING",
        "/ty6mHZUMhA=",
      ],
      ["int32", ConnectDate.schema(), new Date(MS_PER_DAY), "INT32", 1],
    ])("casts to %p from %p (%p)", (spec, schema, value, type, expected) => {
      const out = cast(spec).apply(srcRecord({ valueSchema: schema, value }));
      expect(out.valueSchema?.type).toBe(type as Schema["type"]);
      expect(out.value).toEqual(expected);
    });

    test("casts the schema's default value", () => {
      const schema = SchemaBuilder.float32().defaultValue(Math.fround(-42.125)).build();
      const out = cast("int32").apply(srcRecord({ valueSchema: schema, value: Math.fround(42.125) }));
      expect(out.value).toBe(42);
      expect(out.valueSchema?.defaultValue).toBe(-42);
    });

    test("casts the key with the $Key variant", () => {
      const out = cast("int8", KEY_SIDE).apply(
        srcRecord({ keySchema: Schemas.INT32, key: 42, valueSchema: Schemas.STRING, value: "bogus" }),
      );
      expect([out.keySchema?.type, out.key, out.value]).toEqual(["INT8", 42, "bogus"]);
    });

    test.each([
      ["int8", Schemas.STRING, "300", "Value (300) was out of range for requested data type"],
      ["float32", Schemas.STRING, "Infinityf", "Value (Infinityf) was out of range for requested data type"],
      ["int8", Schemas.BYTES, new Uint8Array([1]), "Unexpected type in Cast transformation: class [B"],
    ])("fails to cast to %p from %p %p", (spec, schema, value, message) => {
      expectError(() => cast(spec).apply(srcRecord({ valueSchema: schema, value })), DataError, message);
    });

    test("chains Java's NumberFormatException as the cause, as Apache's trace shows it", () => {
      const trace = thrownTrace(() => cast("int32").apply(srcRecord({ valueSchema: Schemas.STRING, value: "abc" })));
      expect(trace).toEqual([
        "org.apache.kafka.connect.errors.DataException: Value (abc) was out of range for requested data type",
        'Caused by: java.lang.NumberFormatException: For input string: "abc"',
      ]);
    });

    test("fails on a struct", () => {
      const schema = SchemaBuilder.struct().field("a", Schemas.INT32).build();
      expectError(
        () => cast("int8").apply(srcRecord({ valueSchema: schema, value: new Struct(schema).put("a", 1) })),
        DataError,
        "Cast transformation does not support casting from STRUCT; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]",
      );
    });
  });

  describe("when casting the whole value without a schema", () => {
    test.each<[string, unknown, unknown]>([
      ["int8", 42, 42],
      ["int16", 42, 42],
      ["int32", 42, 42],
      ["int64", 42, 42],
      ["float32", 42, new JavaDouble(42)],
      ["float64", 42, new JavaDouble(42)],
      ["boolean", 42, true],
      ["boolean", 0, false],
      ["string", 42, "42"],
      ["string", 42.5, "42.5"],
      ["int32", "123", 123],
    ])("casts to %p from %p", (spec, value, expected) => {
      const out = cast(spec).apply(srcRecord({ value }));
      expect(out.valueSchema).toBeNull();
      expect(out.value).toEqual(expected);
    });

    test.each<[unknown, string]>([
      [
        new Date(0),
        "Cast transformation was passed a value of type class java.util.Date which is not supported by Connect's data API",
      ],
      [
        { a: 1 },
        "Cast transformation does not support casting from MAP; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]",
      ],
    ])("rejects %p", (value, message) => {
      expectError(() => cast("int8").apply(srcRecord({ value })), DataError, message);
    });
  });

  test.each([
    ["value with schema", srcRecord({ valueSchema: Schemas.OPTIONAL_INT32, value: null })],
    ["value without schema", srcRecord({ value: null })],
  ])("passes a null %s through", (_name, record) => {
    expect(cast("int8").apply(record)).toBe(record);
  });

  test("passes a null key through", () => {
    const record = srcRecord({ keySchema: null, key: null, value: 1 });
    expect(cast("int8", KEY_SIDE).apply(record)).toBe(record);
  });

  test("casts fields of a struct, their optionality and defaults", () => {
    const day = new Date(MS_PER_DAY);
    const bytes = new Uint8Array([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10]);
    const schema = SchemaBuilder.struct()
      .field("int8", Schemas.INT8)
      .field("int16", Schemas.OPTIONAL_INT16)
      .field("int32", SchemaBuilder.int32().defaultValue(2).build())
      .field("int64", Schemas.INT64)
      .field("float32", Schemas.FLOAT32)
      .field("float64", SchemaBuilder.float64().defaultValue(-1.125).build())
      .field("boolean", Schemas.BOOLEAN)
      .field("string", Schemas.STRING)
      .field("bigdecimal", Decimal.schema(0))
      .field("date", ConnectDate.schema())
      .field("optional", Schemas.OPTIONAL_FLOAT32)
      .field("timestamp", ConnectTimestamp.schema())
      .field("bytes", Schemas.BYTES)
      .build();
    const value = new Struct(schema)
      .put("int8", 8)
      .put("int16", 16)
      .put("int32", 32)
      .put("int64", 64)
      .put("float32", 32)
      .put("float64", -64)
      .put("boolean", true)
      .put("string", "42")
      .put("bigdecimal", new BigDecimal(42n, 0))
      .put("date", day)
      .put("timestamp", new Date(0))
      .put("bytes", bytes);
    const spec =
      "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8," +
      "string:int32,bigdecimal:string,date:string,optional:int32,bytes:string";
    const out = cast(spec).apply(srcRecord({ valueSchema: schema, value }));
    const struct = out.value as Struct;
    const names = schema.fields.map((f) => f.name);
    expect(names.map((n) => struct.get(n))).toEqual([
      8,
      16,
      32,
      true,
      32,
      true,
      1,
      42,
      "42",
      "1970-01-02",
      null,
      new Date(0),
      "/ty6mHZUMhA=",
    ]);
    expect(names.map((n) => out.valueSchema?.field(n)?.schema.type)).toEqual([
      "INT16",
      "INT32",
      "INT64",
      "BOOLEAN",
      "FLOAT64",
      "BOOLEAN",
      "INT8",
      "INT32",
      "STRING",
      "STRING",
      "INT32",
      "INT64",
      "STRING",
    ]);
    expect(out.valueSchema?.field("int16")?.schema.optional).toBe(true);
    expect(out.valueSchema?.field("int32")?.schema.defaultValue).toBe(2);
    expect(out.valueSchema?.field("float64")?.schema.defaultValue).toBe(true);
    expect(out.valueSchema?.field("timestamp")?.schema).toBe(schema.field("timestamp")!.schema);
  });

  test("casts logical types to their primitive representation", () => {
    const schema = SchemaBuilder.struct()
      .field("date_to_int32", ConnectDate.schema())
      .field("timestamp_to_int64", ConnectTimestamp.schema())
      .field("time_to_int64", ConnectTime.schema())
      .field("decimal_to_int32", Decimal.schema(0))
      .field("timestamp_to_float64", ConnectTimestamp.schema())
      .field("null_timestamp_to_int32", ConnectTimestamp.builder().optional().build())
      .build();
    const value = new Struct(schema)
      .put("date_to_int32", new Date(MS_PER_DAY))
      .put("timestamp_to_int64", new Date(0))
      .put("time_to_int64", new Date(1))
      .put("decimal_to_int32", new BigDecimal(2147483648n, 0))
      .put("timestamp_to_float64", new Date(8.64e15))
      .put("null_timestamp_to_int32", null);
    const spec =
      "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32," +
      "timestamp_to_float64:float64,null_timestamp_to_int32:int32";
    const struct = cast(spec).apply(srcRecord({ valueSchema: schema, value })).value as Struct;
    expect(schema.fields.map((f) => struct.get(f.name))).toEqual([1, 0, 1, -2147483648, 8.64e15, null]);
  });

  test("casts fields of a schemaless map", () => {
    const value = {
      int8: 8,
      int16: 16,
      int32: 32,
      int64: 64,
      float32: 32,
      float64: -64,
      boolean: true,
      string: "42",
      other: "kept",
    };
    const out = cast(
      "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32",
    ).apply(srcRecord({ value }));
    expect(out.value).toEqual({
      int8: 8,
      int16: 16,
      int32: 32,
      int64: true,
      float32: new JavaDouble(32),
      float64: true,
      boolean: 1,
      string: 42,
      other: "kept",
    });
  });

  test("casts fields of a JS Map and returns a Map", () => {
    const out = cast("a:string").apply(srcRecord({ value: new Map([["a", 1]]) }));
    expect(out.value).toEqual(new Map([["a", "1"]]));
  });

  test.each([
    ["true", "default"],
    ["false", null],
  ])("with replace.null.with.default=%p keeps %p for a null field with a default", (flag, expected) => {
    const schema = SchemaBuilder.struct()
      .field("a", SchemaBuilder.string().optional().defaultValue("default").build())
      .field("b", Schemas.INT32)
      .build();
    const value = new Struct(schema).put("a", null).put("b", 1);
    const out = cast("b:int64", VALUE_SIDE, { "replace.null.with.default": flag }).apply(
      srcRecord({ valueSchema: schema, value }),
    );
    expect((out.value as Struct).getWithoutDefault("a")).toBe(expected);
  });

  test("builds the updated schema once per input schema", () => {
    const xform = cast("b:int64");
    const schema = SchemaBuilder.struct().field("b", Schemas.INT32).build();
    const first = xform.apply(srcRecord({ valueSchema: schema, value: new Struct(schema).put("b", 1) }));
    const second = xform.apply(srcRecord({ valueSchema: schema, value: new Struct(schema).put("b", 2) }));
    expect(second.valueSchema).toBe(first.valueSchema);
  });

  test("keeps the source record's own fields", () => {
    const record = srcRecord({ sourcePartition: { p: 1 }, sourceOffset: { o: 2 }, value: 42 });
    expect(cast("string").apply(record)).toEqual({ ...record, value: "42" });
  });

  test("declares Apache's class names", () => {
    expect([castKey.className, castValue.className]).toEqual([
      "org.apache.kafka.connect.transforms.Cast$Key",
      "org.apache.kafka.connect.transforms.Cast$Value",
    ]);
  });
});
