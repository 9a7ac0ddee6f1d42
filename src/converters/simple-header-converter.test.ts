import { describe, expect, test } from "bun:test";
import { ConnectDate } from "../api/data/logical.ts";
import { SchemaBuilder, Schemas } from "../api/data/schema.ts";
import { SimpleHeaderConverter } from "./simple-header-converter.ts";

const converter = new SimpleHeaderConverter();
converter.configure({});
const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe("SimpleHeaderConverter", () => {
  test.each([
    ["42", Schemas.INT8, 42],
    ["true", Schemas.BOOLEAN, true],
    ["hello", Schemas.STRING, "hello"],
    ["2024-01-15", ConnectDate.schema(), new Date(Date.UTC(2024, 0, 15))],
  ])("reads %p with the schema the text implies", (input, schema, value) => {
    expect(converter.toConnectHeader("t", "h", utf8(input))).toEqual({ schema, value });
  });

  test.each([
    [Schemas.STRING, "hello", "hello"],
    [Schemas.FLOAT64, 1, "1.0"],
    [SchemaBuilder.map(Schemas.STRING, Schemas.INT32).build(), new Map([["a", 1]]), '{"a":1}'],
    [Schemas.BYTES, new Uint8Array([1, 2]), "AQI="],
  ])("writes a %s value as text", (schema, value, expected) => {
    expect(text(converter.fromConnectHeader("t", "h", schema, value))).toBe(expected);
  });

  test("passes null through", () => {
    expect(converter.fromConnectHeader("t", "h", Schemas.OPTIONAL_STRING, null)).toBeNull();
    expect(converter.toConnectHeader("t", "h", null)).toEqual({ schema: null, value: null });
  });

  test("round-trips what it writes", () => {
    const schema = SchemaBuilder.array(Schemas.INT16).build();
    const bytes = converter.fromConnectHeader("t", "h", schema, [1, 300]);
    expect(converter.toConnectHeader("t", "h", bytes)).toEqual({ schema, value: [1, 300] });
  });
});
