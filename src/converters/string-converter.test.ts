import { describe, expect, test } from "bun:test";
import { JsonText } from "../api/data/json-text.ts";
import { BigDecimal } from "../api/data/logical.ts";
import { SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { Struct } from "../api/data/struct.ts";
import { StringConverter } from "./string-converter.ts";

function converter(configs: Record<string, string> = {}, isKey = false): StringConverter {
  const c = new StringConverter();
  c.configure(configs, isKey);
  return c;
}

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe("StringConverter", () => {
  const schema = SchemaBuilder.struct().field("id", Schemas.INT32).field("score", Schemas.FLOAT64).build();

  test.each([
    ["a string", Schemas.STRING, "héllo", "héllo"],
    ["an INT32", Schemas.INT32, 5, "5"],
    ["a FLOAT64, Java style", Schemas.FLOAT64, 2, "2.0"],
    ["a boolean", null, true, "true"],
    ["a decimal", null, new BigDecimal(150n, 2), "1.50"],
    ["a struct", schema, new Struct(schema).put("id", 1).put("score", 0.5), "Struct{id=1,score=0.5}"],
  ])("writes %s as its Java toString()", (_what, s, value, expected) => {
    expect(text(converter().fromConnectData("t", undefined, s, value))).toBe(expected);
  });

  test("reads any bytes as an optional string", () => {
    expect(converter().toConnectData("t", undefined, new TextEncoder().encode("abc"))).toEqual({
      schema: Schemas.OPTIONAL_STRING,
      value: "abc",
    });
    expect(converter().toConnectData("t", undefined, null)).toEqual({ schema: Schemas.OPTIONAL_STRING, value: null });
    expect(converter().fromConnectData("t", undefined, Schemas.OPTIONAL_STRING, null)).toBeNull();
  });

  test("uses converter.encoding", () => {
    const latin1 = converter({ "converter.encoding": "ISO-8859-1" });
    expect(latin1.fromConnectData("t", undefined, null, "é")).toEqual(new Uint8Array([0xe9]));
    expect(latin1.toConnectData("t", undefined, new Uint8Array([0xe9])).value).toBe("é");
  });

  test("lets key.serializer.encoding win for a key converter, as Kafka's StringSerializer does", () => {
    const configs = { "converter.encoding": "UTF-8", "key.serializer.encoding": "UTF-16BE" };
    expect(converter(configs, true).fromConnectData("t", undefined, null, "a")).toEqual(new Uint8Array([0, 0x61]));
    expect(converter(configs, false).fromConnectData("t", undefined, null, "a")).toEqual(new Uint8Array([0x61]));
  });

  test("fails to configure with an unknown encoding", () => {
    expect(() => converter({ "converter.encoding": "nope" })).toThrow("Unsupported encoding nope");
  });

  test("works as a header converter", () => {
    const c = new StringConverter();
    c.configure({});
    expect(text(c.fromConnectHeader("t", "h", Schemas.INT64, 42))).toBe("42");
    expect(c.toConnectHeader("t", "h", new TextEncoder().encode("42")).value).toBe("42");
  });
});

describe("StringConverter and JsonText", () => {
  test("writes the received JSON text in the configured encoding", () => {
    const received = '{ "ts": 1700000000123456789, "é": 1.50 }';
    expect(text(converter().fromConnectData("t", undefined, null, new JsonText(received)))).toBe(received);
    const latin1 = converter({ "converter.encoding": "ISO-8859-1" }).fromConnectData(
      "t",
      undefined,
      null,
      new JsonText('"é"'),
    );
    expect([...latin1!]).toEqual([0x22, 0xe9, 0x22]);
  });
});
