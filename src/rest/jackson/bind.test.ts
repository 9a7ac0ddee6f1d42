/**
 * Jackson's messages for bad bodies, as a real Apache Connect 4.3.1 answered them (probed while
 * writing this parser; the whole-gateway comparison is test/connect-rest-recorded.test.ts).
 */
import { describe, expect, test } from "bun:test";
import { type Binder, bindConnectorOffsets, bindCreateConnectorRequest, bindStringMap } from "./bind.ts";
import { bindBody } from "./bind-body.ts";

const AT = (column: number) =>
  `\n at [Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: 1, column: ${column}]`;
const CREATE = 'org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest["name"]';

function create(body: string): string {
  try {
    bindBody(new TextEncoder().encode(body), bindCreateConnectorRequest, "T");
    return "ok";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("bindBody (Jackson's messages)", () => {
  test.each([
    [
      '{"name":"x"',
      `Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: 1, column: 1])${AT(12)}`,
    ],
    ['{"name":"x",', `Unexpected end-of-input within/between Object entries${AT(13)}`],
    [
      '{"name" "x"}',
      `Unexpected character ('"' (code 34)): was expecting a colon to separate field name and value${AT(9)}`,
    ],
    [
      '{"name":"x" "config":{}}',
      `Unexpected character ('"' (code 34)): was expecting comma to separate Object entries${AT(13)}`,
    ],
    [
      '{"name":abc}',
      `Unrecognized token 'abc': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')${AT(9)}`,
    ],
    [
      '{"name":"a\nb"}',
      `Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value${AT(11)} (through reference chain: ${CREATE})`,
    ],
    [
      '{"name":"x"} trailing',
      `Unrecognized token 'trailing': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')${AT(14)}`,
    ],
    ['{"name":01}', `Invalid numeric value: Leading zeroes not allowed${AT(10)}`],
    [
      '{"name":-}',
      `Unexpected character ('}' (code 125)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value${AT(10)}`,
    ],
    ['{"name":"\\q"}', `Unrecognized character escape 'q' (code 113)${AT(11)} (through reference chain: ${CREATE})`],
    // At the character itself, as Jackson's _reportUnexpectedChar (hunt7: h7-short-unicode-escape).
    [
      '{"name":"\\u12"}',
      `Unexpected character ('"' (code 34)): expected a hex-digit for character escape sequence${AT(14)} (through reference chain: ${CREATE})`,
    ],
    ['{"name":"x",}', `Unexpected character ('}' (code 125)): was expecting double-quote to start field name${AT(13)}`],
    ['{"name":true,"', `Unexpected end-of-input: was expecting closing '"' for name${AT(15)}`],
    ['{"name":"x","conf', `Unexpected end-of-input in field name${AT(18)}`],
    [
      '"str"',
      `Cannot construct instance of \`org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest\` (although at least one Creator exists): no String-argument constructor/factory method to deserialize from String value ('str')${AT(1)}`,
    ],
    [
      "[1 2]",
      `Cannot deserialize value of type \`org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest\` from Array value (token \`JsonToken.START_ARRAY\`)${AT(1)}`,
    ],
    [
      '{"name":"x","config":{"a":[1,2}}',
      `Cannot deserialize value of type \`java.lang.String\` from Array value (token \`JsonToken.START_ARRAY\`)${AT(27)} (through reference chain: org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest["config"]->java.util.LinkedHashMap["a"])`,
    ],
  ])("%s", (body, message) => {
    expect(create(body)).toBe(message);
  });

  test("valid bodies bind, keeping the JSON text of numbers", () => {
    expect(
      bindBody(new TextEncoder().encode('{"a":1.10,"b":1e2,"c":-0.0,"d":true,"e":null}'), bindStringMap, "T"),
    ).toEqual({
      a: "1.10",
      b: "1e2",
      c: "-0.0",
      d: "true",
      e: null,
    });
    expect(bindBody(new TextEncoder().encode("  "), bindStringMap, "T")).toBeNull();
    expect(create('{"name":" x ","config":{},"initial_state":"paused"}')).toBe("ok");
  });

  test("UTF-16 with a BOM is read; invalid UTF-8 is Jackson's error", () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from('{"a":"b"}', "utf16le"))]);
    expect(bindBody(utf16, bindStringMap, "T")).toEqual({ a: "b" });
    const bad = new Uint8Array([...Buffer.from('{"a":"'), 0xff, ...Buffer.from('"}')]);
    expect(() => bindBody(bad, bindStringMap, "T")).toThrow(`Invalid UTF-8 start byte 0xff${AT(8)}`);
  });
});

// Found by scripts/diff-connect (seed 1234): Connect 4.3.1's wording for these two.
describe("bindBody (Jackson's wording, diff-connect)", () => {
  test("a boolean where an entity is expected says 'boolean value'", () => {
    expect(create("true")).toBe(
      `Cannot construct instance of \`org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest\` (although at least one Creator exists): no boolean/Boolean-argument constructor/factory method to deserialize from boolean value (true)${AT(1)}`,
    );
  });

  test("an unknown field of an entity with one property names 'one known property'", () => {
    let message = "ok";
    try {
      bindBody(new TextEncoder().encode('{"a":1}'), bindConnectorOffsets, "T");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      `Unrecognized field "a" (class org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets), not marked as ignorable (one known property: "offsets")${AT(8)} (through reference chain: org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets["a"])`,
    );
  });

  // Found by scripts/diff-connect (seed 7): Jackson's blank is every char <= U+0020 (not trim()).
  test("a config of control characters is an empty String to Jackson; U+00A0 is not", () => {
    expect(create('{"name":"a","config":"\\u0000\\t"}')).toStartWith('Cannot coerce empty String ("")');
    expect(create('{"name":"a","config":"\\u00a0"}')).toStartWith(
      "Cannot construct instance of `java.util.LinkedHashMap` (although at least one Creator exists): no String-argument constructor/factory method to deserialize from String value ('\u00a0')",
    );
  });

  test("a UTF-8 encoded surrogate is Jackson's 'Illegal surrogate' error, in a known or an unknown field", () => {
    const surrogate = (prefix: string) =>
      new Uint8Array([...Buffer.from(prefix), 0xed, 0xa0, 0x80, ...Buffer.from('"}')]);
    const message = `Invalid UTF-8: Illegal surrogate character 0xd800${AT(14)}`;
    expect(() => bindBody(surrogate('{"x":"abcd'), bindStringMap, "T")).toThrow(message);
    let unknown = "ok";
    try {
      bindBody(surrogate('{"x":"abcd'), bindCreateConnectorRequest, "T");
    } catch (error) {
      unknown = (error as Error).message;
    }
    expect(unknown).toBe(message);
  });
});

describe("bindBean: a field named as a JavaScript object's own property is an unknown field like any other", () => {
  const NAMES = ["toString", "constructor", "hasOwnProperty", "valueOf", "__proto__", "isPrototypeOf"];
  const outcome = (run: () => unknown): string => {
    try {
      return `ok ${JSON.stringify(run())}`;
    } catch (error) {
      return `${(error as Error).constructor.name}: ${(error as Error).message}`;
    }
  };
  const cases: [string, (name: string) => string, Binder<unknown>][] = [
    [
      "CreateConnectorRequest, the name after",
      (n) => `{"name":"c","config":{"a":"b"},"${n}":"x"}`,
      bindCreateConnectorRequest,
    ],
    [
      "CreateConnectorRequest, the name first",
      (n) => `{"${n}":{"k":1},"name":"c","config":{}}`,
      bindCreateConnectorRequest,
    ],
    ["ConnectorOffsets", (n) => `{"offsets":[],"${n}":1}`, bindConnectorOffsets],
    ["ConnectorOffset", (n) => `{"offsets":[{"partition":{},"${n}":[1],"offset":{}}]}`, bindConnectorOffsets],
  ];
  test.each(cases)("%s", (_what, body, binder) => {
    const unknown = (n: string) => outcome(() => bindBody(new TextEncoder().encode(body(n)), binder, "T"));
    for (const name of NAMES) {
      // An unknown name of the same length: the same message, at the same column.
      const other = "z".repeat(name.length);
      const reference = unknown(other);
      expect(reference).toStartWith("BodyError: Unrecognized field");
      expect(unknown(name)).toBe(reference.replaceAll(other, name));
    }
  });
});
