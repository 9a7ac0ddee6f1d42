import { describe, expect, test } from "bun:test";
import { Schemas } from "../api/data/schema.ts";
import { ByteArrayConverter } from "./byte-array-converter.ts";

describe("ByteArrayConverter", () => {
  const converter = new ByteArrayConverter();
  converter.configure({}, false);

  test("passes bytes through both ways", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(converter.fromConnectData("t", undefined, Schemas.BYTES, bytes)).toBe(bytes);
    expect(converter.fromConnectData("t", undefined, null, bytes)).toBe(bytes);
    expect(converter.toConnectData("t", undefined, bytes)).toEqual({ schema: Schemas.OPTIONAL_BYTES, value: bytes });
    expect(converter.toConnectData("t", undefined, null)).toEqual({ schema: Schemas.OPTIONAL_BYTES, value: null });
    expect(converter.fromConnectData("t", undefined, Schemas.OPTIONAL_BYTES, null)).toBeNull();
  });

  test.each([
    [Schemas.STRING, "x", "Invalid schema type for ByteArrayConverter: STRING"],
    [null, "x", "ByteArrayConverter is not compatible with objects of type class java.lang.String"],
    [Schemas.BYTES, [1, 2], "ByteArrayConverter is not compatible with objects of type class java.util.ArrayList"],
  ])("rejects schema %p with value %p", (schema, value, message) => {
    expect(() => converter.fromConnectData("t", undefined, schema, value)).toThrow(message);
  });

  test("works as a header converter", () => {
    const bytes = new Uint8Array([7]);
    expect(converter.fromConnectHeader("t", "h", null, bytes)).toBe(bytes);
    expect(converter.toConnectHeader("t", "h", bytes).value).toBe(bytes);
  });
});
