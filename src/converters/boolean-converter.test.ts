import { describe, expect, test } from "bun:test";
import { Schemas } from "../api/data/schema.ts";
import { serializationException } from "../errors.ts";
import { BooleanConverter } from "./boolean-converter.ts";

function converter(): BooleanConverter {
  const c = new BooleanConverter();
  c.configure({}, true);
  return c;
}

describe("BooleanConverter", () => {
  test.each([
    [true, [1]],
    [false, [0]],
  ])("writes %p as one byte and reads it back", (value, bytes) => {
    expect(converter().fromConnectData("t", undefined, Schemas.BOOLEAN, value)).toEqual(new Uint8Array(bytes));
    expect(converter().toConnectData("t", undefined, new Uint8Array(bytes))).toEqual({
      schema: Schemas.OPTIONAL_BOOLEAN,
      value,
    });
  });

  test("passes null through", () => {
    expect(converter().fromConnectData("t", undefined, null, null)).toBeNull();
    expect(converter().toConnectData("t", undefined, null)).toEqual({ schema: Schemas.OPTIONAL_BOOLEAN, value: null });
  });

  test.each([
    [Schemas.INT8, true, "Invalid schema type for BooleanConverter: INT8"],
    [null, "true", "BooleanConverter is not compatible with objects of type class java.lang.String"],
  ])("rejects schema %p with value %p", (schema, value, message) => {
    expect(() => converter().fromConnectData("t", undefined, schema, value)).toThrow(message);
  });

  test.each([
    [[1, 1], "Size of data received by BooleanDeserializer is not 1"],
    [[0xff], "Unexpected byte received by BooleanDeserializer: -1"],
  ])("rejects bytes %p with Kafka's SerializationException as the cause", (bytes, cause) => {
    const read = () => converter().toConnectData("t", undefined, new Uint8Array(bytes));
    expect(read).toThrow("Failed to deserialize boolean: ");
    let thrown: unknown;
    try {
      read();
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Error).cause).toEqual(serializationException(cause));
  });
});
