import { describe, expect, test } from "bun:test";
import { Headers } from "../api/data/headers.ts";
import { JsonText } from "../api/data/json-text.ts";
import { BigDecimal, Decimal } from "../api/data/logical.ts";
import { SchemaBuilder, Schemas, schemaEquals, valueEquals } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { parseString } from "../api/data/values.ts";
import { DataError, type JavaException, javaClassOf, throwableText } from "../errors.ts";
import { describeConfig } from "../plugin/describe-config.ts";
import { buildSchema, buildValue, isError, loadJsonFixtures } from "./golden-fixtures.ts";
import { JsonConverter } from "./json-converter.ts";
import { jsonConverterConfig } from "./json-converter-config.ts";
import { connectToJson } from "./json-data.ts";
import { parseJson, stringifyJson, writeJson } from "./json-text.ts";
import { jsonToConnect } from "./json-to-connect.ts";

const fixtures = await loadJsonFixtures();

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

function converter(config: Record<string, string>, isKey = false): JsonConverter {
  const c = new JsonConverter();
  c.configure(config, isKey);
  return c;
}

function expectResult(actual: { schema: unknown; value: unknown }, expected: { schema: unknown; value: unknown }) {
  const schema = buildSchema(expected.schema as never);
  expect(schemaEquals(actual.schema as never, schema)).toBe(true);
  const value = buildValue(schema, expected.value);
  if (!valueEquals(actual.value, value)) expect(actual.value).toEqual(value);
}

describe("JsonConverter against Apache's bytes", () => {
  test.each(fixtures.encode.map((c) => [c.name, c] as const))("fromConnectData: %s", (_name, c) => {
    const schema = buildSchema(c.schema);
    const value = buildValue(c.valueSchema ? buildSchema(c.valueSchema) : schema, c.value);
    const run = () => text(converter(c.config).fromConnectData("topic", Headers.EMPTY, schema, value));
    if (c.error) expect(run).toThrow(c.error.error);
    else expect(run()).toBe(c.bytes ?? null);
  });

  test.each(fixtures.encode.filter((c) => !c.error).map((c) => [c.name, c] as const))(
    "toConnectData of Apache's bytes: %s",
    (_name, c) => {
      const bytes = c.bytes === null || c.bytes === undefined ? null : utf8(c.bytes);
      const run = () => converter(c.config).toConnectData("topic", Headers.EMPTY, bytes);
      if (isError(c.decoded)) expect(run).toThrow(c.decoded.error);
      else expectResult(run(), c.decoded!);
    },
  );

  test.each(fixtures.decode.map((c) => [c.name, c] as const))("toConnectData: %s", (_name, c) => {
    const bytes = c.input === null ? null : utf8(c.input);
    const run = () => converter(c.config).toConnectData("topic", Headers.EMPTY, bytes);
    if (isError(c.result)) expect(run).toThrow(c.result.error);
    else expectResult(run(), c.result);
  });
});

describe("JsonConverter", () => {
  const plain = () => converter({ "schemas.enable": "false" });
  const write = (c: JsonConverter, schema: Parameters<JsonConverter["fromConnectData"]>[2], value: unknown) =>
    text(c.fromConnectData("t", Headers.EMPTY, schema, value));
  const read = (c: JsonConverter, json: string) => c.toConnectData("t", Headers.EMPTY, utf8(json));

  test("keeps integers beyond 2^53 exact without a schema", () => {
    expect(read(plain(), '{"a":9007199254740993,"b":[1.5]}').value).toEqual({ a: 9007199254740993n, b: [1.5] });
    expect(write(plain(), null, { a: 9007199254740993n })).toBe('{"a":9007199254740993}');
  });

  test("reads a schemaless object as a plain object, including a __proto__ key", () => {
    const value = read(plain(), '{"__proto__":{"x":1},"y":null}').value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__", "y"]);
    expect(write(plain(), null, value)).toBe('{"__proto__":{"x":1},"y":null}');
  });

  test("writes a schemaless map with non-string keys as pairs and a plain object as an object", () => {
    expect(write(plain(), null, new Map([[1, "a"]]))).toBe('[[1,"a"]]');
    expect(write(plain(), SchemaBuilder.map(Schemas.STRING, Schemas.INT32).build(), { a: 1 })).toBe('{"a":1}');
  });

  test("refuses a map whose schema has no key schema, with Apache's NullPointerException (runhunt5)", () => {
    // Values.parseString("{}") as InsertHeader reads it; Apache Connect 4.3.1 fails the record the same
    // way with schemas.enable true and false (probed by runhunt5: a FileStreamSource task FAILED).
    const { schema, value } = parseString("{}");
    for (const c of [plain(), converter({ "schemas.enable": "true" })]) {
      const error = (() => {
        try {
          c.fromConnectHeader("t", "h", schema, value);
        } catch (e) {
          return e;
        }
      })();
      expect(throwableText(error)).toBe(
        'java.lang.NullPointerException: Cannot invoke "org.apache.kafka.connect.data.Schema.type()" because the return value of "org.apache.kafka.connect.data.Schema.keySchema()" is null',
      );
    }
    expect(write(plain(), SchemaBuilder.map(Schemas.INT32, Schemas.INT32).build(), new Map())).toBe("[]");
  });

  test("a negative number too small for a double reads as -0.0, a written zero as 0.0 (Jackson's BigDecimal)", () => {
    // As JsonConverter 4.3.1 reads them: BigDecimal has no -0.0, but -1e-400's doubleValue() is -0.0.
    expect(write(plain(), null, read(plain(), "[-1e-400,-0.0,-0e5,-0]").value)).toBe("[-0.0,0.0,0.0,0]");
    const schemas = converter({ "schemas.enable": "true" });
    const readWith = (type: string, payload: string) =>
      read(schemas, `{"schema":{"type":"${type}"},"payload":${payload}}`).value;
    const zeros = ["-1e-400", "-0.0", "-0E7", "-0"].flatMap((n) => [readWith("double", n), readWith("float", n)]);
    expect(zeros.map((z) => (Object.is(z, -0) ? "-0.0" : String(z)))).toEqual(["-0.0", "-0.0", ...Array(6).fill("0")]);
    expect(Object.is(readWith("float", "-1e-50"), -0)).toBe(true);
  });

  // JsonNode.longValue()/intValue() of a BigDecimal as 4.3.1 reads it: 0, without 10^exponent (a
  // ten-byte payload 1e99999999 took 17 s of the event loop; 1e2147483647 threw).
  test("a huge exponent for an integer field reads as Java's longValue, without computing the power", () => {
    const schemas = converter({ "schemas.enable": "true" });
    const readWith = (type: string, payload: string) =>
      read(schemas, `{"schema":{"type":"${type}"},"payload":${payload}}`).value;
    expect(["1e2147483647", "1e-2147483647", "-1e99999999"].map((n) => readWith("int64", n))).toEqual([0, 0, 0]);
    expect([readWith("int32", "1e19"), readWith("int8", "-98765432109876543210987.6")]).toEqual([-1981284352, 21]);
  });

  // JsonNode.floatValue() as 4.3.1 reads it (recorded): BigDecimal/BigInteger.floatValue round once,
  // where Math.fround of the double rounded twice for a double halfway between two floats.
  test("a float field is rounded once from the number, not by way of a double", () => {
    const schemas = converter({ "schemas.enable": "true" });
    const float = (payload: string) => read(schemas, `{"schema":{"type":"float"},"payload":${payload}}`).value;
    const payloads = ["1.0000000596046447753906251", "1.0000000596046447753906250", "-3.4028235677973366e38"];
    expect([...payloads, "9007199791611905", "36028797018963971000000"].map(float)).toEqual(
      [1.0000001, 1.0, -3.4028235e38, 9.0072003e15, 3.6028797e22].map(Math.fround),
    );
  });

  test('writes a struct\'s fields in schema order, integer-like names too (Connect 4.3.1: {"b":1,"1":2})', () => {
    const schema = SchemaBuilder.struct().field("b", Schemas.INT32).field("1", Schemas.INT32).build();
    expect(write(plain(), schema, new Struct(schema).put("b", 1).put("1", 2))).toBe('{"b":1,"1":2}');
  });

  test("accepts a struct whose schema is equal but not the same object", () => {
    const schema = () => SchemaBuilder.struct().field("a", Schemas.INT32).build();
    const value = new Struct(schema()).put("a", 1);
    expect(write(plain(), schema(), value)).toBe('{"a":1}');
  });

  test("fails a struct schema with a default as Apache's does; a list of structs keeps its default (runhunt3)", () => {
    const schemas = converter({ "schemas.enable": "true" });
    const read = (json: string) => () => schemas.toConnectData("t", Headers.EMPTY, utf8(json));
    const struct = '{"type":"struct","optional":true,"default":{"x":3},"fields":[{"field":"x","type":"int32"}]}';
    let thrown: unknown;
    try {
      read(`{"schema":${struct},"payload":null}`)();
    } catch (e) {
      thrown = e;
    }
    expect([javaClassOf(thrown), (thrown as Error).message, javaClassOf((thrown as Error).cause)]).toEqual([
      "org.apache.kafka.connect.errors.SchemaBuilderException",
      "Invalid default value",
      "org.apache.kafka.connect.errors.DataException",
    ]);
    expect(((thrown as Error).cause as Error).message).toBe("Struct schemas do not match.");
    const items = '{"type":"struct","fields":[{"field":"x","type":"int32"}]}';
    const list = `{"type":"array","optional":true,"default":[{"x":1}],"items":${items}}`;
    const { value } = read(`{"schema":${list},"payload":null}`)();
    expect((value as Struct[]).map((s) => s.get("x"))).toEqual([1]);
  });

  test("rejects bytes that are not UTF-8 with Connect's message", () => {
    const run = () => plain().toConnectData("t", Headers.EMPTY, new Uint8Array([0x22, 0xff, 0x22]));
    expect(run).toThrow(DataError);
    expect(run).toThrow("Converting byte[] to Kafka Connect data failed due to serialization error: ");
  });

  test.each([
    ['""', "java.lang.NumberFormatException", "Zero length BigInteger"],
    [
      '"!!"',
      "com.fasterxml.jackson.databind.exc.InvalidFormatException",
      "Cannot access contents of TextNode as binary due to broken Base64 encoding: Illegal character '!' (code 0x21) in base64 content",
    ],
  ])(
    "Decimal bytes %s fail with Java's cause, as Apache (hunt-decimal, hunt-decimal-base64-*)",
    (payload, javaClass, message) => {
      const envelope = `{"schema":{"type":"bytes","name":"${Decimal.LOGICAL_NAME}","parameters":{"scale":"2"}},"payload":${payload}}`;
      let error: unknown;
      try {
        read(converter({}), envelope);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toBe("Invalid bytes for Decimal field");
      const cause = (error as Error).cause as JavaException;
      expect([cause.javaClass, cause.message]).toEqual([javaClass, message]);
    },
  );

  // Review runhunt2: Long.MAX_VALUE read as an Invalid Date was written back as "payload":null.
  test.each([
    ["Timestamp", "int64", "9223372036854775807", "Timestamp value 9223372036854775807"],
    ["Timestamp", "int64", "-8640000000000001", "Timestamp value -8640000000000001"],
    ["Date", "int32", "2147483647", "Date value 2147483647 (days)"],
  ])(
    "a %s beyond a JavaScript Date's range (%s %s) is a DataError, not an Invalid Date",
    (name, type, payload, what) => {
      const envelope = `{"schema":{"type":"${type}","name":"org.apache.kafka.connect.data.${name}"},"payload":${payload}}`;
      const run = () => read(converter({}), envelope);
      expect(run).toThrow(DataError);
      expect(run).toThrow(
        `${what} is out of the range of dates supported here (dates beyond ±8.64e15 ms from the epoch are not supported)`,
      );
    },
  );

  test("reuses translated schemas in both directions", () => {
    const c = converter({});
    const schema = SchemaBuilder.struct().field("a", Decimal.schema(2)).build();
    const value = new Struct(schema).put("a", new BigDecimal(150n, 2));
    const first = write(c, schema, value);
    expect(write(c, schema, value)).toBe(first);
    const a = read(c, first!);
    const b = read(c, first!);
    expect(a.schema).toBe(b.schema);
    expect(valueEquals(a.value, value)).toBe(true);
  });

  test("works without schema caches (schemas.cache.size=0)", () => {
    const c = converter({ "schemas.cache.size": "0" });
    expect(read(c, write(c, Schemas.INT32, 5)!).value).toBe(5);
  });

  test("is a header converter when configured without isKey", () => {
    const c = new JsonConverter();
    c.configure({});
    const bytes = c.fromConnectHeader("t", "h", Schemas.STRING, "v");
    expect(text(bytes)).toBe('{"schema":{"type":"string","optional":false},"payload":"v"}');
    expect(c.toConnectHeader("t", "h", bytes)).toEqual({ schema: Schemas.STRING, value: "v" });
  });

  test("fails to configure a schema.content that is not JSON", () => {
    expect(() => converter({ "schema.content": "{nope" })).toThrow(
      "Failed to parse schema in converter config due to serialization error: ",
    );
  });

  test.each([
    [{ "decimal.format": "TEXT" }, "String must be one of (case insensitive): NUMERIC, BASE64"],
    [{ "schemas.enable": "yes" }, "Expected value to be either true or false"],
    [{ "schemas.cache.size": "many" }, "Not a number of type INT"],
  ])("rejects config %p", (config, message) => {
    expect(() => converter(config)).toThrow(message);
  });

  test("declares Apache's keys, defaults, groups and order", () => {
    const described = describeConfig(jsonConverterConfig).map((k) => [
      k.name,
      k.type,
      k.default_value,
      k.importance,
      k.group,
      k.order_in_group,
      k.display_name,
    ]);
    expect(described).toEqual([
      ["converter.type", "STRING", null, "LOW", null, -1, "converter.type"],
      ["schemas.enable", "BOOLEAN", "true", "HIGH", "Schemas", 0, "Enable Schemas"],
      ["schemas.cache.size", "INT", "1000", "HIGH", "Schemas", 1, "Schema Cache Size"],
      ["schema.content", "STRING", null, "HIGH", "Schemas", 2, "Schema Content"],
      ["decimal.format", "STRING", "BASE64", "LOW", "Serialization", 0, "Decimal Format"],
      ["replace.null.with.default", "BOOLEAN", "true", "LOW", "Serialization", 1, "Replace null with default"],
    ]);
  });
});

describe("connectToJson and jsonToConnect", () => {
  test("give JSON-safe values that JSON.stringify writes exactly", () => {
    const schema = SchemaBuilder.struct()
      .field("big", Schemas.INT64)
      .field("f", Schemas.FLOAT64)
      .field("b", Schemas.BYTES)
      .field("m", SchemaBuilder.map(Schemas.INT32, Schemas.STRING).build())
      .build();
    const value = new Struct(schema)
      .put("big", 2n ** 60n)
      .put("f", 1)
      .put("b", new Uint8Array([255]))
      .put("m", new Map([[1, "x"]]));
    const json = connectToJson(schema, value);
    expect(stringifyJson(json)).toBe('{"big":1152921504606846976,"f":1.0,"b":"/w==","m":[[1,"x"]]}');
    expect(valueEquals(jsonToConnect(schema, parseJson(writeJson(json), true)), value)).toBe(true);
  });

  test("honour decimal.format and replace.null.with.default as options", () => {
    const schema = Decimal.builder(1).optional().defaultValue(new BigDecimal(5n, 1)).build();
    expect(stringifyJson(connectToJson(schema, null, { decimalFormat: "NUMERIC", replaceNullWithDefault: true }))).toBe(
      "0.5",
    );
    expect(connectToJson(schema, null, { decimalFormat: "NUMERIC", replaceNullWithDefault: false })).toBeNull();
  });
});

describe("JsonConverter and JsonText (JSON as a source received it)", () => {
  const received = '{"ts": 1700000000123456789,"ns":[18446744073709551615, 1.50, 1E3], "s":"\\u001f😀"}';

  test("schemas.enable=false writes the received bytes as they are, not parsed", () => {
    const given = utf8(received);
    expect(
      converter({ "schemas.enable": "false" }).fromConnectData("t", undefined, null, new JsonText(received, given)),
    ).toBe(given);
    expect(
      text(converter({ "schemas.enable": "false" }).fromConnectData("t", undefined, null, new JsonText(received))),
    ).toBe(received);
  });

  test("schemas.enable=true parses it into the envelope, as the same value given parsed", () => {
    const c = converter({});
    const fromText = text(c.fromConnectData("t", undefined, null, new JsonText(received)));
    // The payload is the HashMap JsonConverter reads the text into, written in its hash order.
    expect(fromText).toBe(
      '{"schema":null,"payload":{"s":"\\u001F\\uD83D\\uDE00","ns":[-1,1.5,1000.0],"ts":1700000000123456789}}',
    );
    expect(fromText).toBe(text(c.fromConnectData("t", undefined, null, new JsonText(received).value())));
  });

  test("reading the written bytes back gives the parsed value", () => {
    const c = converter({ "schemas.enable": "false" });
    const bytes = c.fromConnectData("t", undefined, null, new JsonText(received));
    expect(c.toConnectData("t", undefined, bytes).value).toEqual(new JsonText(received).value());
  });

  describe("toConnectJsonText (consumed JSON for a sink that passes it through)", () => {
    const schemaless = converter({ "schemas.enable": "false" });

    test("valid JSON becomes a JsonText of the very bytes, written back unchanged", () => {
      const consumed = utf8(received);
      const read = schemaless.toConnectJsonText("t", undefined, consumed)!;
      expect(read.schema).toBeNull();
      expect(read.value).toBeInstanceOf(JsonText);
      expect(schemaless.fromConnectData("t", undefined, null, read.value)).toBe(consumed);
      expect((read.value as JsonText).value()).toEqual(schemaless.toConnectData("t", undefined, consumed).value);
    });

    test("the JsonText keeps the bytes only: its text is decoded when asked for, not held beside them", () => {
      const read = schemaless.toConnectJsonText("t", undefined, utf8(received))!;
      const json = read.value as JsonText;
      expect(json.decoded()).toBeUndefined();
      expect(json.text).toBe(received);
      expect(json.decoded()).toBeUndefined();
      expect(String(json)).toBe(received);
    });

    test("a leading byte order mark is left out of the bytes, as the reader skips it", () => {
      const read = schemaless.toConnectJsonText("t", undefined, new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("[1]")]))!;
      expect(text(schemaless.fromConnectData("t", undefined, null, read.value))).toBe("[1]");
    });

    test("JSON null reads as null, as toConnectData reads it", () => {
      expect(schemaless.toConnectJsonText("t", undefined, utf8(" null "))).toEqual({ schema: null, value: null });
    });

    test.each([
      ["not JSON", utf8("{oops")],
      ["empty", utf8("")],
      ["white space only", utf8(" \n")],
      ["not UTF-8", new Uint8Array([0x22, 0xff, 0x22])],
    ])("%s is declined (toConnectData then reads it or reports it)", (_name, bytes) => {
      expect(schemaless.toConnectJsonText("t", undefined, bytes)).toBeUndefined();
    });

    test("schemas.enable=true declines: the envelope must be read", () => {
      expect(converter({}).toConnectJsonText("t", undefined, utf8('{"schema":null,"payload":1}'))).toBeUndefined();
    });
  });
});
