import { expect, test } from "bun:test";
import { JsonConverter } from "../converters/json-converter.ts";
import { represent } from "./record-builder.ts";

test("a JSON object a device sent reaches JsonConverter as sent, in its order, nested objects too (not a HashMap's order)", () => {
  const converter = new JsonConverter();
  converter.configure({ "schemas.enable": "false" }, false);
  // "n" and "t" (and "b" and "a") iterate the other way round in a Java HashMap.
  const value = represent({ kind: "json", value: { n: 1, t: { b: 1, a: 2 } } }, "json");
  const bytes = converter.fromConnectData("t", null, null, value);
  expect(new TextDecoder().decode(bytes!)).toBe('{"n":1,"t":{"b":1,"a":2}}');
});
