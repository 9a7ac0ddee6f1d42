import { describe, expect, test } from "bun:test";
import { JsonConverter } from "../../converters/json-converter.ts";
import { asJacksonBound } from "./java-map-order.ts";
import { jacksonBoundJson, jsonTextAsSent } from "./json-as-sent.ts";
import { readJsonText } from "./json-reader.ts";

const asSent = (text: string) => jsonTextAsSent(readJsonText(text, true));

describe("jsonTextAsSent (explore12 F2, F3)", () => {
  test("members in the text's order, integer-like names too, nested in objects and arrays", () => {
    expect(asSent('{ "b" : 1, "a" : 2, "10" : [ { "z" : 0, "2" : 1 } ], "1" : { "y": 1, "x": 2 } }')).toBe(
      '{"b":1,"a":2,"10":[{"z":0,"2":1}],"1":{"y":1,"x":2}}',
    );
    expect(asSent('{"a":1,"\\u0031":2}')).toBe('{"a":1,"1":2}');
  });

  test("numbers as spelled, long integers to their last digit, strings as JSON.stringify writes them", () => {
    expect(asSent('{"b":1.50,"e":1E3,"z":3.0,"n":-0.0,"id":12345678901234567890,"t":21.5}')).toBe(
      '{"b":1.50,"e":1E3,"z":3.0,"n":-0.0,"id":12345678901234567890,"t":21.5}',
    );
    expect(asSent('["\\u00e9\\n", true, null, "\\ud83d\\ude00"]')).toBe('["é\\n",true,null,"😀"]');
  });
});

describe("jacksonBoundJson", () => {
  const converter = (schemas: boolean) => {
    const c = new JsonConverter();
    c.configure({ "schemas.enable": String(schemas) }, false);
    return c;
  };
  const written = (schemas: boolean, value: unknown) =>
    new TextDecoder().decode(converter(schemas).fromConnectData("t", null, null, value)!);

  test("JsonConverter writes it as the same data read with plain numbers: Jackson's escapes, the order sent", () => {
    const exact = jacksonBoundJson(asSent('{"n":"😀\\u001f","b":1.50,"a":2,"10":3}'));
    // The same data spelled `1.5`, a device's JSON bound by Jackson (REST Proxy data without numbers to keep).
    const plain = asJacksonBound(readJsonText('{"n":"😀\\u001f","b":1.5,"a":2,"10":3}'));
    expect(written(false, exact)).toBe('{"n":"\\uD83D\\uDE00\\u001F","b":1.50,"a":2,"10":3}');
    // In an envelope it is read, as LinkedHashMaps: the order sent, not a HashMap's ("a" before "b").
    expect(written(true, exact)).toBe('{"schema":null,"payload":{"n":"\\uD83D\\uDE00\\u001F","b":1.5,"a":2,"10":3}}');
    expect(written(false, plain)).toBe('{"n":"\\uD83D\\uDE00\\u001F","b":1.5,"a":2,"10":3}');
    expect(written(true, plain)).toBe(written(true, exact));
  });
});
