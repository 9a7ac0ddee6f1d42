import { describe, expect, test } from "bun:test";
import type { Converter } from "../api/converter.ts";
import { JavaDouble, schemalessFloat } from "../api/data/java-double.ts";
import { Schemas } from "../api/data/schema.ts";
import { serializationException } from "../errors.ts";
import { castValue } from "../transforms/cast.ts";
import { srcRecord } from "../transforms/util/test-support.ts";
import { JsonConverter } from "./json-converter.ts";
import {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from "./number-converters.ts";

function configured(converter: Converter): Converter {
  converter.configure({}, false);
  return converter;
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error("did not throw");
}

const cases = [
  ["ShortConverter", () => new ShortConverter(), Schemas.OPTIONAL_INT16, -2, [0xff, 0xfe]],
  ["IntegerConverter", () => new IntegerConverter(), Schemas.OPTIONAL_INT32, 258, [0, 0, 1, 2]],
  ["LongConverter", () => new LongConverter(), Schemas.OPTIONAL_INT64, -1, [255, 255, 255, 255, 255, 255, 255, 255]],
  [
    "LongConverter beyond 2^53",
    () => new LongConverter(),
    Schemas.OPTIONAL_INT64,
    2n ** 62n,
    [64, 0, 0, 0, 0, 0, 0, 0],
  ],
  ["FloatConverter", () => new FloatConverter(), Schemas.OPTIONAL_FLOAT32, 1.5, [0x3f, 0xc0, 0, 0]],
  ["DoubleConverter", () => new DoubleConverter(), Schemas.OPTIONAL_FLOAT64, -2, [0xc0, 0, 0, 0, 0, 0, 0, 0]],
] as const;

describe("number converters", () => {
  test.each(cases)("%s writes big-endian bytes and reads them back", (_name, create, schema, value, bytes) => {
    const converter = configured(create());
    expect(converter.fromConnectData("t", undefined as never, schema, value)).toEqual(new Uint8Array(bytes));
    expect(converter.toConnectData("t", undefined as never, new Uint8Array(bytes))).toEqual({ schema, value });
  });

  test.each(cases)("%s passes null through", (_name, create, schema) => {
    const converter = configured(create());
    expect(converter.fromConnectData("t", undefined as never, schema, null)).toBeNull();
    expect(converter.toConnectData("t", undefined as never, null)).toEqual({ schema, value: null });
  });

  test.each([
    // A schemaless whole number is a Long, as JsonConverter reads one.
    [() => new ShortConverter(), 40000, "Failed to serialize to short (was class java.lang.Long): "],
    [() => new IntegerConverter(), "5", "Failed to serialize to integer (was class java.lang.String): "],
    [() => new LongConverter(), 1.5, "Failed to serialize to long (was class java.lang.Double): "],
    [() => new DoubleConverter(), true, "Failed to serialize to double (was class java.lang.Boolean): "],
    // Schemaless, the class tells them apart: Cast to float32 makes a Float, JsonConverter reads `3.0` as a Double.
    [() => new DoubleConverter(), schemalessFloat(0.1), "Failed to serialize to double (was class java.lang.Float): "],
    [() => new FloatConverter(), new JavaDouble(3), "Failed to serialize to float (was class java.lang.Double): "],
  ])("rejects a value of the wrong type with Apache's message", (create, value, message) => {
    expect(() => configured(create()).fromConnectData("t", undefined as never, null, value)).toThrow(message);
  });

  test("writes a schemaless Float and Double (a JavaFloat and a JavaDouble)", () => {
    const float = configured(new FloatConverter()).fromConnectData("t", undefined as never, null, schemalessFloat(1.5));
    const double = configured(new DoubleConverter()).fromConnectData("t", undefined as never, null, new JavaDouble(-2));
    expect([float, double]).toEqual([new Uint8Array([0x3f, 0xc0, 0, 0]), new Uint8Array([0xc0, 0, 0, 0, 0, 0, 0, 0])]);
  });

  test.each([
    [
      () => new ShortConverter(),
      "Failed to deserialize short: ",
      "Size of data received by ShortDeserializer is not 2",
    ],
    [() => new LongConverter(), "Failed to deserialize long: ", "Size of data received by LongDeserializer is not 8"],
    [() => new FloatConverter(), "Failed to deserialize float: ", "Size of data received by Deserializer is not 4"],
  ])("rejects bytes of the wrong size with Apache's message and cause", (create, message, cause) => {
    const read = () => configured(create()).toConnectData("t", undefined as never, new Uint8Array(3));
    expect(read).toThrow(message);
    expect(thrown(read).cause).toEqual(serializationException(cause));
  });

  test("reads from a view into a larger buffer", () => {
    const buffer = new Uint8Array([9, 0, 0, 0, 7, 9]);
    const result = configured(new IntegerConverter()).toConnectData("t", undefined as never, buffer.subarray(1, 5));
    expect(result.value).toBe(7);
  });

  test("validates converter.type like Apache", () => {
    expect(() => new ShortConverter().configure({ "converter.type": "body" })).toThrow(
      "Invalid value body for configuration converter.type: String must be one of: key, value, header",
    );
  });

  describe("JSON read by JsonConverter, written by FloatConverter (as Connect 4.3.1)", () => {
    const json = (schemas: boolean, text: string) => {
      const converter = new JsonConverter();
      converter.configure({ "schemas.enable": String(schemas) }, false);
      return converter.toConnectData("t", undefined as never, new TextEncoder().encode(text));
    };
    const float = () => configured(new FloatConverter());

    test.each([
      ["1", "class java.lang.Long"],
      ["1.5", "class java.lang.Double"],
      ["1e3", "class java.lang.Double"],
    ])("refuses the schemaless number %s, a %s", (text, className) => {
      const { schema, value } = json(false, text);
      expect(() => float().fromConnectData("t", undefined as never, schema, value)).toThrow(
        `Failed to serialize to float (was ${className}): `,
      );
    });

    test("writes a float-schema value, and a schemaless one cast to float32 first", () => {
      const typed = json(true, '{"schema":{"type":"float"},"payload":1.5}');
      const cast = castValue.create();
      cast.configure({ spec: "float32" });
      const { schema, value } = json(false, "1.5");
      const record = cast.apply(srcRecord({ sourcePartition: {}, sourceOffset: {}, valueSchema: schema, value }))!;
      expect([
        float().fromConnectData("t", undefined as never, typed.schema, typed.value),
        float().fromConnectData("t", undefined as never, record.valueSchema, record.value),
      ]).toEqual([new Uint8Array([0x3f, 0xc0, 0, 0]), new Uint8Array([0x3f, 0xc0, 0, 0])]);
    });
  });
});
