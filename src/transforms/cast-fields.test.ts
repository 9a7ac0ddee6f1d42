/**
 * Cast on fields: of a struct (optionality, defaults, logical types), of a schemaless map and of a
 * JS Map, and replace.null.with.default. The whole-value casts and the config are in cast.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../api/data/java-double.ts";
import { BigDecimal, ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from "../api/data/logical.ts";
import { SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { Cast } from "./cast.ts";
import { VALUE_SIDE } from "./util/record-side.ts";
import { srcRecord } from "./util/test-support.ts";

const MS_PER_DAY = 86_400_000;

function cast(spec: string, extra: Record<string, string> = {}): Cast {
  const xform = new Cast(VALUE_SIDE);
  xform.configure({ spec, ...extra });
  return xform;
}

describe("Cast", () => {
  describe("on fields", () => {
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
      const out = cast("b:int64", { "replace.null.with.default": flag }).apply(
        srcRecord({ valueSchema: schema, value }),
      );
      expect((out.value as Struct).getWithoutDefault("a")).toBe(expected);
    });
  });
});
