/**
 * Cast on a whole key or value (with and without a schema) and its config. Casts of fields are in
 * cast-fields.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { JavaDouble } from "../api/data/java-double.ts";
import { BigDecimal, ConnectDate, ConnectTimestamp, Decimal } from "../api/data/logical.ts";
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

    // Integer.parseInt reads Character.digit of each UTF-16 unit: a digit past the BMP (𝟏, two
    // surrogates) is none, where one of the BMP (fullwidth １) is.
    test.each(["abc", "\u{1d7cf}", "1\u{1d7cf}"])(
      "chains Java's NumberFormatException for %p as the cause, as Apache's trace shows it",
      (value) => {
        const trace = thrownTrace(() => cast("int32").apply(srcRecord({ valueSchema: Schemas.STRING, value })));
        expect(trace).toEqual([
          `org.apache.kafka.connect.errors.DataException: Value (${value}) was out of range for requested data type`,
          `Caused by: java.lang.NumberFormatException: For input string: "${value}"`,
        ]);
      },
    );

    test("casts a string of fullwidth digits to INT32 as Integer.parseInt reads it", () => {
      const out = cast("int32").apply(srcRecord({ valueSchema: Schemas.STRING, value: "-\uff11\uff12" }));
      expect(out.value).toBe(-12);
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

  test("casts a schemaless value's fields in Java's HashMap order of the spec (the first failure is Apache's)", () => {
    // "s" (bucket 3) before "l" (12) before "m" (13): the list fails first, as in runhunt3's hunt3-cast-complex-plain.
    const value = { m: { b: 2 }, l: [1], s: "t" };
    expectError(
      () => cast("m:string,l:string,s:string").apply(srcRecord({ value })),
      DataError,
      "Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]",
    );
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
